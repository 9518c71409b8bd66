# inherited_signals.py — prints what it inherited: SIGINT's and SIGQUIT's dispositions (CPython
# installs its KeyboardInterrupt handler only where SIGINT is not ignored), the blocked mask, and
# a random number so that native runs differ.
import os
import signal

print("SIGINT:", signal.getsignal(signal.SIGINT))
print("SIGQUIT:", signal.getsignal(signal.SIGQUIT))
print("blocked:", sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])))
print("random:", os.urandom(8).hex())
