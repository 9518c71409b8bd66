# uuid: uuid.getnode() and uuid.uuid1() replay: libuuid's refused connect to uuidd, its
# interface ioctls (SIOCGIFCONF with its buffer, SIOCGIFHWADDR) and its clock come from the
# trace, so the replays under unshare -n (only a loopback interface) print the recorded node.
# shellcheck shell=bash

replay_case uuid uuid_node.py --varies
