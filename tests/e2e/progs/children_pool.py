# children_pool.py — multiprocessing.Pool(4).map over a function that uses random, with the
# start method given (fork or spawn); the workers' results come back through pipes.
import multiprocessing
import random
import sys


def draw(x):
    return x, random.random()


if __name__ == "__main__":
    ctx = multiprocessing.get_context(sys.argv[1])
    with ctx.Pool(4) as pool:
        for x, r in pool.map(draw, range(8)):
            print(x, r)
