#!/usr/bin/env bash
# ./test.sh - the whole test suite, from a fresh machine: installs what is
# missing (the toolkit's packages and, for the Python package's capture
# hook, python3-torch), builds (build/), runs every test under ctest, then rebuilds with
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs the
# suite again, then runs each libFuzzer target (tests/run_fuzzers.sh, clang)
# for JG_FUZZ_SECONDS seconds (default 60); any crash, leak or sanitizer
# report fails.  The Release pass also runs the numerical modules on
# OpenBLAS's generic kernels (OPENBLAS_CORETYPE=Prescott; label prescott).  GPU tests skip, saying so, when no GPU is present.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$JG_ROOT"

jg_install_packages $JG_TEST_PACKAGES
jg_build build
(cd build && ctest --output-on-failure -j 2)

jg_log "sanitizers: AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer"
jg_build build-asan -DCMAKE_BUILD_TYPE=Debug -DJG_SANITIZE=address,undefined -DJG_CUDA=OFF
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j 2 -LE 'slow|prescott')

jg_log "fuzzing: each libFuzzer target for ${JG_FUZZ_SECONDS:-its own time (220 s in all)}${JG_FUZZ_SECONDS:+s} (ASan + UBSan + LeakSanitizer)"
bash "$JG_ROOT/tests/run_fuzzers.sh" ${JG_FUZZ_SECONDS:+"$JG_FUZZ_SECONDS"}
