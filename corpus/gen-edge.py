#!/usr/bin/env python3
# Writes the hand-made fixtures of corpus/proc/ (see corpus/README.md):
# edge cases a live process on one machine cannot show at once, and
# malformed texts under corpus/proc/bad/. Lines are laid out as Linux 6.x
# does (fs/proc/task_mmu.c): the name starts at column 74, values are
# right-aligned to column 24. Run from the repository top:
#   python3 corpus/gen-edge.py
import os

OUT = "corpus/proc"


def hdr(start, end, perms, off=0, dev="00:00", inode=0, name=b""):
    pre = b"%08x-%08x %s %08x %s %d " % (start, end, perms.encode(), off,
                                        dev.encode(), inode)
    if not name:
        return pre
    if isinstance(name, str):
        name = name.encode()
    return pre.ljust(73) + name


def fld(key, val, kb=True):
    s = (key + ":").ljust(16).encode() + b"%8d" % val
    return s + (b" kB" if kb else b"")


def put(path, lines, final_nl=True):
    data = b"\n".join(lines) + (b"\n" if final_nl else b"")
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(data)


# 1. Names: one maps text with every hard name in it.
long_name = b"/" + b"/".join([bytes([ord("a") + i]) * 254 for i in range(20)])
long_name = long_name[:4090] + b"/file"           # 4095 bytes, PATH_MAX - 1
assert len(long_name) == 4095
names = [
    hdr(0x55d0c8800000, 0x55d0c8801000, "r-xp", 0, "08:01", 1234,
        "/opt/my app/bin/two  spaces and trailing "),
    hdr(0x55d0c8801000, 0x55d0c8803000, "r--p", 0x1000, "08:01", 2001,
        "/srv/x (deleted)"),
    hdr(0x55d0c8803000, 0x55d0c8804000, "r--p", 0, "08:01", 2002,
        "/srv/x (deleted) (deleted)"),
    hdr(0x55d0c8804000, 0x55d0c8805000, "r--p", 0, "08:01", 2003,
        "/srv/ (deleted)"),
    hdr(0x55d0c8805000, 0x55d0c8806000, "r--p", 0, "fd:02", 2004,
        "/srv/new\\012line\\012"),
    hdr(0x55d0c8806000, 0x55d0c8807000, "r--p", 0x1c000, "103:05",
        4294967296, long_name),
    hdr(0x55d0c9000000, 0x55d0c9021000, "rw-p", 0, "00:00", 0, "[heap]"),
    hdr(0x7f0000000000, 0x7f0000004000, "rw-p", 0, "00:00", 0,
        "[anon:some name]"),
    hdr(0x7f0000004000, 0x7f0000005000, "---p", 0, "00:00", 0,
        "[anon:guard name]"),
    hdr(0x7f0000005000, 0x7f0000006000, "rw-s", 0, "00:01", 77,
        "[anon_shmem:x]"),
    hdr(0x7f0000006000, 0x7f0000007000, "---p", 0, "00:00", 0),
    hdr(0x7f0000007000, 0x7f0000107000, "rw-p", 0, "00:00", 0,
        "[stack:1234]"),
    hdr(0x7f0000107000, 0x7f0000108000, "rw-s", 0, "00:01", 1061,
        "/memfd:x (deleted)"),
    hdr(0x7f0000108000, 0x7f0000118000, "rw-s", 0, "00:01", 36,
        "/SYSV00000000 (deleted)"),
    hdr(0x7f0000118000, 0x7f000011b000, "rw-s", 0, "00:01", 1063,
        "/dev/zero (deleted)"),
    hdr(0x7f000011b000, 0x7f000011c000, "rw-s", 0, "00:19", 5,
        "/dev/shm/seg"),
    hdr(0x7f000011c000, 0x7f000011e000, "rw-p", 0, "00:00", 0),
    hdr(0x7f0000120000, 0x7f0000124000, "r--p", 0, "00:00", 0, "[vvar]"),
    hdr(0x7f0000124000, 0x7f0000126000, "r--p", 0, "00:00", 0,
        "[vvar_vclock]"),
    hdr(0x7f0000126000, 0x7f0000128000, "r-xp", 0, "00:00", 0, "[vdso]"),
    hdr(0x7ffd00000000, 0x7ffd00021000, "rw-p", 0, "00:00", 0, "[stack]"),
    hdr(0xffffffffff600000, 0xffffffffff601000, "--xp", 0, "00:00", 0,
        "[vsyscall]"),
]
put("names.maps", names)

