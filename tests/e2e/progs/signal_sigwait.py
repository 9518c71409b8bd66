# signal_sigwait.py — signals taken synchronously: with SIGTERM and SIGUSR1 blocked, sigwait
# takes the SIGTERM sent from outside, sigtimedwait times out, and sigwaitinfo takes a SIGUSR1 the
# program sent itself (blocked, it stays pending: it must not kill the replay either).
import os
import signal
import time

signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGUSR1])
print("ready", flush=True)
took = signal.sigwait([signal.SIGTERM])
print("sigwait took", signal.Signals(took).name, "at", time.time(), flush=True)
print("sigtimedwait gave", signal.sigtimedwait([signal.SIGUSR1], 0.05), flush=True)
os.kill(os.getpid(), signal.SIGUSR1)
info = signal.sigwaitinfo([signal.SIGUSR1])
print("sigwaitinfo took", signal.Signals(info.si_signo).name, "sent by us:", info.si_pid == os.getpid())
