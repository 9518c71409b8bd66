# signals: a program's signal handlers run where they ran when recorded — Ctrl-C from outside
# (KeyboardInterrupt with its traceback), SIGTERM from outside with a handler that exits 3, a
# millisecond itimer ticking while the program computes, signals a program sends itself, an
# alarm interrupting a blocking sleep, an HTTP server shut down with Ctrl-C, signals taken by
# sigwait, sigtimedwait and sigwaitinfo, and SIGTERM from outside with no handler (the replay
# dies of it where the recording did).
# shellcheck shell=bash

signal_case signal_interrupt signal_interrupt.py INT --status "signal 2"
signal_case signal_term signal_term.py TERM --status "exit 3"
replay_case signal_timer signal_timer.py --varies
replay_case signal_self signal_self.py --varies
signal_case signal_http_server signal_http_server.py INT --requests 3
# a blocked SIGTERM from outside taken by sigwait, then sigtimedwait and sigwaitinfo
signal_case signal_sigwait signal_sigwait.py TERM
# a catchable signal with no handler: the replay dies of it at the same point
signal_case signal_killed signal_killed.py TERM --status "signal 15"
