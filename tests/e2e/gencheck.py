#!/usr/bin/env python3
"""gencheck FILE: is FILE, a copy of genwriter's buffer (see
corpus/targets/genwriter.c), the buffer as it was at one instant?

For each thread's range with progress (G, P): pages [0, P) must hold G,
page P G or G - 1, the pages after it G - 1, in their first and last 8
bytes. Prints "consistent: T ranges, generations A..B" and exits 0, or
prints the first few pages that break it and how many do, and exits 1.
"""
import struct
import sys

PAGE = 4096


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    if data[:8] != b"genwritr":
        print("no genwriter header")
        return 1
    npages, nthreads = struct.unpack_from("<QQ", data, 8)
    per = npages // nthreads
    bad, shown, gens = 0, 0, []
    for k in range(nthreads):
        (prog,) = struct.unpack_from("<Q", data, 24 + 8 * k)
        g, p = prog >> 32, prog & 0xFFFFFFFF
        gens.append(g)
        for i in range(per):
            off = (1 + k * per + i) * PAGE
            a, b = struct.unpack_from("<Q", data, off)[0], \
                struct.unpack_from("<Q", data, off + PAGE - 8)[0]
            ok = {g} if i < p else {g, g - 1} if i == p else {g - 1}
            if a not in ok or b not in ok:
                bad += 1
                if shown < 5:
                    shown += 1
                    print("range %d (progress %d, %d) page %d: %d %d" %
                          (k, g, p, i, a, b))
    if bad:
        print("%d pages break the instant" % bad)
        return 1
    print("consistent: %d ranges, generations %d..%d" %
          (nthreads, min(gens), max(gens)))
    return 0


sys.exit(main())
