#!/usr/bin/env python3
"""Encode a directory as one input of fuzz/fuzz_dumpdir (format at the top
of fuzz/fuzz_dumpdir.c): every entry under DIR, a directory before what it
holds, regular files with their bytes, symbolic links with their target
(a target starting "@/" is kept as is: the harness reads it as its
private directory), FIFOs; the entries named as PATH arguments are marked
to be given to scan as paths too (a raw file, or a core).

    python3 corpus/gen-dumpdir-seed.py DIR [PATH...] > fuzz/seeds/dumpdir/NAME
"""
import os
import stat
import struct
import sys


def entries(top):
    out = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(root, top)
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(root, name)
            out.append((path, name if rel == "." else os.path.join(rel, name)))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    top, as_path = sys.argv[1], set(sys.argv[2:])
    blob = bytearray()
    for path, name in entries(top):
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            kind, data = 1, os.readlink(path).encode()
        elif stat.S_ISDIR(st.st_mode):
            kind, data = 3, b""
        elif stat.S_ISFIFO(st.st_mode):
            kind, data = 2, b""
        elif stat.S_ISREG(st.st_mode):
            kind, data = 0, open(path, "rb").read()
        else:
            continue
        if name in as_path:
            kind |= 4
        raw = name.encode()
        if len(raw) > 255 or len(data) > 65535:
            sys.exit("%s: name or contents too long for the format" % name)
        blob += bytes([kind, len(raw)]) + raw + struct.pack("<H", len(data)) + data
    sys.stdout.buffer.write(blob)


main()
