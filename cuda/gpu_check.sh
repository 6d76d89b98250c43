#!/usr/bin/env bash
# cuda/gpu_check.sh - the GPU check, prepared to run unattended on a machine
# with an NVIDIA GPU (written for one H200) in well under 8 minutes:
#   1. names the GPU (nvidia-smi),
#   2. configures build-gpu/ for sm_90 only (-DJG_CUDA=ON, fails without a
#      toolkit) and builds it,
#   3. runs `ctest -L cuda`; on a machine whose nvidia-smi lists a GPU a
#      skipped cuda test is a failure,
#   4. runs `jorge bench --backend cuda` when that command exists, writing
#      $OUT_DIR/gpu_bench.csv (OUT_DIR defaults to $OUT, else build-gpu/out),
#      and `jorge compare --backend cuda` (every method; float64 errors
#      checked against the CPU backend; f32/TF32/bf16 compute types),
#   5. prints a short table.
# Exit: 0 all passed; 1 a test or the benchmark failed; 2 no GPU here (the
# build and the skipping tests still ran); 3 configure or build failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=$ROOT/build-gpu
OUT_DIR=${OUT_DIR:-${OUT:-$B/out}}
mkdir -p "$OUT_DIR"
JOBS=$(nproc 2>/dev/null || echo 2)
T0=$(date +%s)
say() { printf '[gpu_check %3ds] %s\n' $(($(date +%s) - T0)) "$*"; }

# ---------------------------------------------------------------- 1. the GPU
GPU_NAME=""
if command -v nvidia-smi >/dev/null 2>&1; then
    GPU_NAME=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)
fi
if [ -n "$GPU_NAME" ]; then
    say "GPU: $GPU_NAME"
else
    say "no GPU: nvidia-smi $(command -v nvidia-smi >/dev/null 2>&1 && echo 'lists none' || echo 'not found')"
fi

# ---------------------------------------------------------------- 2. build
# A bare device machine may lack the CPU-side build dependencies and cannot
# reach a package mirror: .deb files carried in .debs/ (fetch them where
# apt works with `apt-get download`) are installed first when we are root.
missing=()
for tool in cmake cc g++; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ] || missing+=(nvcc)
for hdr in lapacke.h cblas.h; do
    find /usr/include /usr/local/include -name "$hdr" 2>/dev/null | grep -q . || missing+=("$hdr")
