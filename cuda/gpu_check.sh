#!/usr/bin/env bash
# cuda/gpu_check.sh - the GPU check, for one unattended command on a bare
# machine with an NVIDIA GPU (written for the device tool's H200): it must
# print its table and exit within GPU_CHECK_BUDGET seconds (default 450,
# 7.5 min), inside the tool's 600 s per command and the session's 15 min.
#
#   0. GPU?  nvidia-smi lists none -> "no GPU", exit 2 within seconds.
#   1. driver: the CUDA version the driver supports (nvidia-smi) against
#      nvcc's; older major -> exit 4 before anything is built.
#   2. preflight: cmake >= 3.22, cc, c++, nvcc, lapacke.h, cblas.h, zlib.h,
#      libopenblas, liblapacke, libz.  What is missing is taken from .deb
#      files carried in .debs/ (unpacked into a private prefix with dpkg -x,
#      never installed into /); still missing -> exit 3 naming each one.
#   3. configure + build build-gpu/ for sm_90 (JG_CUDA=ON, fails without a
#      toolkit).
#   4. ctest -L cuda: with a GPU present a skipped cuda test is a failure.
#   5. `jorge compare` on the cuda backend (every method; float64 errors
#      checked against the cpu backend; f32 / TF32 / bf16 compute types).
#   5b. jorge bench --model resnet18 --max-dim 512 and 1024 on cuda (60 s
#      each at most; sequential blocks on the stream).
#   6. jorge bench --backend cuda with the time that is left: fewer sizes,
#      one precision, no Newton / no sweep as the remainder shrinks.
#   7. the table (also in $OUT_DIR/gpu_summary.txt).
#
# Time.  One deadline, T0 + BUDGET, is shared by every step: a step runs
# under `timeout -k 3 T` (which kills the step's whole process group) with
# T = min(its cap, deadline - now - RESERVE), and is skipped when T is
# below its minimum.  So a step that starts ends by deadline - RESERVE + 3 s
# (the kill grace), and the table after it takes well under RESERVE = 10 s.
# What runs before the first step is bounded on its own: nvidia-smi twice
# (20 s each), nvcc --version (20 s), unpacking the .debs (60 s): 120 s,
# less than any budget worth giving.  The script therefore ends within
# max(BUDGET, 120 s) + a few seconds: 450 s for the default, under the
# 540 s that the README gives the command and the tool's 600 s limit.
# tests/test_cuda_gpu_check.sh checks this with steps that never end
# (GPU_CHECK_SIMULATE=hang: every step; =slowbench: the benchmark only).
#
# Outputs go to OUT_DIR (default $OUT, else build-gpu/out), at most 8 files
# (what the device tool brings back): gpu_build.log (preflight, configure,
# build), gpu_ctest.log, gpu_compare.log, gpu_compare.csv, gpu_bench.log,
# gpu_bench.csv, gpu_summary.txt.
#
# Exit: 0 all passed; 1 a test, the comparison or the benchmark failed or
# ran out of time; 2 no GPU here; 3 a build dependency is missing, or
# configure / build failed (or ran out of time); 4 the driver is older than
# the toolkit, or nvidia-smi cannot talk to it.
#
# GPU_CHECK_SIMULATE=hang|slowbench (for the test only): pretend a GPU is
# present, skip the driver check and the preflight, and replace each step
# by a command that never ends (hang) or, but for the benchmark, by one that
# succeeds at once (slowbench), to show that the deadline holds.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
ROOT=$(pwd)
B=$ROOT/build-gpu
OUT_DIR=${OUT_DIR:-${OUT:-$B/out}}
mkdir -p "$OUT_DIR"
BUDGET=${GPU_CHECK_BUDGET:-450}
RESERVE=${GPU_CHECK_RESERVE:-10} # the test shortens it; see Time above
SIMULATE=${GPU_CHECK_SIMULATE:-}
JOBS=$(nproc 2>/dev/null || echo 2)
T0=$(date +%s)
DEADLINE=$((T0 + BUDGET))
SUMMARY=$OUT_DIR/gpu_summary.txt
BUILD_LOG=$OUT_DIR/gpu_build.log
: >"$SUMMARY"
: >"$BUILD_LOG"
say() { printf '[gpu_check %3ds] %s\n' $(($(date +%s) - T0)) "$*"; }
row() { printf '%-22s %s\n' "$1" "$2" | tee -a "$SUMMARY"; }

