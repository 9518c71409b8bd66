# A program whose code, configuration and data live beside it: the e2e case self_contained
# copies this directory, records it, then replays with the directory moved away or hidden.
import configparser
import os
import ssl
import sys
import time

import helper

here = os.path.dirname(os.path.abspath(__file__))
cfg = configparser.ConfigParser()
cfg.read(os.path.join(here, "config.ini"))
print(helper.greet(cfg["app"]["name"]))
with open(os.path.join(here, "data.txt")) as f:
    print("data:", f.read().strip())
if len(sys.argv) > 1:  # the system's CA bundle, read by OpenSSL with fopen
    ctx = ssl.create_default_context(cafile=sys.argv[1])
    print("system CA certificates loaded:", len(ctx.get_ca_certs()) > 0)
print("time:", time.time(), "random:", os.urandom(8).hex())