# 2. The same kind of text without a final newline, in maps and smaps.
put("nonl.maps", names[:2] + [names[4]], final_nl=False)


def region(h, vals, order, flags=None, extra=()):
    out = [h]
    for k in order:
        if k in vals:
            out.append(fld(k, vals[k], k not in ("THPeligible",
                                                 "ProtectionKey")))
    out += list(extra)
    if flags is not None:
        out.append(b"VmFlags: " + flags.encode() + b" ")
    return out


K6 = ["Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty",
      "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
      "Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages",
      "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb",
      "Private_Hugetlb", "Swap", "SwapPss", "Locked", "THPeligible"]


def v6(size, rss, anon=True, swap=0):
    d = dict.fromkeys(K6, 0)
    d.update(Size=size, KernelPageSize=4, MMUPageSize=4, Rss=rss, Pss=rss,
             Referenced=rss, Swap=swap, SwapPss=swap)
    if anon:
        d.update(Pss_Dirty=rss, Private_Dirty=rss, Anonymous=rss)
    else:
        d.update(Private_Clean=rss)
    return d


lines = region(hdr(0x400000, 0x401000, "r-xp", 0, "08:01", 42, "/bin/x"),
               v6(4, 4, anon=False), K6, "rd ex mr mw me")
lines += region(hdr(0x7ffd00000000, 0x7ffd00021000, "rw-p", 0, "00:00", 0,
                    "[stack]"), v6(132, 12), K6, "rd wr mr mw me gd ac")
put("nonl.smaps", [l.rstrip(b" ") if l.startswith(b"VmFlags") else l
                   for l in lines], final_nl=False)

# 3. A Linux 4.1 smaps: no Pss_Dirty (6.0), SwapPss (4.3), LazyFree (4.12),
# THPeligible (5.0), Shared/Private_Hugetlb (4.4); KernelPageSize after
# Swap; thread stacks named [stack:TID] (gone in 4.5); vsyscall r-xp.
K4 = ["Size", "Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean",
      "Private_Dirty", "Referenced", "Anonymous", "AnonHugePages", "Swap",
      "KernelPageSize", "MMUPageSize", "Locked"]


def v4(size, rss, pss, anon, swap=0):
    d = dict.fromkeys(K4, 0)
    d.update(Size=size, Rss=rss, Pss=pss, KernelPageSize=4, MMUPageSize=4,
             Referenced=rss, Swap=swap)
    if anon:
        d.update(Private_Dirty=rss, Anonymous=rss)
    else:
        d.update(Shared_Clean=rss - pss, Private_Clean=pss)
    return d


old = []
old += region(hdr(0x00400000, 0x004f4000, "r-xp", 0, "08:01", 1046541,
                  "/bin/bash"), v4(976, 900, 300, False), K4,
              "rd ex mr mw me dw")
old += region(hdr(0x01a55000, 0x01c1f000, "rw-p", 0, "00:00", 0, "[heap]"),
              v4(1832, 1700, 1700, True, swap=64), K4, "rd wr mr mw me ac")
old += region(hdr(0x7f1c3a000000, 0x7f1c3a800000, "rw-p", 0, "00:00", 0,
                  "[stack:1234]"), v4(8192, 16, 16, True), K4,
              "rd wr mr mw me ac")