# run_step NAME CAP MIN LOG CMD... : CMD under the shared deadline, output
# to LOG; returns CMD's status, 124 when it timed out, 125 when skipped for
# lack of time.  STEP_T is the time it was given.
run_step() {
    local name=$1 cap=$2 min=$3 log=$4
    shift 4
    local left=$((DEADLINE - $(date +%s) - RESERVE))
    STEP_T=$((cap < left ? cap : left))
    if [ "$STEP_T" -lt "$min" ]; then
        say "$name: skipped, ${left}s left of the budget (needs ${min}s)"
        echo "$name: skipped, ${left}s left (needs ${min}s)" >>"$log"
        return 125
    fi
    say "$name (at most ${STEP_T}s)"
    case "$SIMULATE:$name" in
    hang:* | slowbench:benchmark) set -- sleep 100000 ;;
    slowbench:*) set -- true ;;
    esac
    timeout -k 3 "$STEP_T" "$@" >>"$log" 2>&1
}

finish() { # finish EXIT_CODE
    row "total" "$(($(date +%s) - T0)) s of a ${BUDGET} s budget"
    exit "$1"
}

# ---------------------------------------------------------------- 0. the GPU
GPU_NAME="" DRIVER="" DRIVER_CUDA=""
if [ -n "$SIMULATE" ]; then
    GPU_NAME="SIMULATED ($SIMULATE)"
elif command -v nvidia-smi >/dev/null 2>&1; then
    q=$(timeout 20 nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)
    if [[ $q =~ ^[^,]+,\ [0-9]+\ MiB,\ [0-9.]+$ ]]; then
        GPU_NAME=${q%,*}
        DRIVER=${q##*, }
        DRIVER_CUDA=$(timeout 20 nvidia-smi 2>/dev/null | sed -nE 's/.*CUDA Version: *([0-9]+\.[0-9]+).*/\1/p' | head -1)
    elif [ -n "$q" ] && [[ $q != *"No devices were found"* ]]; then
        # a GPU may be there, its driver is not usable (NVML mismatch, not loaded)
        say "FAIL: nvidia-smi: $q"
        row "GPU" "unknown: nvidia-smi says: $q"
        finish 4
    fi
fi
if [ -z "$GPU_NAME" ]; then
    why="nvidia-smi $(command -v nvidia-smi >/dev/null 2>&1 && echo 'lists none' || echo 'not found')"
    say "no GPU: $why; nothing built or measured"
    row "GPU" "none ($why)"
    finish 2
fi
say "GPU: $GPU_NAME, driver ${DRIVER:-?} (CUDA ${DRIVER_CUDA:-?})"
row "GPU" "$GPU_NAME"

# ---------------------------------------------------------------- 1. driver
NVCC=$(command -v nvcc 2>/dev/null || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; })
if [ -z "$SIMULATE" ]; then
    TOOLKIT=""
    [ -n "$NVCC" ] && TOOLKIT=$(timeout 20 "$NVCC" --version 2>/dev/null | sed -nE 's/.*release ([0-9]+\.[0-9]+).*/\1/p' | head -1)
    row "driver" "${DRIVER:-?}, supports CUDA ${DRIVER_CUDA:-?}; toolkit (nvcc) ${TOOLKIT:-none}"
    if [ -n "$TOOLKIT" ] && [ -n "$DRIVER_CUDA" ] && [ "${DRIVER_CUDA%%.*}" -lt "${TOOLKIT%%.*}" ]; then
        say "FAIL: the driver ($DRIVER) supports CUDA $DRIVER_CUDA, older than the toolkit's CUDA $TOOLKIT: nothing built"
        finish 4
    fi
