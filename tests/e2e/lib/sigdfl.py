"""sigdfl.py CMD [ARG...] — run CMD with SIGINT and SIGQUIT at their default actions.

A non-interactive shell starts background jobs with SIGINT and SIGQUIT ignored, and a program
that finds SIGINT ignored keeps it so (Python installs no KeyboardInterrupt handler); the signal
cases start their programs in the background and then send them those signals."""
import os
import signal
import sys

signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
