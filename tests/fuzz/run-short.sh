#!/usr/bin/env bash
# tests/fuzz/run-short.sh - the short fuzz run for CI (docs/fuzzing.md).
#
#   tests/fuzz/run-short.sh [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [-o OUT_DIR] [TARGET...]
#
# With clang and libFuzzer: builds the fuzz targets (BUILD_DIR, default
# build/fuzz, configured with CC=clang -DINTRSIM_FUZZ=ON), then fuzzes each
# TARGET (default: pic8259 lapic ioapic pcimsi tracebin) for SECONDS (default 20, or
# $FUZZ_SECONDS) starting from a copy of its committed corpus, JOBS targets
# at a time (default 1).  The committed corpus is not modified.  Any
# invariant failure, sanitizer report, timeout or out-of-memory fails the
# run: the input is left in OUT_DIR (default BUILD_DIR/findings) and its
# operation trace is printed.
#
# Without clang/libFuzzer (or with FUZZ_REPLAY_ONLY=1): builds fuzz_replay
# with the default compiler in BUILD_DIR (default build/fuzz-replay) and
# replays every committed corpus file (known-bug inputs included: they are
# tolerated unless INTRSIM_FUZZ_STRICT=1).
#
# Exit status: 0 all targets clean; 1 a finding; 2 bad usage or build failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CORPUS=$ROOT/tests/fuzz/corpus

SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
JOBS=1
BUILD=
OUT=
while getopts "t:j:b:o:h" opt; do
    case $opt in
    t) SECONDS_PER_TARGET=$OPTARG ;;
    j) JOBS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(pic8259 lapic ioapic pcimsi tracebin)
case $SECONDS_PER_TARGET in ''|*[!0-9]*) echo "run-short: -t wants seconds" >&2; exit 2 ;; esac
case $JOBS in ''|*[!0-9]*|0) echo "run-short: -j wants a positive number" >&2; exit 2 ;; esac
for t in "${TARGETS[@]}"; do
    [ -d "$CORPUS/$t" ] || { echo "run-short: no target $t (no $CORPUS/$t)" >&2; exit 2; }
done
NPROC=$(nproc 2>/dev/null || echo 2)

have_libfuzzer() {
    command -v clang >/dev/null 2>&1 || return 1
    local tmp
    tmp=$(mktemp -d)
    printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
        > "$tmp/t.c"
    if clang -fsanitize=fuzzer,address,undefined "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1; then
        rm -rf "$tmp"
        return 0
    fi
    rm -rf "$tmp"
    return 1
}

# ---- no libFuzzer: replay the corpora ----------------------------------------
if [ -n "${FUZZ_REPLAY_ONLY:-}" ] || ! have_libfuzzer; then
    BUILD=${BUILD:-build/fuzz-replay}
    echo "run-short: no libFuzzer run (clang with libFuzzer missing, or FUZZ_REPLAY_ONLY);" \
         "replaying the committed corpora"
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 2
    cmake --build "$BUILD" --target fuzz_replay fuzz_tracebin_replay -j "$NPROC" >/dev/null || exit 2
    rc=0
    for t in "${TARGETS[@]}"; do
        if [ "$t" = tracebin ]; then
            "$BUILD/tests/fuzz/fuzz_tracebin_replay" "$CORPUS/$t" || rc=1
        else
            "$BUILD/tests/fuzz/fuzz_replay" "$t" "$CORPUS/$t" || rc=1
        fi
    done
    exit $rc
fi

# ---- libFuzzer ---------------------------------------------------------------------
BUILD=${BUILD:-build/fuzz}
OUT=${OUT:-$BUILD/findings}
echo "run-short: building the fuzz targets in $BUILD (clang, libFuzzer, ASan+UBSan)"
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINTRSIM_FUZZ=ON >/dev/null || exit 2
cmake --build "$BUILD" --target fuzz_all -j "$NPROC" >/dev/null || exit 2
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/intrsim-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fuzz_one() {   # TARGET: fuzz it, 0 clean / 1 finding
    local t=$1 dir=$WORK/$1 log=$WORK/$1.log
    mkdir -p "$dir/corpus" "$dir/art"
    # the inputs of known, reported bugs would stop the run at once: leave them out
    find "$CORPUS/$t" -maxdepth 1 -type f ! -name 'crash-*' -exec cp {} "$dir/corpus/" \;
    if "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
        -rss_limit_mb=2048 -max_len=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/art/" "$dir/corpus" >"$log" 2>&1; then
        local execs ft
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
        echo "run-short: $t: clean, ${execs:-?} executions in ${SECONDS_PER_TARGET}s, ${ft:-?}"
        return 0
    fi
    echo "run-short: $t: FINDING" >&2
    grep -E -A4 'INVARIANT BROKEN|ERROR: (AddressSanitizer|LeakSanitizer)|runtime error|libFuzzer: (timeout|out-of-memory)' \
        "$log" | grep -v '^ *#[0-9]' | head -30 >&2 || tail -30 "$log" >&2
    local f
    for f in "$dir"/art/*; do
        [ -e "$f" ] || continue
        cp "$f" "$OUT/$t-$(basename "$f")"
        echo "run-short: input kept as $OUT/$t-$(basename "$f"); its operations:" >&2
        # in a subshell, so the shell's "Illegal instruction" notice stays quiet
        if [ "$t" = tracebin ]; then
            ( "$BUILD/tests/fuzz/fuzz_tracebin_replay" "$f" >"$dir/trace.txt" 2>&1; true ) 2>/dev/null
        else
            ( INTRSIM_FUZZ_TRACE=1 "$BUILD/tests/fuzz/fuzz_replay" "$t" "$f" >"$dir/trace.txt" 2>&1
              true ) 2>/dev/null
        fi
        tail -40 "$dir/trace.txt" >&2
    done
    return 1
}

rc=0
pids=()
names=()
for t in "${TARGETS[@]}"; do
    fuzz_one "$t" &
    pids+=($!)
    names+=("$t")
    if [ ${#pids[@]} -ge "$JOBS" ]; then
        wait "${pids[0]}" || rc=1
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
done
for p in "${pids[@]}"; do
    wait "$p" || rc=1
done
if [ $rc -eq 0 ]; then
    echo "run-short: all targets clean"
else
    echo "run-short: findings (inputs in $OUT); see docs/fuzzing.md for reporting" >&2
fi
exit $rc
