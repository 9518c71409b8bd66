"""200 subprocess.run(["true"]) with a 1 GiB heap allocated first (bench/run's spawn workload):
what a child costs a big process.  subprocess starts each child with vfork, whose cost does not
grow with the parent's memory (a fork copies its page tables: tens of ms for 1 GiB)."""
import subprocess

heap = b"x" * (1 << 30)
codes = [subprocess.run(["true"]).returncode for _ in range(200)]
print(len(codes), "children, exit statuses", sorted(set(codes)), len(heap) >> 20, "MiB heap")
