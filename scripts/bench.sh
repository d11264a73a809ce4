#!/usr/bin/env bash
# bench.sh: measure `vantage dump` against bgpdump, bzip2 and gzip on a ~130 MB RIB.
#
# What it does, in one run:
#   1. Builds vantage in release mode in its own scratch folder ($SCRATCH).
#   2. Prepares inputs in $BENCH_DIR (reused when already there and intact): the route-views
#      jinx RIB from ../shared/data/mrt, decompressed and concatenated 4 times (rib4.mrt),
#      plus rib4.mrt.bz2 (bzip2 -9) and rib4.mrt.gz (gzip -6).
#   3. Times each command $RUNS times (best wall-clock time is reported, median shown too)
#      and records its peak RSS:
#        a  bgpdump -m rib4.mrt   vs  vantage dump -m rib4.mrt   (outputs must be byte-identical;
#                                                               target: vantage/bgpdump <= 0.25)
#        b  taskset -c 0 vantage dump --count rib4.mrt          (target: >= 300 MB/s on one core)
#        c  bzip2 -dc rib4.mrt.bz2 vs vantage dump --count rib4.mrt.bz2 (both cores;
#                                                               target: vantage/bzip2 <= 1.0),
#           and vantage dump --count --threads 1 for reference
#        d  gzip -dc rib4.mrt.gz  vs  vantage dump --count rib4.mrt.gz
#        e  bgpdump -m rib4.mrt.bz2  vs  vantage dump -m rib4.mrt.bz2
#   4. Prints a table (case, tool, seconds, MB/s, peak RSS MB, ratio, target, PASS/MISS) and
#      writes it as Markdown to $BENCH_DIR/bench.md.
#
# MB/s is always megabytes (10^6 bytes) of *decompressed* MRT per second, so compressed and
# plain cases are comparable. Ratios are vantage time / the baseline tool's time in that case.
#
# Run from anywhere:
#   scripts/bench.sh
#   RUNS=5 BENCH_DIR=/tmp/vb SCRATCH=.build-bench scripts/bench.sh
# Environment:
#   BENCH_DIR  work folder for inputs, outputs and bench.md   (default /tmp/vantage-bench)
#   RUNS       timed runs per command, at least 3             (default 3)
#   SCRATCH    swift build scratch path, relative to the package root unless absolute
#                                                             (default .build-bench)
#
# Exit status: 0 when everything ran, even if targets are missed (this is a measurement,
# not a test); non-zero if a command fails, or if the outputs of case a differ, or if
# vantage --count disagrees between the plain, .bz2 and .gz inputs.
# Needs: swift, bgpdump, bzip2, gzip, taskset, python3, cmp, and GNU time (/usr/bin/time,
# apt-get install time) for accurate peak RSS; without it RSS comes from wait4() and small
# tools read about 15 MB too high (the python helper's own footprint).

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/.." && pwd)
report="$script_dir/bench-report.py"

BENCH_DIR=${BENCH_DIR:-/tmp/vantage-bench}
RUNS=${RUNS:-3}
SCRATCH=${SCRATCH:-.build-bench}
source_rib="$root/../shared/data/mrt/routeviews.route-views.jinx.ribs.1401487200.bz2"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

case $RUNS in '' | *[!0-9]*) die "RUNS must be a number (got '$RUNS')" ;; esac
[ "$RUNS" -ge 3 ] || die "RUNS must be at least 3 (got $RUNS)"
for tool in swift bgpdump bzip2 gzip taskset python3 cmp; do
    command -v "$tool" > /dev/null || die "'$tool' is not installed"
done
[ -r "$source_rib" ] || die "input not found: $source_rib"

size_of() { wc -c < "$1" | tr -d ' '; }

# --- 1. release build ---------------------------------------------------------------------
mkdir -p "$BENCH_DIR"
build_log="$BENCH_DIR/build.log"
# A source file saved while the compiler reads it fails the build ("was modified during the
# build"); that is retried a few times with growing pauses, any other build error stops
# the script.
for attempt in 1 2 3 4 5; do
    log "building release (swift build -c release --scratch-path $SCRATCH), attempt $attempt"
    if (cd "$root" && swift build -c release --scratch-path "$SCRATCH") 2>&1 | tee "$build_log" >&2; then
        break
    fi
    grep -q 'was modified during the build' "$build_log" && [ "$attempt" -lt 5 ] || die "release build failed (log: $build_log)"
    sleep $((attempt * 20)) # give the editor time to finish saving
