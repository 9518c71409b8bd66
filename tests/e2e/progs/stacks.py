# stacks.py — one clock read, in inner(), reached first through a() and then through b().  The
# python_stacks case edits b() to reach inner() through a(): the same call from the same line,
# which only whole Python stacks (retrace-record --python-stacks) tell apart.
import time


def inner():
    return time.time()  # INNER LINE


def a():
    return inner()  # A LINE


def b():
    return inner()  # B LINE


a()
b()
print("done")
