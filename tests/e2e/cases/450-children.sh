# children: programs that start child processes replay without running any — subprocess.run
# (vfork), with preexec_fn (fork), with close_fds=False (posix_spawn), os.fork, os.system and
# os.popen, multiprocessing pools with the fork, spawn and forkserver start methods — and each
# child replays alone: one that executed a program from its own trace, a forked one (and its
# forked child) by replaying its parent up to the fork, every process of the pools (they rebuild
# their queues from inherited fds, fds passed over a socket and, when spawned, named semaphores).
# shellcheck shell=bash

children_case children_subprocess children_subprocess.py --shadow "date cat" --children 3 --alone "1 2 3"
children_case children_paths children_paths.py --shadow "date cat" --children 2 --alone "1 2"
children_case children_fork children_fork.py --children 1 --alone "1 1.1"
children_case children_shell children_shell.py --shadow "cat" --children 2
# C children printing through stdio: their output is in their traces, and the parent's replay
# writes it
children_case children_c_stdio children_c_stdio.py --shadow "date sort printf" --children 3
# popen(3) from C: its shell is a child like any other
children_case children_c_popen children_c_popen.py --shadow "cat tr" --children 2
children_case children_pool_fork children_pool.py --arg fork --children 4 --alone-all
children_case children_pool_spawn children_pool.py --arg spawn --children 4 --alone-all
# the forkserver start method: workers forked by a server process, their pipes passed over a
# Unix socket (SCM_RIGHTS)
children_case children_pool_forkserver children_pool.py --arg forkserver --children 2 --alone-all
# pidfds: poll and waitid(P_PIDFD) on a child that replay never starts
children_case children_pidfd children_pidfd.py --children 1 --alone 1
children_case children_asyncio_threaded children_asyncio.py --arg threaded --shadow cat --children 1
children_case children_asyncio_pidfd children_asyncio.py --arg pidfd --shadow cat --children 1
# an exec that fails returns to the program, on replay too
replay_case exec_failed exec_failed.py --varies
