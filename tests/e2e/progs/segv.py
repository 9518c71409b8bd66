# Crashes with SIGSEGV in C code through ctypes: replay dies of SIGSEGV at the same point.
import ctypes
import os
import sys

print("pid", os.getpid())
print("about to read address 0")
sys.stdout.flush()
ctypes.string_at(0)
print("never printed")
