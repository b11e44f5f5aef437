#!/usr/bin/env python3
"""Independent ground truth for the e2e tests: parse /proc/PID/maps (or a
saved maps text) and memmap's TSV, and print both in one normal form.

  maps.py kernel FILE   -> start end perms offset dev inode name (one a line)
  maps.py memmap FILE   -> the same columns from memmap --tsv output

Names are printed repr()-escaped so any byte is visible. The kernel writes
a newline in a path as \\012; memmap unescapes it, so we do too here.
"""
import re
import sys

LINE = re.compile(rb'^([0-9a-f]+)-([0-9a-f]+) ([-r][-w][-x][ps]) ([0-9a-f]+) '
                  rb'([0-9a-f]+:[0-9a-f]+) ([0-9]+) *(.*)$')


def kernel(path):
    with open(path, 'rb') as f:
        data = f.read()
    for line in data.split(b'\n'):
        if not line:
            continue
        m = LINE.match(line)
        if not m:
            sys.exit('maps.py: unparsable maps line: %r' % line)
        s, e, perms, off, dev, ino, name = m.groups()
        name = name.replace(b'\\012', b'\n')
        yield (int(s, 16), int(e, 16), perms.decode(), int(off, 16),
               dev.decode(), int(ino), name)


def unescape(b):
    out, i = bytearray(), 0
    while i < len(b):
        c = b[i:i + 1]
        if c == b'\\' and i + 1 < len(b):
            n = b[i + 1:i + 2]
            if n in (b't', b'n', b'r', b'\\'):
                out += {b't': b'\t', b'n': b'\n', b'r': b'\r', b'\\': b'\\'}[n]
                i += 2
                continue
            if n == b'x':
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
        out += c
        i += 1
    return bytes(out)


def memmap(path):
    with open(path, 'rb') as f:
        lines = f.read().split(b'\n')
    hdr = lines[0].split(b'\t')
    ix = {h.decode(): i for i, h in enumerate(hdr)}
    for line in lines[1:]:
        if not line:
            continue
        f = line.split(b'\t')
        if len(f) != len(hdr):
            sys.exit('maps.py: %d fields, header has %d' % (len(f), len(hdr)))
        name = f[ix['name']]
        name = b'' if name == b'-' else unescape(name)
        yield (int(f[ix['start']], 16), int(f[ix['end']], 16),
               f[ix['perms']].decode(), int(f[ix['offset']], 16),
               f[ix['dev']].decode(), int(f[ix['inode']]), name)


def main():
    src = {'kernel': kernel, 'memmap': memmap}[sys.argv[1]]
    for r in src(sys.argv[2]):
        print('%x %x %s %x %s %d %r' % r)


main()
