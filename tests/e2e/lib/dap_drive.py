"""dap_drive.py OUT SOCKET STEPS CMD... — run CMD (retrace-replay --dap SOCKET ...), its stdout
and stderr into OUT.out and OUT.err, attach to SOCKET as an editor would over the Debug
Adapter Protocol (Content-Length framed JSON), do STEPS (one a line), print what they found
and "status N" when CMD has ended.  Every message both ways goes to OUT.dap, one a line.

Steps:
  attach               initialize, then attach; the replies and the `initialized` event
  break FILE [LINE...] setBreakpoints of FILE (no LINE: none)
  done                 configurationDone
  wait                 the next `stopped` event: prints "stopped REASON: DESCRIPTION"
  var NAME             NAME's value in the top frame (stackTrace, scopes, variables: its
                       locals, then its globals): prints "var NAME = VALUE"
  eval EXPR            evaluate EXPR in the top frame: "eval EXPR = RESULT" or "eval error: ..."
  continue, stepback, disconnect, terminate   those requests (stepback: "stepBack" with no arguments)
  end                  wait for the replay to close the connection: prints "closed"

The debug adapter cases (tests/e2e/cases/560-debug_dap.sh) drive retrace-replay --dap through
it, as the pdb cases use pdb_drive.py; nothing here waits for a time: the socket is waited for
while CMD runs, and every read is of a message CMD must send."""
import json
import os
import socket
import subprocess
import sys

out, path, steps, cmd = sys.argv[1], sys.argv[2], sys.argv[3].split("\n"), sys.argv[4:]
log = open(out + ".dap", "w")
with open(out + ".out", "wb") as o, open(out + ".err", "wb") as e:
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=o, stderr=e)


class Gone(Exception):
    pass


class Client:
    def __init__(self, sock):
        self.sock, self.buf, self.seq, self.events = sock, b"", 0, []

    def read(self):
        while b"\r\n\r\n" not in self.buf or len(self.buf) < self.need():
            data = self.sock.recv(65536)
            if not data:
                raise Gone
            self.buf += data
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        n = self.need() - len(head) - 4
        msg, self.buf = json.loads(rest[:n]), rest[n:]
        log.write("<- " + json.dumps(msg) + "\n")
        log.flush()
        return msg

    def need(self):
        head = self.buf.partition(b"\r\n\r\n")[0]
        for h in head.split(b"\r\n"):
            k, _, v = h.partition(b":")
            if k.strip().lower() == b"content-length":
                return len(head) + 4 + int(v)
        raise ValueError("a message without Content-Length: %r" % head)

    def request(self, command, **arguments):
        self.seq += 1
        msg = {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        log.write("-> " + json.dumps(msg) + "\n")
        log.flush()
        body = json.dumps(msg).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        while True:
            m = self.read()
            if m.get("type") == "response" and m.get("request_seq") == self.seq:
                return m
            self.events.append(m)

    def event(self, name):
        while True:
            m = self.events.pop(0) if self.events else self.read()
            if m.get("type") == "event" and m.get("event") == name:
                return m


def connect():
    """SOCKET (a path, or 127.0.0.1:PORT) once CMD listens there; None if CMD ended first."""
    host, _, port = path.rpartition(":")
    while child.poll() is None:
        tcp = host == "127.0.0.1" and port.isdigit()
        s = socket.socket(socket.AF_INET if tcp else socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect((host, int(port)) if tcp else path)
            return s
        except OSError:
            s.close()
            try:
                child.wait(timeout=0.05)  # a pause between tries, not a deadline
            except subprocess.TimeoutExpired:
                pass
    return None


def top_value(c, name, thread):
    frames = c.request("stackTrace", threadId=thread, startFrame=0, levels=20)["body"]["stackFrames"]
    scopes = c.request("scopes", frameId=frames[0]["id"])["body"]["scopes"]
    for scope in scopes:
        for v in c.request("variables", variablesReference=scope["variablesReference"])["body"]["variables"]:
            if v["name"] == name:
                return v["value"]
    return "<none>"


sock = connect()
shown = []
if sock is None:
    shown.append("no connection: the replay ended first")
else:
    c = Client(sock)
    thread = 0
    try:
        for step in steps:
            word, _, rest = step.partition(" ")
            if word == "attach":
                r = c.request("initialize", clientID="dap_drive", adapterID="retrace",
                              linesStartAt1=True, columnsStartAt1=True, pathFormat="path")
                shown.append("initialize %s stepBack %s" % (r["success"], r["body"].get("supportsStepBack")))
                c.event("initialized")
                shown.append("attach %s" % c.request("attach", name="retrace")["success"])
            elif word == "break":
                words = rest.split()
                r = c.request("setBreakpoints", source={"path": words[0]},
                              breakpoints=[{"line": int(n)} for n in words[1:]])
                shown.append("break %s verified %s" % (words[0], [b["verified"] for b in r["body"]["breakpoints"]]))
            elif word == "done":
                shown.append("configurationDone %s" % c.request("configurationDone")["success"])
            elif word == "wait":
                e = c.event("stopped")["body"]
                thread = e["threadId"]
                shown.append("stopped %s: %s" % (e["reason"], e.get("description")))
            elif word == "var":
                shown.append("var %s = %s" % (rest, top_value(c, rest, thread)))
            elif word == "eval":
                frames = c.request("stackTrace", threadId=thread)["body"]["stackFrames"]
                r = c.request("evaluate", expression=rest, frameId=frames[0]["id"], context="repl")
                shown.append("eval %s = %s" % (rest, r["body"]["result"]) if r["success"]
                             else "eval error: %s" % r.get("message"))
            elif word in ("continue", "stepback", "disconnect", "terminate"):
                command = {"stepback": "stepBack"}.get(word, word)
                r = c.request(command, threadId=thread)
                shown.append("%s %s" % (word, r["success"]))
            elif word == "end":
                try:
                    while True:
                        c.read()
                except Gone:
                    shown.append("closed")
            else:
                raise SystemExit("dap_drive.py: no step %r" % step)
    except Gone:
        shown.append("the connection closed early")
    sock.close()
status = child.wait()
print("\n".join(shown))
print("status", status if status >= 0 else 128 - status)