fi

# ---------------------------------------------------------------- 2. preflight
# Each dependency is looked for in the system and in the prefix where the
# carried .debs are unpacked (their absolute symlinks re-pointed inside it).
PREFIX=/tmp/jg-gpu-deps
LIBDIR=$PREFIX/usr/lib/x86_64-linux-gnu
SYS_INC="/usr/include /usr/local/include /usr/include/x86_64-linux-gnu /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/openblas"
SYS_LIB="/usr/lib /usr/lib64 /usr/local/lib /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread /lib/x86_64-linux-gnu"
PRE_INC="$PREFIX/usr/include $PREFIX/usr/include/x86_64-linux-gnu/openblas-pthread"
PRE_LIB="$LIBDIR $LIBDIR/openblas-pthread"
have_file() { # have_file NAME DIRS...
    local n=$1 d
    shift
    for d in "$@"; do [ -e "$d/$n" ] && return 0; done
    return 1
}
missing_deps() {
    MISSING=()
    local t v
    for t in cc c++; do command -v "$t" >/dev/null 2>&1 || MISSING+=("$t (gcc g++)"); done
    [ -n "$NVCC" ] || MISSING+=("nvcc (CUDA toolkit)")
    if ! command -v cmake >/dev/null 2>&1; then
        MISSING+=("cmake >= 3.22")
    else
        v=$(cmake --version | sed -nE '1s/.* ([0-9]+)\.([0-9]+).*/\1 \2/p')
        set -- $v
        if [ "${1:-0}" -lt 3 ] || { [ "${1:-0}" -eq 3 ] && [ "${2:-0}" -lt 22 ]; }; then
            MISSING+=("cmake >= 3.22 (found $(cmake --version | head -1))")
        fi
    fi
    # shellcheck disable=SC2086
    have_file lapacke.h $SYS_INC $PRE_INC || MISSING+=("lapacke.h (liblapacke-dev)")
    # shellcheck disable=SC2086
    have_file cblas.h $SYS_INC $PRE_INC || MISSING+=("cblas.h (libopenblas-pthread-dev)")
    # shellcheck disable=SC2086
    have_file zlib.h $SYS_INC $PRE_INC || MISSING+=("zlib.h (zlib1g-dev)")
    # shellcheck disable=SC2086
    have_file libopenblas.so $SYS_LIB $PRE_LIB || have_file libblas.so $SYS_LIB $PRE_LIB ||
        MISSING+=("libopenblas.so or libblas.so (libopenblas0-pthread, libopenblas-pthread-dev, libgfortran5, libquadmath0)")
    # shellcheck disable=SC2086
    have_file liblapacke.so $SYS_LIB $PRE_LIB || MISSING+=("liblapacke.so (liblapacke, liblapacke-dev, libtmglib3)")
    # shellcheck disable=SC2086
    have_file libz.so $SYS_LIB $PRE_LIB || MISSING+=("libz.so (zlib1g, zlib1g-dev)")
}
USE_PREFIX=0
if [ -z "$SIMULATE" ]; then
    missing_deps
    if [ ${#MISSING[@]} -gt 0 ] && compgen -G "$ROOT/.debs/*.deb" >/dev/null; then
        say "missing: ${MISSING[*]}; unpacking $(ls "$ROOT"/.debs/*.deb | wc -l) carried .deb files into $PREFIX"
        mkdir -p "$PREFIX"
        timeout 60 bash -c 'for f in "$1"/.debs/*.deb; do dpkg -x "$f" "$2" || echo "dpkg -x $f failed"; done' \
            _ "$ROOT" "$PREFIX" >>"$BUILD_LOG" 2>&1 || say "unpacking the .debs failed or took over 60 s ($BUILD_LOG)"
        find "$PREFIX" -type l | while read -r l; do
            t=$(readlink "$l")
            case $t in /*) [ -e "$PREFIX$t" ] && ln -sfn "$PREFIX$t" "$l" ;; esac
        done
        USE_PREFIX=1
        missing_deps
    fi
    if [ ${#MISSING[@]} -gt 0 ]; then
        say "FAIL: cannot build here, missing:"
        printf '    %s\n' "${MISSING[@]}" | tee -a "$BUILD_LOG"
        say "carry them: here, 'mkdir -p .debs && cd .debs && apt-get download libopenblas0-pthread libopenblas-pthread-dev liblapacke liblapacke-dev libtmglib3 libgfortran5 libquadmath0 zlib1g zlib1g-dev', then run with carry [\".debs\"] (README: GPU)"
        row "build" "missing: ${MISSING[*]}"
        finish 3
    fi
fi
CMAKE_EXTRA=()
if [ "$USE_PREFIX" = 1 ]; then
    export LD_LIBRARY_PATH="$LIBDIR/openblas-pthread:$LIBDIR:$PREFIX/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    CMAKE_EXTRA=(-DBLA_VENDOR=OpenBLAS "-DCMAKE_LIBRARY_PATH=$LIBDIR/openblas-pthread;$LIBDIR"
                 "-DCMAKE_INCLUDE_PATH=$PREFIX/usr/include/x86_64-linux-gnu/openblas-pthread;$PREFIX/usr/include")
fi

# ---------------------------------------------------------------- 3. build
STATUS=0
run_step "configure build-gpu/ (JG_CUDA=ON, sm_90)" 90 5 "$BUILD_LOG" \
    cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Release -DJG_CUDA=ON -DJG_MPI=OFF \
    -DJG_CUDA_ARCHITECTURES=90 ${NVCC:+-DCMAKE_CUDA_COMPILER=$NVCC} "${CMAKE_EXTRA[@]}"
rc=$?
if [ "$rc" -ne 0 ]; then
    tail -20 "$BUILD_LOG"
    say "FAIL: configure (exit $rc; log $BUILD_LOG)"
    row "build" "configure failed (exit $rc)"
    finish 3
fi
grep -E '^-- jorge:' "$BUILD_LOG"
TB=$(date +%s)
run_step "build ($JOBS jobs)" 240 10 "$BUILD_LOG" cmake --build "$B" -j "$JOBS"
rc=$?
if [ "$rc" -ne 0 ]; then
    tail -40 "$BUILD_LOG"
    say "FAIL: build (exit $rc; log $BUILD_LOG)"
    row "build" "failed (exit $rc)"
    finish 3
fi
row "build" "build-gpu/ (sm_90, Release) in $(($(date +%s) - TB)) s"
[ -z "$SIMULATE" ] && "$B/jorge" info --backend cuda 2>&1 | sed 's/^/    /' | tee -a "$SUMMARY"

# ---------------------------------------------------------------- 4. cuda tests
CTEST_LOG=$OUT_DIR/gpu_ctest.log
: >"$CTEST_LOG"
run_step "ctest -L cuda" 180 10 "$CTEST_LOG" ctest --test-dir "$B" -L cuda --output-on-failure --timeout 150
CTEST_RC=$?
grep -E 'Test +#|tests passed|SKIP|FAIL' "$CTEST_LOG" | head -40
[ "$CTEST_RC" -eq 0 ] || { say "FAIL: ctest -L cuda exited $CTEST_RC"; STATUS=1; }
SKIPPED=$(grep -c '\*\*\*Skipped' "$CTEST_LOG")
if [ "$SKIPPED" -gt 0 ]; then
    say "FAIL: $SKIPPED cuda test(s) skipped although nvidia-smi shows $GPU_NAME"
    STATUS=1
fi
sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([A-Za-z0-9_]+) [. ]*(\**[A-Za-z]+[A-Za-z ]*) +([0-9.]+) sec.*/\1 \2 \3/p' \
    "$CTEST_LOG" | while read -r name res secs; do
    row "$name" "$(printf '%-10s %6s s' "${res#\*\*\*}" "$secs")"
done
[ "$CTEST_RC" -eq 124 ] && row "ctest" "TIMED OUT after ${STEP_T} s"
[ "$CTEST_RC" -eq 125 ] && row "ctest" "not run: out of time"

# ---------------------------------------------------------------- 5. jorge compare
# Every method x budget on a 128 x 64 stream (50 steps) on the cuda backend
# in float64, float32, TF32 and bf16 (cublasGemmEx compute types), and in
# float64 on the cpu backend: the float64 errors must agree (1e-6 relative;
# newton-warm is left out, as its runs may end a step apart under rounding).
if [ -x "$B/jorge" ] && "$B/jorge" compare --help >/dev/null 2>&1; then
    export JG_GC_B="$B" JG_GC_OUT="$OUT_DIR"
    run_step "jorge compare --backend cuda" 90 10 "$OUT_DIR/gpu_compare.log" bash -c '
        set -e
        "$JG_GC_B/jorge" gen stream --m 128 --cols 64 --steps 50 --seed 3 --out "$JG_GC_B/cmp_stream.npy" >/dev/null
        "$JG_GC_B/jorge" compare --backend cuda --sides left --precision f64,f32,tf32,bf16 \
            --out "$JG_GC_OUT/gpu_compare.csv" "$JG_GC_B/cmp_stream.npy"
        "$JG_GC_B/jorge" compare --backend cpu --sides left --precision f64 --no-time \
            --out "$JG_GC_B/cpu_compare.csv" "$JG_GC_B/cmp_stream.npy" >/dev/null
        awk -F, '"'"'!/^#/ && $1 != "method" && $8 == "f64" { k = $1 "," $4; if (FILENAME ~ /cpu_compare/) c[k] = $20; else g[k] = $20 }
            END { bad = 0; for (k in c) { d = c[k] - g[k]; if (d < 0) d = -d; r = d / (c[k] > 1e-300 ? c[k] : 1)
                  if (k !~ /^newton-warm/ && r > 1e-6 && d > 1e-12) { print "float64 error differs: " k " cpu " c[k] " cuda " g[k]; bad = 1 } }
                  if (!bad) print "float64 errors agree with the cpu backend"; exit bad }'"'"' \
            "$JG_GC_B/cpu_compare.csv" "$JG_GC_OUT/gpu_compare.csv"'
    rc=$?
    case $rc in
    0) row "compare" "ok: gpu_compare.csv (float64 errors agree with the cpu)"
       grep -E "front by|cheapest" "$OUT_DIR/gpu_compare.log" | head -24 | tee -a "$SUMMARY" ;;
    125) row "compare" "not run: out of time" ;;
    124) row "compare" "TIMED OUT after ${STEP_T} s (gpu_compare.log)"; STATUS=1 ;;
    *) row "compare" "FAILED (exit $rc; gpu_compare.log)"; tail -5 "$OUT_DIR/gpu_compare.log"; STATUS=1 ;;
    esac