done
case $SCRATCH in /*) scratch_abs=$SCRATCH ;; *) scratch_abs="$root/$SCRATCH" ;; esac
vantage="$scratch_abs/release/vantage"
[ -x "$vantage" ] || die "release binary not found at $vantage"

# --- 2. inputs ----------------------------------------------------------------------------
cd "$BENCH_DIR"
stamp=inputs.stamp
# Identity of the source plus the checksum of rib4.mrt and the sizes of the compressed copies
# (their content is cross-checked by the --count comparison at the end); inputs are rebuilt
# unless all of it matches what the last preparation recorded.
source_id="source=$source_rib size=$(size_of "$source_rib")"

derived_id() {
    printf 'rib4.mrt=%s rib4.mrt.bz2=%s rib4.mrt.gz=%s' \
        "$(cksum < rib4.mrt | tr -s ' ' :)" "$(size_of rib4.mrt.bz2)" "$(size_of rib4.mrt.gz)"
}

inputs_ok() {
    [ -f "$stamp" ] && [ -f rib4.mrt ] && [ -f rib4.mrt.bz2 ] && [ -f rib4.mrt.gz ] || return 1
    [ "$(sed -n 1p "$stamp")" = "$source_id" ] || return 1
    [ "$(sed -n 2p "$stamp")" = "$(derived_id)" ]
}

if inputs_ok; then
    log "reusing inputs in $BENCH_DIR"
else
    log "preparing inputs in $BENCH_DIR"
    rm -f "$stamp" rib4.mrt rib4.mrt.bz2 rib4.mrt.gz rib1.mrt.tmp rib4.mrt.tmp
    bzip2 -dc "$source_rib" > rib1.mrt.tmp
    cat rib1.mrt.tmp rib1.mrt.tmp rib1.mrt.tmp rib1.mrt.tmp > rib4.mrt.tmp
    [ "$(size_of rib4.mrt.tmp)" -eq $((4 * $(size_of rib1.mrt.tmp))) ] || die "concatenation failed"
    rm -f rib1.mrt.tmp
    mv rib4.mrt.tmp rib4.mrt
    log "compressing rib4.mrt (bzip2 -9 -k, gzip -6 -k)"
    bzip2 -9 -k -f rib4.mrt
    gzip -6 -k -f rib4.mrt
    printf '%s\n' "$source_id" "$(derived_id)" > "$stamp"
fi
input_bytes=$(size_of rib4.mrt)

# --- 3. timings ---------------------------------------------------------------------------
results=results.tsv
: > "$results"
# Other work on the machine skews the numbers; the load average is recorded with the results.
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')
: > stderr.log

# bench CASE TOOL BASELINE TARGET STDOUT -- COMMAND...
#   BASELINE: tool name of the row this one is compared with ("" for none);
#   TARGET: "ratio<=X", "mbps>=X" or "".
bench() {
    local case=$1 tool=$2 baseline=$3 target=$4 stdout=$5
    shift 5
    [ "${1:-}" = -- ] && shift
    log "[$case] $tool: $*"
    python3 "$report" run --results "$results" --case "$case" --tool "$tool" \
        --input-bytes "$input_bytes" --runs "$RUNS" --stdout "$stdout" --stderr "$PWD/stderr.log" \
        --baseline "$baseline" --target "$target" -- "$@"
}

bench "a plain -m" "bgpdump -m" "" "" out1 -- bgpdump -m rib4.mrt
bench "a plain -m" "vantage dump -m" "bgpdump -m" "ratio<=0.25" out2 -- "$vantage" dump -m rib4.mrt
outputs_match=yes
if cmp out1 out2; then
    rm -f out1 out2
else
    outputs_match=no
fi

bench "b plain --count" "vantage --count (taskset -c 0)" "" "mbps>=300" count-plain.txt \
    -- taskset -c 0 "$vantage" dump --count rib4.mrt

bench "c bz2 --count" "bzip2 -dc" "" "" /dev/null -- bzip2 -dc rib4.mrt.bz2
bench "c bz2 --count" "vantage --count" "bzip2 -dc" "ratio<=1.0" count-bz2.txt \
    -- "$vantage" dump --count rib4.mrt.bz2
bench "c bz2 --count" "vantage --count --threads 1" "bzip2 -dc" "" count-bz2-t1.txt \
    -- "$vantage" dump --count --threads 1 rib4.mrt.bz2

bench "d gz --count" "gzip -dc" "" "" /dev/null -- gzip -dc rib4.mrt.gz
bench "d gz --count" "vantage --count" "gzip -dc" "" count-gz.txt -- "$vantage" dump --count rib4.mrt.gz

bench "e bz2 -m" "bgpdump -m" "" "" /dev/null -- bgpdump -m rib4.mrt.bz2
bench "e bz2 -m" "vantage dump -m" "bgpdump -m" "" /dev/null -- "$vantage" dump -m rib4.mrt.bz2

# f. The observatory: the 2014 RouteViews RIB (~500k prefixes) turned into a world of six full-feed peers
#    (about 3 million routes) plus four days of 15-minute update files, replayed by `vantage detect`.
world=obs-world
if [ ! -f "$world/README.txt" ]; then
    log "simulating the observatory benchmark world (once) into $BENCH_DIR/$world"
    "$vantage" simulate north-korea-2014 --out "$world" --rib "$source_rib" \
        --registry "$root/../shared/data/registry/delegated-apnic-latest.20141009" > /dev/null
fi
bench "f detect" "vantage detect (500k prefixes x 6 peers, 4 days)" "" "" /dev/null \
    -- "$vantage" detect --registry "$world/registry/delegated-apnic-latest.20141009" "$world"/rib.*.bz2 "$world"/updates.*.bz2

# g. The same world into a new store (`vantage ingest`: detection plus every signal row, event, entity
#    and upstream written to SQLite), then the same files again (nothing new: the idempotence check).
bench "g ingest" "vantage ingest (case f world, new store)" "" "" /dev/null \
    -- sh -c 'rm -f "$1"/g.db "$1"/g.db-wal "$1"/g.db-shm && "$2" ingest --db "$1"/g.db --registry "$3" "$1"/rib.*.bz2 "$1"/updates.*.bz2' \
    sh "$world" "$vantage" "$world/registry/delegated-apnic-latest.20141009"
bench "g ingest" "vantage ingest again (nothing new)" "" "" /dev/null \
    -- sh -c '"$2" ingest --db "$1"/g.db "$1"/rib.*.bz2 "$1"/updates.*.bz2' sh "$world" "$vantage"

counts_match=yes
for f in count-bz2.txt count-bz2-t1.txt count-gz.txt; do
    cmp -s count-plain.txt "$f" || counts_match=no
done

# --- 4. report ----------------------------------------------------------------------------
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')
commit=$(git -C "$root" describe --always --dirty 2> /dev/null || echo unknown)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2> /dev/null | head -n 1)
echo
python3 "$report" report --results "$results" --markdown bench.md \
    --title "vantage dump benchmark" \
    --note "$(date -u '+%Y-%m-%d %H:%M UTC'), vantage $commit, ${cpu:-unknown CPU} x $(nproc 2> /dev/null || echo '?'), best of $RUNS runs" \
    --note "input: rib4.mrt $((input_bytes / 1000000)) MB (jinx RIB x4); .bz2 $(($(size_of rib4.mrt.bz2) / 1000000)) MB; .gz $(($(size_of rib4.mrt.gz) / 1000000)) MB; MB/s = decompressed MB per second" \
    --note "load average before: $load_before, after: $load_after (numbers are unreliable if well above the core count)" \
    --note "case a outputs byte-identical: $outputs_match; --count identical for plain/.bz2/.gz: $counts_match"
echo
log "markdown written to $BENCH_DIR/bench.md"

status=0
if [ "$outputs_match" != yes ]; then
    printf 'bench: FAIL: bgpdump -m and vantage dump -m outputs differ (kept %s/out1 and out2)\n' "$BENCH_DIR" >&2
    status=1
fi
if [ "$counts_match" != yes ]; then
    printf 'bench: FAIL: vantage --count differs between plain, .bz2 and .gz inputs (see %s/count-*.txt)\n' "$BENCH_DIR" >&2
    status=1
fi
exit "$status"
