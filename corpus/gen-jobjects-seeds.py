#!/usr/bin/env python3
"""Write fuzz/seeds/jobjects/{g1,parallel,serial}: small well-formed Java
heaps in fuzz_jobjects's layout (see fuzz/fuzz_jobjects.c), compressed
class pointers, 8-byte alignment: a few classes (an instance class, [B,
[Ljava.lang.Object;, java.lang.Class), objects of each, a thread's TLAB
gap, and for G1 a humongous [B across two regions; fuzz/seeds/jobjects/
holders: references between them, for classify --holders; NAME-threads:
the same heaps walked in two threads.
  python3 corpus/gen-jobjects-seeds.py fuzz/seeds/jobjects
FUZZ_SHOW=1 build/fuzz/fuzz_jobjects SEED prints what the walker finds."""
import struct
import sys

IMG = 0x100000


class Img:
    def __init__(self):
        self.b = bytearray(0x3000)

    def u64(self, off, v):
        struct.pack_into('<Q', self.b, off, v)

    def u32(self, off, v):
        struct.pack_into('<I', self.b, off, v & 0xffffffff)

    def i32(self, off, v):
        struct.pack_into('<i', self.b, off, v)


def common(m):
    m.u64(0x000, IMG + 0x100)          # Universe::_collectedHeap
    m.u64(0x008, IMG + 0x400)          # ClassLoaderDataGraph::_head
    m.u64(0x010, IMG + 0xa00)          # ThreadsSMRSupport::_java_thread_list
    m.u64(0x028, 0x800)                # HeapRegion::GrainBytes
    m.u64(0x030, IMG)                  # narrow klass base
    m.i32(0x038, 0)                    # shift
    m.i32(0x040, 12)                   # java_lang_Class::_oop_size_offset
    m.i32(0x048, 0)                    # reserve for allocation prefetch
    m.u64(0x100 + 16, IMG + 0x1000)    # CollectedHeap::_reserved
    m.u64(0x100 + 24, 0x2000 // 8)
    # classes: one loader, four classes
    names = ['Foo', '[B', '[Ljava/lang/Object;', 'java/lang/Class']
    lhs = [24, (-1 << 30) | (16 << 16) | (8 << 8) | 0,
           (-2 << 30) | (16 << 16) | (12 << 8) | 2, 16 | 1]
    m.u64(0x400 + 8, IMG + 0x500)
    for i, (n, lh) in enumerate(zip(names, lhs)):
        k = 0x500 + 0x40 * i
        m.u64(k, IMG + k + 0x40 if i + 1 < len(names) else 0)
        m.i32(k + 8, lh)
        m.u64(k + 16, IMG + 0x800 + 0x40 * i)
        s = 0x800 + 0x40 * i
        struct.pack_into('<H', m.b, s + 4, len(n))
        m.b[s + 6:s + 6 + len(n)] = n.encode()
    # one Java thread, its TLAB set by the caller
    m.u32(0xa00, 1)
    m.u64(0xa08, IMG + 0xa40)
    m.u64(0xa40, IMG + 0xa80)


def klass(i):
    return 0x500 + 0x40 * i            # narrow klass: offset from IMG


def objects(m, at, kinds):
    """Lay out objects from at: 'foo', ('b', len), ('o', len), ('c', words)."""
    for k in kinds:
        m.u64(at, 1)
        if k == 'foo':
            m.u32(at + 8, klass(0))
            at += 24
        elif k[0] == 'b':
            m.u32(at + 8, klass(1))
            m.u32(at + 12, k[1])
            at += (16 + k[1] + 7) & ~7
        elif k[0] == 'o':
            m.u32(at + 8, klass(2))
            m.u32(at + 12, k[1])
            at += (16 + 4 * k[1] + 7) & ~7
        elif k[0] == 'c':
            m.u32(at + 8, klass(3))
            m.u32(at + 12, k[1])
            at += 8 * k[1]
    return at


def space(m, off, bottom, top, end, order):
    """A space at off: bottom, top, end at the offsets order names."""
    for name, v in (('bottom', bottom), ('top', top), ('end', end)):
        m.u64(off + order[name], IMG + v)


OLD = ['foo', 'foo', ('b', 5), ('o', 3), ('c', 6), 'foo']
EDEN1 = ['foo', ('b', 40), 'foo']
EDEN2 = [('o', 2), 'foo']


def tlab(m, start, top, end):
    m.u64(0xa80, IMG + start)
    m.u64(0xa88, IMG + top)
    m.u64(0xa90, IMG + end)


def generational(gc):
    """Serial (GenCollectedHeap, Space/ContiguousSpace offsets) or
    Parallel (ParallelScavengeHeap statics, MutableSpace offsets): the
    old space, then eden with a TLAB gap, empty survivors."""
    m = Img()
    common(m)
    if gc == 'serial':
        m.u64(0x100 + 32, IMG + 0x200)  # GenCollectedHeap::_young_gen
        m.u64(0x100 + 40, IMG + 0x240)  # _old_gen
        order = {'bottom': 0, 'end': 8, 'top': 16}
    else:
        m.u64(0x018, IMG + 0x200)      # ParallelScavengeHeap::_young_gen
        m.u64(0x020, IMG + 0x240)      # _old_gen
        order = {'bottom': 0, 'top': 8, 'end': 16}
    for i, sp in enumerate((0x280, 0x2c0, 0x300)):
        m.u64(0x200 + 8 * i, IMG + sp)
    m.u64(0x240, IMG + 0x340)
    top = objects(m, 0x1000, OLD)
    space(m, 0x340, 0x1000, top, 0x1800, order)
    t = objects(m, 0x1800, EDEN1)
    tlab(m, 0x1800, t, t + 0x100)      # hard end: +16 reserve
    top = objects(m, t + 0x110, EDEN2)
    space(m, 0x280, 0x1800, top, 0x2800, order)
    space(m, 0x2c0, 0x2800, 0x2800, 0x2c00, order)
    space(m, 0x300, 0x2c00, 0x2c00, 0x3000, order)
    return m


def g1():
    m = Img()
    common(m)
    m.u64(0x100 + 32, IMG + 0x240)     # _hrm._regions._base
    m.u64(0x100 + 40, 4)               # _length
    regs = [(0x1000, 16), (0x1800, 2), (0x2000, 12), (0x2800, 13)]
    tops = []
    tops.append(objects(m, 0x1000, OLD))
    t = objects(m, 0x1800, EDEN1)
    tlab(m, 0x1800, t, t + 0x100)
    tops.append(objects(m, t + 0x110, EDEN2))
    objects(m, 0x2000, [('b', 0xc00 - 16)])
    tops.append(0x2800)
    tops.append(0x2c00)
    for i, ((bottom, tag), top) in enumerate(zip(regs, tops)):
        hr = 0x300 + 0x40 * i
        m.u64(0x240 + 8 * i, IMG + hr)
        m.u64(hr, IMG + bottom)
        m.u64(hr + 8, IMG + bottom + 0x800)
        m.u64(hr + 16, IMG + top)
        m.u32(hr + 24, tag)
    return m


def holders():
    """The Parallel heap with references, for classify --holders (input
    flags bit 2): Foo's oop map (two narrow oops at 12), an Object[]
    holding the first two Foos, the last old Foo holding that array and
    itself (a cycle), eden's Object[] holding it and itself, a mirror of
    Foo whose static field holds it, a thread's stack word holding the
    first Foo."""
    m = generational('parallel')
    m.u64(0x050, 0)                    # CompressedOops::_narrow_oop._base
    m.i32(0x058, 0)                    # _shift
    m.i32(0x060, 16)                   # java_lang_Class::_klass_offset
    m.i32(0x068, 24)                   # _static_oop_field_count_offset
    m.i32(0x500 + 0x40 * 3 + 8, 32 | 1)  # java.lang.Class: 32 bytes
    m.i32(0x500 + 32, 1)               # Foo: one oop map block
    m.u32(0x500 + 40, 12)              #   at 12,
    m.u32(0x500 + 44, 2)               #   two oops
    arr = 0x1048                       # OLD's Object[3]
    m.u32(arr + 16, IMG + 0x1000)
    m.u32(arr + 20, IMG + 0x1018)
    m.u32(0x1098 + 12, IMG + arr)      # the last old Foo
    m.u32(0x1098 + 16, IMG + 0x1098)
    mirror = 0x1068                    # OLD's Class of 6 words
    m.u64(mirror + 16, IMG + 0x500)
    m.i32(mirror + 24, 1)
    m.u32(mirror + 32, IMG + arr)
    eden2 = objects(Img(), 0x1800, EDEN1) + 0x110   # EDEN2's Object[2]
    m.u32(eden2 + 16, IMG + 0x1098)
    m.u32(eden2 + 20, IMG + eden2)
    jt = 0xa80                         # the thread: its stack
    m.u64(jt + 32, IMG + 0x2f00)       # JavaThread::_stack_base
    m.u64(jt + 40, 0x100)              # _stack_size
    m.u64(0x2e10, IMG + 0x1000)
    return m


def main():
    out = sys.argv[1]
    for name, gc, fl, m in (('g1', 0, 0, g1()),
                            ('parallel', 1, 0, generational('parallel')),
                            ('serial', 2, 0, generational('serial')),
                            ('holders', 1, 4, holders()),
                            # the histogram walked in two threads
                            ('g1-threads', 0, 16, g1()),
                            ('parallel-threads', 1, 16,
                             generational('parallel')),
                            ('serial-threads', 2, 16,
                             generational('serial'))):
        with open('%s/%s' % (out, name), 'wb') as f:
            f.write(bytes([gc, fl]) + bytes(m.b))


if __name__ == '__main__':
    main()