else
    row "compare" "not in this build (jorge compare --help failed)"
fi

# ---------------------------------------------------------------- 5b. whole-model step
# The preconditioner step of every block of resnet18 at two block sizes
# (experiments/README_model.md) on the cuda backend: the blocks in order on
# the context's stream (no worker threads there), Jorge k = 1, 2 and Shampoo
# eig (Newton only with time to spare); 60 s cap each, skipped under 20 s.
for MD in 512 1024; do
    MODEL_ARGS="--backend cuda --model resnet18 --max-dim $MD --precision f32 --steps 3 --budget 2"
    left=$((DEADLINE - $(date +%s) - RESERVE))
    [ "$left" -lt 240 ] && MODEL_ARGS="$MODEL_ARGS --no-newton"
    if [ -x "$B/jorge" ] && ! "$B/jorge" bench --help 2>/dev/null | grep -q -- '--model' && [ -z "$SIMULATE" ]; then
        row "model step D=$MD" "not built (jorge bench has no --model)"
        continue
    fi
    run_step "model step D=$MD" 60 20 "$OUT_DIR/gpu_model_$MD.log" "$B/jorge" bench $MODEL_ARGS \
        --out "$OUT_DIR/gpu_model_$MD.csv"
    rc=$?
    case $rc in
    0) row "model step D=$MD" "ok: jorge bench $MODEL_ARGS"
       grep -E '^(jorge|eig|newton|break-even|GEMM sweep)' "$OUT_DIR/gpu_model_$MD.log" | tee -a "$SUMMARY" ;;
    125) row "model step D=$MD" "not run: out of time" ;;
    124) row "model step D=$MD" "TIMED OUT after ${STEP_T} s"; STATUS=1 ;;
    *) row "model step D=$MD" "FAILED (exit $rc; gpu_model_$MD.log)"; tail -5 "$OUT_DIR/gpu_model_$MD.log"; STATUS=1 ;;
    esac
