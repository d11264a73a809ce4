#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for a while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     SECONDS per target (default 30); TARGET among
#                                             mrt bgp-message path-attributes nlri archive
#                                             (default: all)
#
# Each target starts from Fuzz/corpus/<target> plus Fuzz/regressions/<target>, copied to a
# temporary working corpus (the repository is not modified unless something crashes). A crash,
# timeout or out-of-memory input is minimised and saved as Fuzz/regressions/<target>/<kind>-<sha1>,
# ready to commit (Tests/BGPWireTests/FuzzRegressionTests.swift replays it); the script then exits 1.
# Exit status 2 means the build failed.
#
# Environment: FUZZ_SKIP_BUILD=1 reuses the binaries in .build-fuzz/bin; FUZZ_KEEP=1 keeps the
# working directories (logs, grown corpora) and prints where they are; FUZZ_ARGS adds libFuzzer flags.
#
# Build: BGPWire (and ArchiveIO for the archive target) is compiled once (-O,
# -sanitize=fuzzer,address) into a static library from a snapshot of its sources (other edits in
# progress cannot break the compile half-way), then each target links its Fuzz/Fuzz<Name>.swift
# and the shared harness (Sources/FuzzTargets/Harness.swift, or Sources/FuzzTargets/ArchiveHarness.swift) against it.
# The committed seeds in Fuzz/corpus come from ../shared/data/mrt via scripts/fuzz-seeds.py.
set -u -o pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DURATION=${1:-30}
[ $# -gt 0 ] && shift
ALL_TARGETS=(mrt bgp-message path-attributes nlri archive)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")
case "$DURATION" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

source_file() {
    case "$1" in
    mrt) echo FuzzMRT ;;
    bgp-message) echo FuzzBGPMessage ;;
    path-attributes) echo FuzzPathAttributes ;;
    nlri) echo FuzzNLRI ;;
    archive) echo FuzzArchive ;;
    *) echo "fuzz.sh: unknown target '$1' (targets: ${ALL_TARGETS[*]})" >&2; exit 2 ;;
    esac
}
max_len() {
    case "$1" in nlri) echo 1024 ;; archive) echo 8192 ;; *) echo 4096 ;; esac
}
for t in "${TARGETS[@]}"; do source_file "$t" >/dev/null || exit 2; done

BUILD="$ROOT/.build-fuzz/fuzz"
BIN="$ROOT/.build-fuzz/bin"
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library)
# The linker warns about every ASan helper symbol; keep the rest of the compiler output.
quiet() { grep -v "Cannot export local symbol" >&2 || true; }

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    echo "== building BGPWire (fuzzer + address sanitizer)"
    rm -rf "$BUILD/src" "$BUILD/lib"
    mkdir -p "$BUILD/src" "$BUILD/lib" "$BIN"
    cp Sources/BGPWire/*.swift "$BUILD/src/"
    if ! swiftc "${FLAGS[@]}" -wmo -module-name BGPWire -emit-library -static -emit-module \
        -emit-module-path "$BUILD/lib/BGPWire.swiftmodule" -o "$BUILD/lib/libBGPWire.a" "$BUILD"/src/*.swift 2>&1 | quiet
    then
        echo "fuzz.sh: BGPWire failed to build" >&2
        exit 2
    fi
    CMODULES=(-I Sources/CZlib -I Sources/CBZip2)
    if [[ " ${TARGETS[*]} " == *" archive "* ]]; then
        echo "== building ArchiveIO (fuzzer + address sanitizer)"
        mkdir -p "$BUILD/src-archive"
        rm -f "$BUILD"/src-archive/*.swift
        cp Sources/ArchiveIO/*.swift "$BUILD/src-archive/"
        if ! swiftc "${FLAGS[@]}" -wmo -module-name ArchiveIO -emit-library -static -emit-module \
            -emit-module-path "$BUILD/lib/ArchiveIO.swiftmodule" -I "$BUILD/lib" "${CMODULES[@]}" \
            -o "$BUILD/lib/libArchiveIO.a" "$BUILD"/src-archive/*.swift 2>&1 | quiet
        then
            echo "fuzz.sh: ArchiveIO failed to build" >&2
            exit 2
        fi
    fi
    for t in "${TARGETS[@]}"; do
        name=$(source_file "$t")
        echo "== building fuzz-$t"
        if [ "$t" = archive ]; then
            extra=("${CMODULES[@]}" -lArchiveIO -lBGPWire -lz -lbz2 Sources/FuzzTargets/ArchiveHarness.swift)
        else
            extra=(-lBGPWire Sources/FuzzTargets/Harness.swift)
        fi
        if ! swiftc "${FLAGS[@]}" -module-name "$name" -I "$BUILD/lib" -L "$BUILD/lib" "${extra[@]}" \
            "Fuzz/$name.swift" -o "$BIN/fuzz-$t" 2>&1 | quiet
        then
            echo "fuzz.sh: fuzz-$t failed to build" >&2
            exit 2
        fi
    done
fi

# The Swift runtime's crash backtracer fights with ASan and libFuzzer's own crash handling (it can
# hang a crashing process); libFuzzer and ASan print the stack themselves.
export SWIFT_BACKTRACE=enable=no
failed=()
summary=()
for t in "${TARGETS[@]}"; do
    work=$(mktemp -d "${TMPDIR:-/tmp}/vantage-fuzz-$t.XXXXXX")
    mkdir -p "$work/corpus" "$work/artifacts"
    for d in "Fuzz/corpus/$t" "Fuzz/regressions/$t"; do
        [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$work/corpus/" \;
    done
    echo "== fuzz-$t: ${DURATION}s from $(ls "$work/corpus" | wc -l) seeds"
    # shellcheck disable=SC2086
    "$BIN/fuzz-$t" -max_total_time="$DURATION" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=512 -use_value_profile=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
        ${FUZZ_ARGS:-} "$work/corpus" >"$work/log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$work/log" | tail -1 | cut -d' ' -f2)
    line="fuzz-$t: ${execs:-?} execs, cov ${cov:-?}, features ${ft:-?}, corpus ${corp:-?}"
    if [ $rc -eq 0 ]; then
        summary+=("$line: no crash")
    else
        failed+=("$t")
        echo "fuzz-$t FAILED (exit $rc); report:" >&2
        grep -m1 -A40 -E '^==[0-9]+==ERROR|Fatal error|fuzz invariant|ALARM|out-of-memory' "$work/log" >&2 || tail -40 "$work/log" >&2
        saved=()
        mkdir -p "Fuzz/regressions/$t"
        for a in "$work"/artifacts/*; do
            [ -f "$a" ] || continue
            kind=$(basename "$a" | cut -d- -f1)
            min="$work/min-$(basename "$a")"
            timeout 180 "$BIN/fuzz-$t" -minimize_crash=1 -max_total_time=60 -timeout=10 -malloc_limit_mb=512 \
                -exact_artifact_path="$min" "$a" >"$work/minimize.log" 2>&1
            [ -s "$min" ] || cp "$a" "$min"
            dest="Fuzz/regressions/$t/$kind-$(sha1sum "$min" | cut -c1-16)"
            cp "$min" "$dest"
            saved+=("$dest ($(stat -c %s "$dest") bytes)")
        done
        summary+=("$line: CRASHED, saved ${saved[*]:-nothing (see $work/log)}")
    fi
    if [ "${FUZZ_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then echo "   log and corpus kept in $work"; else rm -rf "$work"; fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${failed[*]} (inputs under Fuzz/regressions/; replay with swift test --filter FuzzRegressionTests)" >&2
    exit 1
fi
