#!/bin/bash
# C++ types read as the source wrote them, through libstdc++'s demangler:
# on a service keeping its sessions through std::make_shared, timers of a
# template class, handlers in nested namespaces and std::thread workers,
# `classify --chunks` counts app::Session (the make_shared control block
# named by the object inside it), Timeout<int>, net::http::Handler and
# the threads' callables exactly as many as the target allocated, live
# and on our core of it; no type is left mangled.
. "$TOP/tests/e2e/lib.sh"

start_target cppshared 20000
pid=$TARGET_PID
classify --chunks --tsv "$pid" >live.tsv || fail "classify --chunks failed"
dump-region --core "$TRASH/cpp.core" "$pid" >/dev/null 2>core.err ||
	fail "dump-region --core: $(cat core.err)"
classify --chunks --tsv "$TRASH/cpp.core" >core.tsv 2>core.err ||
	fail "classify --chunks on the core: $(cat core.err)"
for f in live core; do
	count() {
		awk -F'\t' -v t="$1" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
			$c["type"]==t {s+=$c["inuse"]} END {print s+0}' $f.tsv
	}
	expect_eq "$f: app::Session (make_shared)" "$(ready_value sessions)" \
		"$(count 'app::Session (make_shared)')"
	expect_eq "$f: Timeout<int>" "$(ready_value timeouts)" \
		"$(count 'Timeout<int>')"
	expect_eq "$f: net::http::Handler" "$(ready_value handlers)" \
		"$(count 'net::http::Handler')"
	expect_eq "$f: lambda threads" "$(ready_value lambda_threads)" \
		"$(count 'main::{lambda()#1} (std::thread)')"
	expect_eq "$f: function threads" "$(ready_value fn_threads)" \
		"$(count 'void (*)() (std::thread)')"
	# A mangled name left over (St..., N...E, 7TimeoutIiE) is a failure.
	bad=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["type"] ~ /^(St[0-9]|N[0-9A-Z]|[0-9])/ {print $c["type"]}' \
		$f.tsv | sort -u | head -3)
	[ -z "$bad" ] || fail "$f: mangled type names: $bad"
done
