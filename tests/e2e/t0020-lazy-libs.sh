#!/bin/bash
# The heavy libraries (Vectorscan, libcrypto, capstone, libdw, libstdc++)
# are opened by the run that needs them (libforensic/lazylib.h), not by
# the dynamic loader at every start: no tool has them in DT_NEEDED
# (readelf), and with each SONAME resolved to a broken file first
# (LD_LIBRARY_PATH), every --help still runs while each feature that
# needs one fails as its command fails otherwise, saying which library:
# scan's patterns exit 2, dump-region --sha256 exit 2 with nothing
# written (and --check --sha256 refuses; without --sha256 the dump is
# whole), classify's stacks exit 1,
# a JIT region's detail says it was not decoded. Unbroken, the same JIT
# page decodes (capstone loaded on demand works).
. "$TOP/tests/e2e/lib.sh"

heavy='lib(hs|crypto|capstone|dw|stdc\+\+)\.so\.[0-9]+'
for b in "$BIN"/*; do
	needed=$(readelf -d "$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
	bad=$(echo "$needed" | grep -E "^$heavy$" || true)
	[ -z "$bad" ] || fail "$(basename "$b") needs at start:" $bad
done

# The SONAMEs the tools open, as compiled in (scripts/lib-sonames).
sonames=$(grep -aohE "$heavy" "$BIN/classify" "$BIN/scan" \
	"$BIN/dump-region" | sort -u)
expect_eq "SONAMEs compiled in" 5 "$(echo "$sonames" | wc -l)"
# One a sanitizer's runtime needs at start (libubsan: libstdc++) stays
# whole: the tools' own DT_NEEDED are checked above.
atstart=$(ldd "$BIN/classify" | awk '{print $1}')
mkdir broken
for s in $sonames; do
	echo "$atstart" | grep -qxF "$s" || : >"broken/$s"
done
# Sanitizer builds: a tool that gives up early leaves its buffers to
# exit, as every early exit does; leaks are not this test's subject.
broken() {
	LD_LIBRARY_PATH=$TRASH/broken ASAN_OPTIONS=detect_leaks=0 "$@"
}

for b in "$BIN"/*; do
	broken "$b" --help >/dev/null 2>help.err ||
		fail "$(basename "$b") --help with the libraries broken:" \
			"$(cat help.err)"
done

# run EXPECTED_STATUS PATTERN CMD...: status and a stderr line matching.
run() {
	local want=$1 pat=$2 rc=0
	shift 2
	broken "$@" >out 2>err || rc=$?
	[ "$rc" = "$want" ] || fail "'$*': exit $rc, expected $want; stderr: $(cat err)"
	grep -qE -- "$pat" err || fail "'$*': stderr lacks '$pat': $(cat err)"
	grep -qi 'sanitizer\|core dumped\|segmentation' err && fail "'$*' crashed"
	return 0
}

start_target jitcode
pid=$TARGET_PID
jit=$(printf '0x%012x' "$(ready_value jit)")
size=$(ready_value size)

memmap --tsv "$pid" >regions.tsv
run 2 "^scan: cannot load 'libhs\.so\.[0-9]+': .*too short" \
	scan -e needle <regions.tsv
# Strings need no Vectorscan.
broken scan --strings <regions.tsv >strings.tsv ||
	fail "scan --strings with the libraries broken"

run 2 "^dump-region: cannot hash \(--sha256\): cannot load 'libcrypto\.so\.[0-9]+'" \
	dump-region --sha256 -o "$TRASH/hashed" "$pid"
[ ! -e "$TRASH/hashed" ] || fail "dump-region --sha256 refused yet wrote"
# --check says so ahead (dump-on asks it when it starts).
run 2 "^dump-region: cannot dump: cannot load 'libcrypto\.so\.[0-9]+'" \
	dump-region --check --sha256 -o "$TRASH/hashed" "$pid"
dump-region --check --sha256 -o "$TRASH/hashed" "$pid" 2>check.err ||
	fail "dump-region --check --sha256: $(cat check.err)"
grep -q "^dump-region: check: sha256: libcrypto is loaded$" check.err ||
	fail "no sha256 check: $(cat check.err)"
broken dump-region -q -o "$TRASH/plain" "$pid" >plain.tsv ||
	fail "dump-region without --sha256, libcrypto broken"
[ -s "$TRASH/plain/regions.tsv" ] || fail "no regions.tsv"

run 1 "^classify: no stacks: cannot load 'libdw\.so\.[0-9]+'" \
	classify --threads --freeze --tsv "$pid"

detail() {
	awk -F'\t' -v a="$jit" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["start"]==a {print $c["class"] ": " $c["detail"]}' "$1"
}
broken classify --tsv "$pid" >broken.tsv 2>err ||
	fail "classify with capstone broken: $(cat err)"
detail broken.tsv | grep -qE "^jit: anonymous executable, not decoded: cannot load 'libcapstone\.so\.[0-9]+'" ||
	fail "JIT detail with capstone broken: '$(detail broken.tsv)'"
classify --tsv "$pid" >good.tsv
expect_eq "JIT page decoded" \
	"jit: anonymous executable, $size of $size bytes decode as x86-64 ($size instructions) at $jit" \
	"$(detail good.tsv)"

# Without libstdc++ the C++ objects are counted, their type is "-", and
# classify says why (exit 0: the counts stand); with it, they are named.
# (A sanitizer's runtime loads libstdc++ at start: it cannot be broken.)
start_target cppleak 2000
pid=$TARGET_PID
if ls broken | grep -q '^libstdc++'; then
	run 0 "^classify: process $pid: C\+\+ types not named \(type -\): cannot load 'libstdc\+\+\.so\.[0-9]+'" \
		classify --chunks --tsv "$pid"
	grep -q 'Timer' out && fail "a C++ type named without libstdc++: $(grep Timer out)"
fi
classify --chunks --tsv "$pid" >named.tsv 2>named.err
grep -q "	Timer$" named.tsv || fail "no Timer type with libstdc++: $(head -5 named.tsv)"
[ ! -s named.err ] || fail "classify --chunks said: $(cat named.err)"
