#!/usr/bin/env python3
"""Ground truth from the JVM's own reports (jcmd output) against classify's
records, for the JVM tests. Each subcommand prints what it checked and
exits 1 with a reason on the first disagreement.

  jvm.py heap HEAP_INFO REGIONS          GC.heap_info vs jvm-heap regions
  jvm.py code CODECACHE REGIONS          Compiler.codecache vs code heaps
  jvm.py metaspace METASPACE REGIONS SUMMARY
                                         VM.metaspace vs class space and
                                         metaspace (reservations, committed)
  jvm.py ccs VM_INFO REGIONS             VM.info's class space bounds vs
                                         the class space regions
  jvm.py names THREAD_PRINT REGIONS      Thread.print names vs Java thread
                                         stack details
  jvm.py nmt NMT SUMMARY REGIONS         VM.native_memory summary vs
                                         classify --summary (and regions)
"""
import re
import sys


def tsv(path):
    with open(path) as f:
        rows = [l.rstrip('\n').split('\t') for l in f if l.strip()]
    hdr = rows[0]
    return [dict(zip(hdr, r)) for r in rows[1:]]


def fail(msg):
    print('FAIL: ' + msg, file=sys.stderr)
    sys.exit(1)


def num(s):
    return int(s, 0)


def heap(info, regions):
    text = open(info).read()
    m = re.search(r'heap\s+total (\d+)K, used \d+K \[(0x[0-9a-f]+), (0x[0-9a-f]+)\)',
                  text)
    if not m:
        fail('no heap bounds in GC.heap_info: ' + text[:200])
    lo, hi = num(m.group(2)), num(m.group(3))
    rs = [r for r in tsv(regions) if r['class'] == 'jvm-heap']
    if not rs:
        fail('no jvm-heap region')
    size = sum(num(r['size']) for r in rs)
    start = min(num(r['start']) for r in rs)
    end = max(num(r['end']) for r in rs)
    if (start, end, size) != (lo, hi, hi - lo):
        fail('jvm-heap regions %#x-%#x (%d bytes), the JVM says %#x-%#x' %
             (start, end, size, lo, hi))
    gc = 'G1' if 'garbage-first' in text else None
    if gc and not all('(G1 GC)' in r['detail'] for r in rs):
        fail('the JVM runs G1, the detail says: ' + rs[0]['detail'])
    print('heap: %#x-%#x, %d bytes in %d regions, collector %s' %
          (lo, hi, size, len(rs), gc))
    return size


def code(cc, regions):
    heaps = re.findall(r"CodeHeap '([^']+)'.*\n\s*bounds \[(0x[0-9a-f]+), "
                       r"(0x[0-9a-f]+), (0x[0-9a-f]+)\]", open(cc).read())
    if not heaps:
        fail('no code heaps in Compiler.codecache')
    rs = [r for r in tsv(regions) if r['class'] == 'jvm-codecache' and
          r['detail'].startswith('code heap,')]
    for name, lo, mid, hi in heaps:
        lo, mid, hi = num(lo), num(mid), num(hi)
        mine = [r for r in rs if 'reserved %#x-%#x' % (lo, hi) in r['detail']]
        if sum(num(r['size']) for r in mine) != hi - lo:
            fail("code heap '%s' %#x-%#x: regions sum %d" %
                 (name, lo, hi, sum(num(r['size']) for r in mine)))
        com = sum(num(r['size']) for r in mine if r['perms'] != '---p')
        if com != mid - lo:
            fail("code heap '%s': committed %d, the JVM says %d" %
                 (name, com, mid - lo))
        print("code heap '%s': %#x-%#x, %d committed" % (name, lo, hi, com))


def mb(s):
    v, unit = s.split()
    return float(v) * {'KB': 1 << 10, 'MB': 1 << 20, 'GB': 1 << 30}[unit]


def metaspace(ms, regions, summary):
    """Reserved: the reservations the details name (a mapping the kernel
    merged with a neighbour's is bigger than its part); committed: the
    summary's, which counts each part of such a mapping where it
    belongs."""
    text = open(ms).read()
    rs = tsv(regions)
    cats = {}
    for r in tsv(summary):
        cats[r['category']] = cats.get(r['category'], 0) + num(r['committed'])
    for label, key, cat in (('Non-class space', 'metaspace,', 'Metaspace'),
                            ('Class space', 'class space,', 'Class')):
        m = re.search(label + r':\s+([\d.]+ [KMG]B) reserved,\s+([\d.]+ [KMG]B)',
                      text)
        if not m:
            fail('no %s line in VM.metaspace' % label)
        res, com = mb(m.group(1)), mb(m.group(2))
        spans = set()
        for r in rs:
            if r['class'] == 'jvm-metaspace' and r['detail'].startswith(key):
                b = re.search(r'reserved (0x[0-9a-f]+)-(0x[0-9a-f]+)', r['detail'])
                spans.add((num(b.group(1)), num(b.group(2))))
        size = sum(e - s for s, e in spans)
        mcom = cats.get(cat, 0)
        # VM.metaspace rounds to 0.01 of its unit.
        if abs(size - res) > res * 0.005 + 1:
            fail('%s: reserved %d, the JVM says %s' % (label, size, m.group(1)))
        if abs(mcom - com) > com * 0.01 + 65536:
            fail('%s: committed %d, the JVM says %s' % (label, mcom, m.group(2)))
        print('%s: %d reserved in %d reservations, %d committed (JVM: %s, %s)' %
              (label, size, len(spans), mcom, m.group(1), m.group(2)))


