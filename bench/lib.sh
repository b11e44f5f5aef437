# Shared by bench scripts that time whole commands (sourced; they set
# $tmp, a scratch directory, before calling measure).

# measure NAME CMD...: wall ms and peak RSS (kB) of CMD, appended to NAME.
measure() {
	local name=$1
	shift
	python3 - "$@" >>"$tmp/$name" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ms = (time.monotonic() - t) * 1000
print("%.1f %d %d" % (ms, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode))
PY
}

# median: the median of the numbers on stdin, one per line.
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
