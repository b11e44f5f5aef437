#!/bin/bash
# The leak target on glibc's own malloc: classify -v names glibc
# ptmalloc and its version, from the library the dynamic linker bound
# malloc to (LD_DEBUG=bindings), and --chunks walks it (exit 0, the
# contexts counted: t0303 checks the counts); a Rust program (when rustc
# is there) the same, said to be Rust.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

start_leaky
pid=$TARGET_PID
classify -v --tsv "$pid" >regions.tsv 2>verbose.err
grep -Eq "^classify: pid $pid: malloc: glibc ptmalloc 2\.[0-9]+ \(malloc from $(basename "$(readlink -f "$BOUND")")\)$" verbose.err ||
	fail "glibc not named, or not as bound to $BOUND: $(grep malloc: verbose.err)"
expect_eq "class of the region at first" heap "$(region_class "$(ready_value first)")"
classify --chunks --tsv "$pid" >chunks.tsv
[ "$(wc -l <chunks.tsv)" -gt 1 ] || fail "--chunks gave no histogram"

# A Rust program (its System allocator is malloc): glibc's, as the
# dynamic linker binds it, and said to be Rust, with the compiler
# version rustc itself gives.
command -v rustc >/dev/null 2>&1 || { echo "note: no rustc: the Rust target not checked"; exit 0; }
rustc -O -o leaky-rs "$TOP/corpus/targets/leaky.rs" 2>rustc.err || fail "rustc: $(cat rustc.err)"
start_cmd "leaky.rs" env LD_DEBUG=bindings "$TRASH/leaky-rs"
pid=$TARGET_PID
bound=$(sed -n "s|^ *$pid:.*binding file $TRASH/leaky-rs \[0\] to \(.*\) \[0\]: normal symbol \`malloc'.*|\1|p" \
	"$TRASH/target.err" | head -1)
[ -n "$bound" ] || fail "no binding of malloc for the Rust target"
rv=$(rustc --version | awk '{print $2}')
classify -v --tsv "$pid" >regions.tsv 2>verbose.err
grep -Eq "^classify: pid $pid: malloc: glibc ptmalloc 2\.[0-9]+ \(malloc from $(basename "$(readlink -f "$bound")"); a Rust program \(rustc $rv\)\)$" verbose.err ||
	fail "the Rust program: $(grep malloc: verbose.err)"
expect_eq "class of the region at first (Rust)" heap "$(region_class "$(ready_value first)")"