done
if [ ${#missing[@]} -gt 0 ] && compgen -G "$ROOT/.debs/*.deb" >/dev/null && [ "$(id -u)" = 0 ]; then
    say "missing ${missing[*]}: installing $(ls "$ROOT"/.debs/*.deb | wc -l) carried .deb files"
    dpkg -i "$ROOT"/.debs/*.deb >"$B.dpkg.log" 2>&1 || say "dpkg reported problems (log: $B.dpkg.log)"
    missing=()
    for tool in cmake cc; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "FAIL: cannot build here, missing: ${missing[*]} (Debian: cmake gcc g++ libopenblas-dev liblapacke-dev zlib1g-dev)"
    exit 3
fi
say "configure build-gpu/ (JG_CUDA=ON, sm_90)"
if ! timeout 120 cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Release -DJG_CUDA=ON \
        -DJG_CUDA_ARCHITECTURES=90 >"$B.configure.log" 2>&1; then
    tail -20 "$B.configure.log"
    say "FAIL: configure (log: $B.configure.log)"
    exit 3
fi
grep -E '^-- jorge:' "$B.configure.log"
TB=$(date +%s)
if ! timeout 240 cmake --build "$B" -j "$JOBS" >"$B.build.log" 2>&1; then
    tail -40 "$B.build.log"
    say "FAIL: build (log: $B.build.log)"
    exit 3
fi
say "built in $(($(date +%s) - TB)) s with $JOBS jobs"
"$B/jorge" info --backend cuda 2>&1 | sed 's/^/    /'

# ---------------------------------------------------------------- 3. cuda tests
say "ctest -L cuda"
(cd "$B" && timeout 150 ctest -L cuda --output-on-failure --timeout 120) >"$OUT_DIR/gpu_ctest.log" 2>&1
CTEST_RC=$?
grep -E 'Test +#|tests passed|SKIP|FAIL' "$OUT_DIR/gpu_ctest.log" | head -40
STATUS=0
[ "$CTEST_RC" -eq 0 ] || { say "FAIL: ctest -L cuda exited $CTEST_RC"; STATUS=1; }
SKIPPED=$(grep -c '\*\*\*Skipped' "$OUT_DIR/gpu_ctest.log")
if [ -n "$GPU_NAME" ] && [ "$SKIPPED" -gt 0 ]; then
    say "FAIL: $SKIPPED cuda test(s) skipped although nvidia-smi shows $GPU_NAME"
    STATUS=1
fi

# ---------------------------------------------------------------- 4. benchmark
BENCH="not built"
if [ -z "$GPU_NAME" ]; then
    BENCH="not run (no GPU)"
elif "$B/jorge" bench --help >/dev/null 2>&1; then
    BENCH_ARGS="--backend cuda --sizes 1024,2048,4096,8192 --precision both --repeats 5 --budget 1 --max-order 2"
    say "jorge bench $BENCH_ARGS"
    # shellcheck disable=SC2086
    if timeout 330 "$B/jorge" bench $BENCH_ARGS \
            --out "$OUT_DIR/gpu_bench.csv" >"$OUT_DIR/gpu_bench.log" 2>&1; then
        BENCH="ok: $OUT_DIR/gpu_bench.csv"
    else
        BENCH="FAILED (exit $?; log $OUT_DIR/gpu_bench.log)"
        tail -20 "$OUT_DIR/gpu_bench.log"
        STATUS=1
    fi
else
    say "the benchmark is not built (build-gpu/jorge bench --help failed): skipping it"
fi

# ---------------------------------------------------------------- 4b. compare
# `jorge compare --backend cuda`: every method x budget, float64 beside the
# CPU backend on the same stream (errors must agree), and float32 / TF32 /
# bf16 (cublasGemmEx compute types) timed on the GPU.
COMPARE="not run (no GPU)"
if [ -n "$GPU_NAME" ] && "$B/jorge" compare --help >/dev/null 2>&1; then
    say "jorge compare --backend cuda (128 x 64 stream, 50 steps)"
    "$B/jorge" gen stream --m 128 --cols 64 --steps 50 --seed 3 --out "$B/cmp_stream.npy" >/dev/null
    if timeout 150 "$B/jorge" compare --backend cuda --sides left --precision f64,f32,tf32,bf16 \
            --out "$OUT_DIR/gpu_compare.csv" "$B/cmp_stream.npy" >"$OUT_DIR/gpu_compare.log" 2>&1 &&
       timeout 150 "$B/jorge" compare --backend cpu --sides left --precision f64 --no-time \
            --out "$B/cpu_compare.csv" "$B/cmp_stream.npy" >/dev/null 2>&1; then
        # float64 rows: the error of every method but newton-warm (whose runs may end a step apart) within 1e-6 relative
        if awk -F, '!/^#/ && $1 != "method" && $8 == "f64" { k = $1 "," $4; if (FILENAME ~ /cpu_/) c[k] = $20; else g[k] = $20 }
                END { bad = 0; for (k in c) { d = c[k] - g[k]; if (d < 0) d = -d; r = d / (c[k] > 1e-300 ? c[k] : 1);
                      if (k !~ /^newton-warm/ && r > 1e-6 && d > 1e-12) { print "  differs: " k " cpu " c[k] " cuda " g[k]; bad = 1 } }
                      exit bad }' "$B/cpu_compare.csv" "$OUT_DIR/gpu_compare.csv"; then
            COMPARE="ok: $OUT_DIR/gpu_compare.csv (float64 errors agree with the CPU)"
        else
            COMPARE="FAILED: float64 errors differ from the CPU backend"
            STATUS=1
        fi
    else
        COMPARE="FAILED (log $OUT_DIR/gpu_compare.log)"
        tail -20 "$OUT_DIR/gpu_compare.log"
        STATUS=1
    fi
fi

# ---------------------------------------------------------------- 5. table
echo
printf '%-22s %s\n' "GPU" "${GPU_NAME:-none}"
printf '%-22s %s\n' "build" "build-gpu/ (sm_90, Release)"
sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([A-Za-z0-9_]+) [. ]*(\**[A-Za-z]+[A-Za-z ]*) +([0-9.]+) sec.*/\1 \2 \3/p' \
    "$OUT_DIR/gpu_ctest.log" | while read -r name res secs; do
    printf '%-22s %-10s %6s s\n' "$name" "${res#\*\*\*}" "$secs"
done
printf '%-22s %s\n' "benchmark" "$BENCH"
printf '%-22s %s\n' "compare" "$COMPARE"
[ -f "$OUT_DIR/gpu_compare.log" ] && grep -E "front|cheapest" "$OUT_DIR/gpu_compare.log" | head -40
if [ -f "$OUT_DIR/gpu_bench.csv" ] && [ "${BENCH#ok}" != "$BENCH" ]; then
    # the benchmark's own table: GEMM rate, each method in GEMM-equivalents, eig / Jorge
    cat "$OUT_DIR/gpu_bench.log"
    awk -F, '!/^#/ && $3=="gemm" {printf "GEMM %s m=%s: %.1f TFLOP/s\n", $2, $4, $12/1000}' "$OUT_DIR/gpu_bench.csv"
fi
printf '%-22s %s s\n' "total" $(($(date +%s) - T0))
if [ -z "$GPU_NAME" ]; then
    say "no GPU on this machine: built and ran the cuda tests (they skip); nothing measured"
    exit 2
fi
[ "$STATUS" -eq 0 ] && say "PASS" || say "FAIL"
exit "$STATUS"