done

# ---------------------------------------------------------------- 6. benchmark
# The benchmark gets what is left; the plans are sized from guesses (no GPU
# has run it yet), the deadline is what actually bounds it.
left=$((DEADLINE - $(date +%s) - RESERVE))
if [ "$left" -ge 200 ]; then
    BENCH_ARGS="--sizes 1024,2048,4096,8192 --precision both --max-order 2"
elif [ "$left" -ge 120 ]; then
    BENCH_ARGS="--sizes 1024,2048,4096 --precision both --max-order 2 --no-sweep --no-methods"
elif [ "$left" -ge 60 ]; then
    BENCH_ARGS="--sizes 1024,2048,4096 --precision f32 --max-order 2 --no-newton --no-sweep --no-methods"
else
    BENCH_ARGS="--sizes 1024,2048 --precision f32 --max-order 1 --no-newton --no-sweep --no-methods"
fi
BENCH_ARGS="--backend cuda $BENCH_ARGS --repeats 5 --budget 1"
if [ -x "$B/jorge" ] && ! "$B/jorge" bench --help >/dev/null 2>&1 && [ -z "$SIMULATE" ]; then
    row "benchmark" "not built (jorge bench --help failed)"
else
    say "jorge bench $BENCH_ARGS"
    # shellcheck disable=SC2086
    run_step "benchmark" 100000 10 "$OUT_DIR/gpu_bench.log" "$B/jorge" bench $BENCH_ARGS --out "$OUT_DIR/gpu_bench.csv"
    rc=$?
    case $rc in
    0) row "benchmark" "ok: jorge bench $BENCH_ARGS" ;;
    125) row "benchmark" "not run: out of time"; STATUS=1 ;;
    124) row "benchmark" "TIMED OUT after ${STEP_T} s (gpu_bench.log has the sizes done)"; STATUS=1 ;;
    *) row "benchmark" "FAILED (exit $rc; gpu_bench.log)"; tail -20 "$OUT_DIR/gpu_bench.log"; STATUS=1 ;;
    esac
    if [ "$rc" -eq 0 ] && [ -f "$OUT_DIR/gpu_bench.csv" ]; then
        # the benchmark's own table, then the GEMM rate of each size
        cat "$OUT_DIR/gpu_bench.log" | tee -a "$SUMMARY"
        awk -F, '!/^#/ && $3=="gemm" {printf "GEMM %s m=%s: %.1f TFLOP/s\n", $2, $4, $12/1000}' \
            "$OUT_DIR/gpu_bench.csv" | tee -a "$SUMMARY"
    fi
fi

# ---------------------------------------------------------------- 7. verdict
[ "$STATUS" -eq 0 ] && say "PASS" || say "FAIL"
finish "$STATUS"
