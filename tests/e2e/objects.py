#!/usr/bin/env python3
"""classify --objects histograms against the target's own counts and
against the JDK's tools, for the object tests. Each subcommand prints
what it checked and exits 1 with a reason on the first disagreement.

  objects.py own OURS CTX MSG      ObjLeak's classes: Ctx, Msg, Holder
                                   exactly CTX, MSG and 1
  objects.py atmost OURS CTX MSG   the same, no more than made (a walk that
                                   could not read some pages: fewer)
  objects.py jmap OURS JMAP [N]    the N (10) biggest classes of jmap -histo
                                   within 1% in bytes (what the list is
                                   ranked by; counts are printed)
  objects.py exact OURS JMAP CLS...  the classes named: the same counts and
                                   bytes as jmap -histo
  objects.py same A B              two histograms equal (live vs capture)
  objects.py jhsdb OURS JHSDB      equal to jhsdb jmap --histo, class by
                                   class, and in total
"""
import re
import sys


def fail(msg):
    print('FAIL: ' + msg, file=sys.stderr)
    sys.exit(1)


def ours(path):
    """class -> (count, bytes) of a classify --objects TSV."""
    rows = [l.rstrip('\n').split('\t') for l in open(path) if l.strip()]
    if not rows or rows[0] != ['pid', 'count', 'bytes', 'starttime', 'class']:
        fail('%s: not an object histogram' % path)
    d = {}
    for r in rows[1:]:
        if not (r[3].isdigit() or r[3] == '-'):
            fail('%s: starttime %r' % (path, r[3]))
        if r[4] in d:
            fail('%s: class %s twice' % (path, r[4]))
        d[r[4]] = (int(r[1]), int(r[2]))
    if not d:
        fail('%s: empty histogram' % path)
    return d


def jmap(path):
    """jmap -histo: '  1:  102215  4978328  [J (java.base@17)' lines;
    the module suffix dropped, classes of one name (several loaders)
    summed, as classify does."""
    d = {}
    for l in open(path):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', l)
        if m:
            c, b = d.get(m.group(3), (0, 0))
            d[m.group(3)] = (c + int(m.group(1)), b + int(m.group(2)))
    if not d:
        fail('%s: no histogram in jmap output' % path)
    return d


PRIM = {'Z': 'boolean', 'B': 'byte', 'C': 'char', 'S': 'short', 'I': 'int',
        'J': 'long', 'F': 'float', 'D': 'double'}


def sa_name(name):
    """jmap's '[[I' or '[Ljava.lang.Object;' as jhsdb prints it ('int[][]',
    'java.lang.Object[]'; a hidden class's 'Foo$$Lambda$1/0x...' as
    'Foo$$Lambda$1+0x...')."""
    name = re.sub(r'/(0x[0-9a-f]+)$', r'+\1', name)
    dims = len(name) - len(name.lstrip('['))
    if not dims:
        return name
    e = name[dims:]
    e = e[1:-1] if e.startswith('L') else PRIM.get(e, e)
    return e + '[]' * dims


def jhsdb(path):
    d = {}
    for l in open(path):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(.+?)\s*$', l)
        if m:
            c, b = d.get(m.group(3), (0, 0))
            d[m.group(3)] = (c + int(m.group(1)), b + int(m.group(2)))
    if not d:
        fail('%s: no histogram in jhsdb output' % path)
    return d


def cmd_own(a, ctx, msg):
    h = ours(a)
    for cls, n in (('Ctx', int(ctx)), ('Msg', int(msg)), ('Holder', 1)):
        got = h.get(cls, (0, 0))[0]
        if got != n:
            fail('%s: %d instances, the target made %d' % (cls, got, n))
        print('%s: %d instances, as the target made' % (cls, got))


def cmd_atmost(a, ctx, msg):
    h = ours(a)
    for cls, n in (('Ctx', int(ctx)), ('Msg', int(msg)), ('Holder', 1)):
        got = h.get(cls, (0, 0))[0]
        if got > n:
            fail('%s: %d instances, the target made only %d' % (cls, got, n))
        print('%s: %d instances, the target made %d' % (cls, got, n))


def within(x, y):
    return abs(x - y) <= y / 100


def cmd_jmap(a, j, n=10):
    h, jm = ours(a), jmap(j)
    top = sorted(jm, key=lambda k: -jm[k][1])[:int(n)]
    worst = 0.0
    for k in top:
        mine = h.get(k, (0, 0))
        if mine[0] != jm[k][0]:
            print('  %s: %d instances, jmap -histo %d' %
                  (k, mine[0], jm[k][0]))
        if not within(mine[1], jm[k][1]):
            fail('%s: %d instances, %d bytes; jmap -histo: %d, %d' %
                 (k, mine[0], mine[1], jm[k][0], jm[k][1]))
        worst = max(worst, abs(mine[1] - jm[k][1]) / jm[k][1])
    print('the %d biggest classes of jmap -histo within 1%% (worst %.3f%% '
          'in bytes); totals %d vs %d bytes' %
          (len(top), worst * 100, sum(v[1] for v in h.values()),
           sum(v[1] for v in jm.values())))


def cmd_exact(a, j, *classes):
    h, jm = ours(a), jmap(j)
    for k in classes:
        if h.get(k) != jm.get(k):
            fail('%s: %s here, %s in jmap -histo' % (k, h.get(k), jm.get(k)))
        print('%s: %d instances, %d bytes, as jmap -histo' % ((k,) + h[k]))


def cmd_same(a, b):
    x, y = ours(a), ours(b)
    for k in sorted(set(x) | set(y)):
        if x.get(k) != y.get(k):
            fail('%s: %s in %s, %s in %s' % (k, x.get(k), a, y.get(k), b))
    print('%d classes, the same counts and bytes' % len(x))


def cmd_jhsdb(a, j):
    h, sa = ours(a), jhsdb(j)
    mine = {}
    for k, v in h.items():
        c, b = mine.get(sa_name(k), (0, 0))
        mine[sa_name(k)] = (c + v[0], b + v[1])
    for k in sorted(set(mine) | set(sa)):
        if mine.get(k) != sa.get(k):
            fail('%s: %s, jhsdb: %s' % (k, mine.get(k), sa.get(k)))
    print('%d classes, %d objects, %d bytes: as jhsdb counts them' %
          (len(mine), sum(v[0] for v in mine.values()),
           sum(v[1] for v in mine.values())))


def main():
    cmds = {'own': cmd_own, 'atmost': cmd_atmost, 'jmap': cmd_jmap,
            'same': cmd_same, 'exact': cmd_exact,
            'jhsdb': cmd_jhsdb}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        fail('usage: objects.py own|atmost|jmap|exact|same|jhsdb ...')
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == '__main__':
    main()
