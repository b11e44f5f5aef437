#!/usr/bin/env python3
"""pyleak: a Python worker that keeps COUNT small objects of one pymalloc
size class (issue 16's ground truth for classify's pymalloc walker).

    python3 pyleak.py [COUNT]      (default 200000)

Keeps COUNT bytes objects of 70 bytes each (103 bytes with the object
header: pymalloc's 112-byte class), then writes sys._debugmallocstats()
(CPython's own count of pymalloc blocks per class) to stderr and prints
target.h's readiness line:
    ready pid=N count=COUNT size=112
and waits to be killed.
"""
import os
import signal
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
keep = [b"%070d" % i for i in range(n)]
size = (sys.getsizeof(keep[0]) + 15) // 16 * 16
sys._debugmallocstats()
sys.stderr.flush()
print("ready pid=%d count=%d size=%d" % (os.getpid(), n, size), flush=True)
sys.stdout.close()
os.close(1)
while True:
    signal.pause()
