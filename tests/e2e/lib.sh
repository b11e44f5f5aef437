# Shared by the shell tests. Sourced with TOP (the repository) and TRASH
# (this test's scratch directory, the current directory) set by run-e2e.
set -eu
BIN=$TOP/bin
TARGETS=$TOP/build/targets
PATH=$BIN:$PATH
export LC_ALL=C

# Pids of targets this test started: killed on exit, by pid only.
STARTED=""
cleanup() {
	for p in $STARTED; do kill -9 "$p" 2>/dev/null || true; done
	for p in $STARTED; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_target NAME ARGS...: start corpus/targets/NAME and wait for its
# readiness line (no sleeping). Sets TARGET_PID and READY (the line).
start_target() {
	local fifo="$TRASH/ready.$RANDOM.$$"
	mkfifo "$fifo"
	"$TARGETS/$1" "${@:2}" >"$fifo" 2>>"$TRASH/target.err" &
	TARGET_PID=$!
	STARTED="$STARTED $TARGET_PID"
	READY=""
	read -r READY <"$fifo" || true
	rm -f "$fifo"
	case $READY in
	"ready pid=$TARGET_PID"*) ;;
	*) fail "target $1 did not become ready: '$READY' $(cat "$TRASH/target.err" 2>/dev/null)" ;;
	esac
}

# ready_value KEY: a value from the readiness line.
ready_value() {
	echo "$READY" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# compare EXPECT ACTUAL: files must be equal (diff shown when not).
compare() {
	diff -u "$1" "$2" >&2 || fail "$2 differs from $1"
}

# col NAME: the column number of NAME in a TSV header on stdin.
col() {
	head -1 | tr '\t' '\n' | grep -n -x "$1" | cut -d: -f1
}
