#!/usr/bin/env python3
"""Write fuzz_alloc's seeds (fuzz/fuzz_alloc.c's input formats) into DIR:
one small well-formed image per allocator signature alloc.h validates,
and the version strings. Run from the repository:
    corpus/gen-alloc-seeds.py fuzz/seeds/alloc
"""
import struct
import sys

BASE = 0x2000000          # the [heap] image (32 MiB aligned)
ANON = 2 * BASE           # the anonymous mapping image
MIB = 1 << 20


def q(*w):
    return struct.pack("<%dQ" % len(w), *w)


def put(buf, off, data):
    buf[off:off + len(data)] = data


def jemalloc():
    b = bytearray(8192)
    # base_block_t: size, next, edata { e_bits, e_addr, e_bsize }
    put(b, 0, q(2 * MIB, 0, 0xe80afff, BASE + 0x2000, 2 * MIB - 0x2000))
    # edata_t records: a slab in the anonymous mapping, a large extent
    # whose e_addr is a cache line into its first page.
    put(b, 0x100, q(0x10000a00, ANON, 0x10000 | 3))
    put(b, 0x180, q(0x4c0a008, ANON + 0x100040, 0x1001000))
    return b


def tcmalloc():
    b = bytearray(4096)
    for i in range(4):
        put(b, 0x40 * i, q((ANON >> 13) + 4 * i, 4, BASE + 0x40 * (i + 1),
                           BASE + 0x40 * i if i else 0))
    return b


def mimalloc():
    b = bytearray(4096)
    put(b, 208, q(3))                  # used
    put(b, 224, q(512, 1, 0, 512))     # segment_slices, info, kind, entries
    put(b, 256, q(BASE + 0x1000))      # thread_id
    return b


def musl():
    b = bytearray(8192)
    put(b, 0, q(0x1234567890abcdef, 0) + struct.pack("<I", 2))
    # struct meta: prev, next, mem, avail/freed masks, bits
    bits = 3 | (6 << 6)                # last_idx 3, sizeclass 6
    put(b, 24, q(BASE + 24, BASE + 24, BASE + 0x1000, 0, bits))
    put(b, 64, q(BASE + 64, BASE + 64, ANON, 0, bits | (1 << 12)))
    put(b, 0x1000, q(BASE + 24))       # group->meta
    return b


def main(out):
    seeds = {
        "jemalloc": b"L" + jemalloc(),
        "tcmalloc": b"L" + tcmalloc(),
        "mimalloc": b"L" + mimalloc(),
        "musl": b"L" + musl(),
        "versions": b"V\0x\0" + b"5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c\0"
                    b"gperftools 2.10\0Version %s\0" + b"1.2.3\0",
        "gobuildinfo": b"V\xff Go buildinf:\x08\x02" + bytes(16) + b"\x08go1.21.5",
    }
    for name, data in seeds.items():
        with open("%s/%s" % (out, name), "wb") as f:
            f.write(data)


main(sys.argv[1])
