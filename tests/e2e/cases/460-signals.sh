# signals: a program's signal handlers run where they ran when recorded — Ctrl-C from outside
# (KeyboardInterrupt with its traceback), SIGTERM from outside with a handler that exits 3, a
# millisecond itimer ticking while the program computes, signals a program sends itself, an
# alarm interrupting a blocking sleep, and an HTTP server shut down with Ctrl-C.
# shellcheck shell=bash

signal_case signal_interrupt signal_interrupt.py INT --status "signal 2"
signal_case signal_term signal_term.py TERM --status "exit 3"
replay_case signal_timer signal_timer.py --varies
replay_case signal_self signal_self.py --varies
signal_case signal_http_server signal_http_server.py INT --requests 3
