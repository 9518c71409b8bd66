# signal_http_server.py — python3 -m http.server's own server, shut down with Ctrl-C (SIGINT)
# after serving some requests: its log and its "Keyboard interrupt received" come back on
# replay.
import http.server
import os
import sys

os.chdir(os.path.dirname(os.path.abspath(__file__)))
handler = http.server.SimpleHTTPRequestHandler
with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
    print("port", httpd.server_address[1], flush=True)
    print("ready", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print("\nKeyboard interrupt received, exiting.")
        sys.exit(0)
