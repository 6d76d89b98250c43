#!/usr/bin/env bash
# tests/run_fuzzers.sh [SECONDS] - build the libFuzzer targets with clang
# (AddressSanitizer + UBSan, coverage on the whole library) into build-fuzz/
# and run each fuzz_* binary for SECONDS (default $JG_FUZZ_SECONDS; without
# either, each target's own time below: 220 s in all, so that CI's fuzzing
# stays under 4 minutes).  ./test.sh runs it after the sanitizer suite.  Exits non-zero on
# any crash, leak or sanitizer report; the input that did it is kept under
# build-fuzz/artifacts/.  The corpus grows in build-fuzz/corpus/NAME,
# seeded from tests/fuzz/NAME.seeds/ when that exists.  A crash found here
# becomes a regression input: copy it from build-fuzz/artifacts/ to
# tests/fuzz/regress/NAME/ (ctest replays it: fuzz_regress_NAME).
set -euo pipefail
secs=${1:-${JG_FUZZ_SECONDS:-}}
case $secs in *[!0-9]*) echo "run_fuzzers: SECONDS must be a whole number, not '$secs'" >&2; exit 2 ;; esac
# default seconds per target (when SECONDS is not given)
default_secs() {
    case $1 in
    fuzz_npy) echo 60 ;;   # the .npy reader
    fuzz_sweep) echo 60 ;; # the sweep-file parser (+ a cheap configuration run)
    fuzz_args) echo 50 ;;  # the command-line parser
    fuzz_idx) echo 50 ;;   # the training data loader (IDX, gzip)
    *) echo 50 ;;
    esac
}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
command -v clang >/dev/null || { echo "run_fuzzers: clang is not installed" >&2; exit 1; }

CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DJG_CUDA=OFF -DJG_FUZZ=ON \
    -DJG_SANITIZE=address,undefined -DCMAKE_C_FLAGS="-O1 -fsanitize=fuzzer-no-link" \
    >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" --target jg_fuzz -j 2 >"$build.build.log" 2>&1 ||
    { tail -40 "$build.build.log" >&2; exit 1; }

status=0
mkdir -p "$build/artifacts"
for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    t=${secs:-$(default_secs "$name")}
    corpus=$build/corpus/$name
    mkdir -p "$corpus"
    seeds=()
    [ -d "$root/tests/fuzz/$name.seeds" ] && seeds=("$root/tests/fuzz/$name.seeds")
    dict=()
    [ -f "$root/tests/fuzz/$name.dict" ] && dict=(-dict="$root/tests/fuzz/$name.dict")
    echo "run_fuzzers: $name for ${t}s"
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" "${dict[@]}" \
        "$corpus" "${seeds[@]}" >"$build/$name.log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$build/$name.log" || true
        echo "run_fuzzers: $name: no crash ($(ls "$corpus" | wc -l) inputs in the corpus)"
    else
        tail -40 "$build/$name.log" >&2
        echo "run_fuzzers: $name: FAILED (see $build/$name.log and $build/artifacts/)" >&2
        status=1
    fi
done
exit $status
