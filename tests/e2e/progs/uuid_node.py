# uuid.getnode() and uuid.uuid1() through libuuid (the _uuid extension): libuuid asks uuidd over
# a unix socket (refused when no uuidd runs), lists the interfaces with ioctl(SIOCGIFCONF), reads
# each one's hardware address with ioctl(SIOCGIFHWADDR), may read its clock file, and reads the
# clock.  uuid1's time part differs between runs.
import uuid

try:
    import _uuid
    print("libuuid:", bool(_uuid.has_uuid_generate_time_safe))
except ImportError:
    print("libuuid: no _uuid; uuid falls back to ip link or ifconfig")
print("node:", uuid.getnode())
for _ in range(3):
    u = uuid.uuid1()
    print("uuid1:", u, "node", u.node, "clock_seq", u.clock_seq)
