#!/usr/bin/env python3
"""Write the seeds of fuzz_mallocng and fuzz_pymalloc (their input formats
are described at the top of fuzz/fuzz_mallocng.c and fuzz/fuzz_pymalloc.c):
small well-formed musl mallocng heaps and pymalloc pools, and a few broken
ones.  Run from the repository: corpus/gen-walker-seeds.py"""
import os
import struct

IMG = 0x100000
SECRET = 0x1122334455667788
CLASSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 18, 20, 25, 31, 36, 42,
           50, 63, 72, 84, 102, 127]


def put(b, off, fmt, *v):
    struct.pack_into("<" + fmt, b, off, *v)


def meta(b, area, i, mem, avail, freed, last, sc, maplen, freeable=1):
    off = area - IMG + 24 + 40 * i
    word = last | freeable << 5 | sc << 6 | maplen << 12
    put(b, off, "QQQIIQ", 0, 0, mem, avail, freed, word)
    return area + 24 + 40 * i


def mallocng(loop=False, badback=False, badmask=False):
    b = bytearray(8 * 4096)
    area = IMG + 0x1000
    c = 0x100
    # loop: the first area's next is a second (page 6) whose next is the
    # first again; the tail (page 7) is on no path.
    tail = IMG + 0x7000 if loop else area
    put(b, c, "QIIQQQQQQQQ", SECRET, 1, 1, 0, tail + 24 + 40 * 4, 97, 0, 0,
        area, tail, 0)
    put(b, area - IMG, "QQI", SECRET, IMG + 0x6000 if loop else 0, 101)
    if loop:
        put(b, 0x6000, "QQI", SECRET, area, 101)
        put(b, 0x7000, "QQI", SECRET, 0, 101)
    # A group of 30 112-byte slots mapped on its own (2 pages): slots
    # 20-29 never handed out, 0 and 1 freed, the rest in use.
    g0 = IMG + 0x2000
    m0 = meta(b, area, 0, g0, 0x3ff00000 | (1 << 30 if badmask else 0), 3,
              29, 6, 2)
    put(b, g0 - IMG, "QB", m0 + (8 if badback else 0), 29)
    # A group of 5 32-byte slots nested in slot 3 of the first.
    g1 = g0 + 16 + 3 * 112
    m1 = meta(b, area, 1, g1, 0, 1, 4, 1, 0)
    put(b, g1 - IMG - 4, "BBH", 0, 3 | 6 << 5, 21)
    put(b, g1 - IMG, "QB", m1, 4)
    # One mmapped allocation (sizeclass 63, 2 pages).
    g2 = IMG + 0x4000
    m2 = meta(b, area, 2, g2, 0, 0, 0, 63, 2)
    put(b, g2 - IMG, "QB", m2, 0)
    # meta 3: not in use (mem 0).
    return bytes(b)


def pool(b, off, pool_size, szidx, count, carved, full=False):
    size = (szidx + 1) * 16
    nextoff = 48 + carved * size
    fb = 0 if full else IMG + off + 48 + count * size
    put(b, off, "IIQQQIIII", count, 0, fb, IMG + off, IMG + off, 7, szidx,
        nextoff, pool_size - size)


def pymalloc(version, pool_size, cookie=False, table=False):
    n = 3
    b = bytearray(n * pool_size + (4096 if cookie or table else 0))
    pool(b, 0, pool_size, 6, 10, 12)
    cap = (pool_size - 48) // 16
    pool(b, pool_size, pool_size, 0, cap, cap, full=True)
    pool(b, 2 * pool_size, pool_size, 3, 0, 5)
    last = len(b) - 4096
    if cookie:
        put(b, last + 64, "8sQ", b"xdebugpy", 0x030D00F0)
    if table:
        # The last page (also the python's data in fuzz_pymalloc) holds
        # the pointer to CPython's arenas table, the table in it too:
        # entry 7 (the pools' arenaindex) describes the arena at IMG.
        arena = 1 << 20 if pool_size == 16384 else 1 << 18
        tab = IMG + last + 64
        put(b, last, "Q", tab)
        put(b, last + 64 + 48 * 7, "QQIIQQQ", IMG, IMG + 3 * pool_size,
            arena // pool_size - 3, arena // pool_size, 0, 0, 0)
    return bytes([version]) + bytes(b)


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


write("fuzz/seeds/mallocng", "walk", mallocng())
write("fuzz/seeds/mallocng", "area-loop", mallocng(loop=True))
write("fuzz/seeds/mallocng", "bad-backpointer", mallocng(badback=True))
write("fuzz/seeds/mallocng", "bad-mask", mallocng(badmask=True))
write("fuzz/seeds/pymalloc", "py311", pymalloc(11, 16384))
write("fuzz/seeds/pymalloc", "py39", pymalloc(9, 4096))
write("fuzz/seeds/pymalloc", "unknown", pymalloc(0, 4096))
write("fuzz/seeds/pymalloc", "py313-cookie", pymalloc(13, 16384, cookie=True))
write("fuzz/seeds/pymalloc", "py311-table", pymalloc(11, 16384, table=True))