def ccs(info, regions):
    m = re.search(r'Compressed class space mapped at: (0x[0-9a-f]+)-(0x[0-9a-f]+)',
                  open(info).read())
    if not m:
        fail('no class space bounds in VM.info')
    lo, hi = num(m.group(1)), num(m.group(2))
    mine = [r for r in tsv(regions) if r['class'] == 'jvm-metaspace' and
            r['detail'].startswith('class space,')]
    if not mine or 'reserved %#x-%#x' % (lo, hi) not in mine[0]['detail']:
        fail('class space: the JVM says %#x-%#x, classify %r' %
             (lo, hi, mine[0]['detail'] if mine else None))
    if any(num(r['start']) < lo or num(r['end']) > hi for r in mine):
        fail('class space regions outside %#x-%#x' % (lo, hi))
    print('class space: %#x-%#x in %d regions' % (lo, hi, len(mine)))


def names(tp, regions):
    want = {}
    for m in re.finditer(r'^"(.*)" #\d+ .*nid=(0x[0-9a-f]+)', open(tp).read(),
                         re.M):
        want[num(m.group(2))] = m.group(1)
    if not want:
        fail('no Java threads in Thread.print')
    got = {}
    for r in tsv(regions):
        m = re.match(r"Java thread (\d+) '(.*)'$", r['detail'])
        if m and r['class'] == 'thread-stack':
            got[int(m.group(1))] = m.group(2)
    for tid, name in sorted(want.items()):
        # The JIT starts and stops compiler threads as it likes: one gone
        # between Thread.print and classify is no disagreement.
        if tid not in got and 'CompilerThread' in name:
            continue
        if got.get(tid) != name[:95]:
            fail('thread %d: the JVM names it %r, classify %r' %
                 (tid, name, got.get(tid)))
    print('%d Java threads named as Thread.print names them' % len(want))


def nmt(path, summary, regions):
    text = open(path).read()

    def cat(name):
        m = re.search(r'-\s+' + name + r' \(reserved=\d+KB, committed=\d+KB\)'
                      r'(.*?)(?=\n-|\Z)', text, re.S)
        if not m:
            fail('no %s in the NMT summary' % name)
        return m.group(1)

    def pair(block, what):
        m = re.search(r'\(' + what + r'reserved=(\d+)KB, committed=(\d+)KB\)',
                      block)
        if not m:
            fail('no "%s" line in %r' % (what, block[:200]))
        return int(m.group(1)) * 1024, int(m.group(2)) * 1024

    cls = cat('Class')
    # NMT's figures for what lies in mappings: its malloc'd part of each
    # category lives in the glibc arenas, which we count as malloc.
    expect = {
        'Java Heap': pair(cat('Java Heap'), 'mmap: '),
        'Code': pair(cat('Code'), 'mmap: '),
        'Class': pair(cls[cls.index('Class space:'):], r'\s*'),
        'Metaspace': pair(cls[cls.index('Metadata:'):], r'\s*'),
        'Thread': pair(cat('Thread'), 'stack: '),
    }
    ours = {}
    for r in tsv(summary):
        s = ours.setdefault(r['category'], [0, 0, 0])
        s[0] += num(r['size'])
        s[1] += num(r['committed'])
        s[2] += num(r['rss'])
    for name, (res, com) in expect.items():
        size, committed, rss = ours.get(name, (0, 0, 0))
        # NMT counts a thread stack's committed bytes as those resident,
        # plus the Java threads' guard zones (the JVM commits them before
        # it protects them).
        mine = committed
        if name == 'Thread':
            mine = rss + sum(num(r['size']) for r in tsv(regions)
                             if r['detail'].startswith('stack guard zones'))
        ok = abs(size - res) <= res * 0.01 and abs(mine - com) <= com * 0.10
        print('%-10s reserved %10d vs NMT %10d (%+.2f%%), committed %10d vs '
              'NMT %10d (%+.2f%%) %s' %
              (name, size, res, 100.0 * (size - res) / res, mine, com,
               100.0 * (mine - com) / com if com else 0.0,
               'ok' if ok else 'DIFFERS'))
        if not ok:
            fail('%s differs from NMT beyond 1%% reserved / 10%% committed' %
                 name)


if __name__ == '__main__':
    cmds = {'heap': heap, 'code': code, 'metaspace': metaspace, 'ccs': ccs,
            'names': names, 'nmt': nmt}
    if len(sys.argv) < 4 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
