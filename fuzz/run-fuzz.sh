#!/bin/bash
# Run libFuzzer targets for a fixed time each and summarise libFuzzer's final lines.
# Usage: run-fuzz.sh BUILD_FUZZ_DIR SRCDIR TARGET...
# Environment: FUZZ_SECONDS (60), FUZZ_JOBS (targets run at once, 1), FUZZ_MAX_LEN (32768 bytes),
# FUZZ_FLAGS (extra libFuzzer flags).
# Each target fuzzes DIR/work/TARGET (grown across runs) seeded from DIR/seeds/TARGET; crashes are written to
# DIR/crashes/TARGET-*; logs to DIR/logs/TARGET.log. Exit status 1 when any target crashed.
set -u
dir=$1; src=$2; shift 2
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
mkdir -p "$dir/work" "$dir/crashes" "$dir/logs"
# ASan: tamga's large allocations return errors rather than abort; libFuzzer's -malloc_limit_mb still reports
# single allocations beyond the RSS limit. One thread: parsers do not need OpenMP.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$src/tests/bad-inputs/lsan.supp}"
export TAMGA_THREADS=1 OMP_NUM_THREADS=1

one() {
	t=$1
	mkdir -p "$dir/work/$t" "$dir/seeds/$t"
	# shellcheck disable=SC2086
	"$dir/$t" -max_total_time="$secs" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
		-max_len="${FUZZ_MAX_LEN:-32768}" -dict="$src/fuzz/tamga.dict" -artifact_prefix="$dir/crashes/$t-" \
		${FUZZ_FLAGS:-} \
		"$dir/work/$t" "$dir/seeds/$t" > "$dir/logs/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/logs/$t.log" | tail -1)
	cov=$(grep -E '^#[0-9]+' "$dir/logs/$t.log" | tail -1 |
		sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
	if [ $rc = 0 ]; then
		echo "fuzz: $t: ok, ${runs:-?} runs in ${secs} s, ${cov:-no coverage line}"
	else
		echo "fuzz: $t: FAILED (exit $rc) after ${runs:-?} runs; see $dir/logs/$t.log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/logs/$t.log" | head -3 | sed 's/^/fuzz:   /'
		ls "$dir/crashes/$t-"* 2>/dev/null | head -3 | sed 's/^/fuzz:   reproducer: /'
	fi
	return $rc
}

fail=0
if [ "$jobs" -le 1 ]; then
	for t in "$@"; do one "$t" || fail=1; done
else
	# a job pool: at most $jobs targets at once
	running=0
	for t in "$@"; do
		if [ $running -ge "$jobs" ]; then wait -n || fail=1; running=$((running - 1)); fi
		one "$t" > "$dir/logs/$t.summary" &
		running=$((running + 1))
	done
	while [ $running -gt 0 ]; do wait -n || fail=1; running=$((running - 1)); done
	for t in "$@"; do cat "$dir/logs/$t.summary"; done
fi
exit $fail