old += region(hdr(0x7ffc6f27e000, 0x7ffc6f29f000, "rw-p", 0, "00:00", 0,
                  "[stack]"), v4(132, 20, 20, True), K4,
              "rd wr mr mw me gd ac")
old += region(hdr(0x7ffc6f3b4000, 0x7ffc6f3b6000, "r-xp", 0, "00:00", 0,
                  "[vdso]"), v4(8, 4, 0, False), K4, "rd ex mr mw me de")
old += region(hdr(0xffffffffff600000, 0xffffffffff601000, "r-xp", 0,
                  "00:00", 0, "[vsyscall]"), v4(4, 0, 0, False), K4,
              "rd ex")
put("old-4.1.smaps", old)

# 4. A kernel newer than ours: unknown keys (with and without kB, one
# before the known ones), ProtectionKey, THPeligible 1, and every VmFlags
# bit the library knows plus an unknown one.
fut = []
d = v6(2048, 2048)
d["THPeligible"] = 1
d["AnonHugePages"] = 2048
d["ProtectionKey"] = 5
fut += region(hdr(0x7f4000000000, 0x7f4000200000, "rw-p", 0, "00:00", 0),
              d, K6 + ["ProtectionKey"],
              "rd wr mr mw me ac dd io pf um uw ui ht nr zz",
              extra=[fld("Zswapped", 8), fld("FutureCount", 3, kb=False)])
d = v6(4, 4, anon=False)
d["ProtectionKey"] = 0
fut += [hdr(0x7f4000200000, 0x7f4000201000, "r--p", 0, "08:01", 9,
            "/usr/lib/future.so"), fld("NewFirstKey", 1)]
fut += region(b"", d, K6 + ["ProtectionKey"], "rd mr mw me")[1:]
put("future.smaps", fut)

# 5. Malformed texts: the 1-based line of the error is in the name.
os.makedirs(os.path.join(OUT, "bad"), exist_ok=True)
good = region(hdr(0x400000, 0x401000, "r-xp", 0, "08:01", 42, "/bin/x"),
              v6(4, 4, anon=False), K6, "rd ex mr mw me")   # 25 lines
g = names[:2]
put("bad/end-before-start-L3.maps",
    g + [hdr(0x55d0c8900000, 0x55d0c88ff000, "r--p", 0, "08:01", 7, "/y")])
put("bad/perms-L2.maps",
    names[:1] + [hdr(0x55d0c8801000, 0x55d0c8803000, "rwzp", 0, "08:01", 7,
                     "/y")])
put("bad/field-first-L1.smaps", good[1:])
put("bad/not-a-number-L30.smaps",
    good + [hdr(0x401000, 0x402000, "r--p", 0x1000, "08:01", 42, "/bin/x"),
            fld("Size", 4), fld("KernelPageSize", 4), fld("MMUPageSize", 4),
            b"Rss:                 4x kB"] + good[5:])
put("bad/nul-L4.smaps", good[:3] + [b"MMUPageSize:\x00      4 kB"] + good[4:])
put("bad/nul-name-L1.maps",
    [hdr(0x400000, 0x401000, "r-xp", 0, "08:01", 42, b"/bin/\x00x")])
# 2^64 written in kB (fails the decimal parse) and 2^54 kB (2^64 bytes).
put("bad/overflow-L21.smaps",
    good[:20] + [b"Swap:           18446744073709551616 kB"] + good[21:])
put("bad/overflow-kb-L5.smaps",
    good[:4] + [b"Rss:            18014398509481984 kB"] + good[5:])
put("bad/long-address-L2.maps",
    names[:1] +
    [b"10000000000000000-10000000000001000 r--p 00000000 00:00 0 "])
put("bad/empty-line-L26.smaps", good + [b""] + good)
put("bad/no-kb-L4.smaps", good[:3] + [b"MMUPageSize:           4"] + good[4:])
