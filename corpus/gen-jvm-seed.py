#!/usr/bin/env python3
"""Write fuzz/seeds/jvm/walk: an input for fuzz/fuzz_jvm.c that describes a
small JVM the walker can follow to the end (Java heap, one code heap, one
class, one Java thread named "Timer-0", flags), with OpenJDK 17.0.15's own
field offsets. Layout notes in fuzz/fuzz_jvm.c; run from the repository."""
import re
import struct

IMG = 0x100000
src = open('fuzz/fuzz_jvm.c').read()
block = src[src.index('} want[] = {'):src.index('};', src.index('} want[] = {'))]
want = [(t, f, s == '1') for t, f, s in
        re.findall(r'\{ "([^"]+)",\s*"([^"]+)", (\d) \}', block)]
off = {  # JDK 17.0.15 (Debian 12), from its gHotSpotVMStructs
    ('CollectedHeap', '_reserved'): 0x20, ('MemRegion', '_word_size'): 8,
    ('CodeHeap', '_memory'): 8, ('CodeHeap', '_segmap'): 0x78,
    ('VirtualSpace', '_high_boundary'): 8, ('GrowableArray<int>', '_data'): 8,
    ('ClassLoaderData', '_next'): 0x70, ('ClassLoaderData', '_klasses'): 0x38,
    ('Klass', '_next_link'): 0x90, ('Klass', '_layout_helper'): 8,
    ('Klass', '_name'): 0x18, ('InstanceKlass', '_constants'): 0xe8,
    ('InstanceKlass', '_methods'): 0x198, ('InstanceKlass', '_fields'): 0x1c8,
    ('InstanceKlass', '_java_fields_count'): 0x136, ('Array<u2>', '_data'): 4,
    ('Symbol', '_length'): 4, ('Symbol', '_body'): 6,
    ('ThreadsList', '_length'): 4, ('ThreadsList', '_threads'): 0x10,
    ('JavaThread', '_osthread'): 0x230, ('JavaThread', '_thread_state'): 0x338,
    ('JavaThread', '_threadObj'): 0x288, ('JavaThread', '_stack_base'): 0x250,
    ('JavaThread', '_stack_size'): 0x258, ('OSThread', '_thread_id'): 0xd0,
    ('JVMFlag', '_name'): 8,
}
hdr = b''
static = {}
for i, (t, f, st) in enumerate(want):
    if st:
        static[(t, f)] = 0x1000 + 8 * i
        hdr += struct.pack('<H', 0x1000 + 8 * i)
    else:
        hdr += struct.pack('<H', off.get((t, f), 0))
hdr += struct.pack('<HH', 24, 72)            # sizeof JVMFlag, ConstantPool
hdr += struct.pack('<6H', 8, 6, 1, 4, 5, 2)  # HeapWordSize, FieldInfo, tag
img = bytearray(0xe000)
img[:len(hdr)] = hdr


def put(o, fmt, *v):
    struct.pack_into('<' + fmt, img, o, *v)


def ptr(o, target):
    put(o, 'Q', IMG + target)


def st(t, f, target=None, value=None):
    o = static[(t, f)]
    if target is not None:
        ptr(o, target)
    else:
        put(o, 'Q', value)


# The Java heap: 256 MiB at 0xf0000000.
st('Universe', '_collectedHeap', 0x2000)
put(0x2000 + 0x20, 'QQ', 0xf0000000, (256 << 20) // 8)
# One code heap and its segment map.
st('CodeCache', '_heaps', 0x2100)
put(0x2100, 'i', 1)
ptr(0x2108, 0x2200)
ptr(0x2200, 0x2300)
put(0x2300 + 8, 'QQ', 0x7f0000000000, 0x7f0001000000)
put(0x2300 + 0x78, 'QQ', 0x7f0002000000, 0x7f0002008000)
# One class loader with one instance class whose metadata is in the image.
st('ClassLoaderDataGraph', '_head', 0x3000)
ptr(0x3000 + 0x38, 0x4000)
put(0x4000 + 8, 'i', 16)
ptr(0x4000 + 0xe8, 0x5000)
ptr(0x4000 + 0x198, 0x5100)
# One Java thread, tid 1234, 1 MiB stack, named by a Thread object.
st('ThreadsSMRSupport', '_java_thread_list', 0x6000)
put(0x6000 + 4, 'I', 1)
ptr(0x6000 + 0x10, 0x6100)
ptr(0x6100, 0x7000)
ptr(0x7000 + 0x230, 0x8000)
put(0x8000 + 0xd0, 'i', 1234)
put(0x7000 + 0x250, 'QQ', 0x7ffff0000000, 1 << 20)
put(0x7000 + 0x338, 'I', 10)
ptr(0x7000 + 0x288, 0x6200)
ptr(0x6200, 0x9000)
ptr(0x9000 + 0x20, 0x9100)                  # Thread.name (no compressed oops)
ptr(0x9100 + 0x10, 0x9200)                  # String.value
put(0x9100 + 0xc, 'B', 0)                   # String.coder: LATIN1
put(0x9200 + 12, 'i', 7)
img[0x9200 + 16:0x9200 + 23] = b'Timer-0'
# Flags: G1, compressed class pointers (1 GiB class space), no coops.
st('JVMFlag', 'flags', 0xa000)
st('JVMFlag', 'numFlags', value=4)
flags = [('UseG1GC', 'B', 1), ('UseCompressedOops', 'B', 0),
         ('UseCompressedClassPointers', 'B', 1),
         ('CompressedClassSpaceSize', 'Q', 1 << 30)]
for i, (name, fmt, v) in enumerate(flags):
    e = 0xa000 + 24 * i
    ptr(e, 0xa800 + 16 * i)                 # _addr
    put(0xa800 + 16 * i, fmt, v)
    ptr(e + 8, 0xa400 + 64 * i)             # _name
    img[0xa400 + 64 * i:0xa400 + 64 * i + len(name)] = name.encode()
st('Abstract_VM_Version', '_s_vm_release', 0xad00)
img[0xad00:0xad00 + 12] = b'17.0.15-fuzz'


def klass(k, fields):
    """An InstanceKlass at k with fields [(name, offset)]."""
    ptr(k + 0x1c8, k + 0x800)               # _fields
    put(k + 0x136, 'H', len(fields))
    ptr(k + 0xe8, k + 0x400)                # _constants
    put(k + 0x800, 'i', 6 * len(fields))
    for i, (name, o) in enumerate(fields):
        put(k + 0x800 + 4 + 12 * i, '6H', 0, 1 + i, 0, 0, (o << 2) & 0xffff,
            (o << 2) >> 16)
        sym = k + 0xa00 + 32 * i
        ptr(k + 0x400 + 72 + 8 * (1 + i), sym)
        put(sym + 4, 'H', len(name))
        img[sym + 6:sym + 6 + len(name)] = name.encode()


st('vmClasses', '_klasses[static_cast<int>(vmClassID::Thread_klass_knum)]', 0xb000)
st('vmClasses', '_klasses[static_cast<int>(vmClassID::String_klass_knum)]', 0xc000)
ptr(static[('vmClasses', '_klasses[static_cast<int>(vmClassID::Thread_klass_knum)]')], 0xb000)
klass(0xb000, [('name', 0x20)])
klass(0xc000, [('value', 0x10), ('coder', 0xc)])
open('fuzz/seeds/jvm/walk', 'wb').write(bytes(img))
