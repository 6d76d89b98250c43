#!/usr/bin/env bash
# test_gpu_check.sh JORGE TMPDIR - cuda/gpu_check.sh, the one-command GPU
# check, where no GPU is needed (not labelled cuda: gpu_check.sh runs the
# cuda tests, and must not run itself):
#  - without a GPU it exits 2 with its "no GPU" line and its table within
#    seconds, building nothing (skipped where nvidia-smi lists a GPU);
#  - a driver older than the toolkit, or an nvidia-smi that cannot talk to
#    the driver, exits 4 before anything is built (a fake nvidia-smi);
#  - its shared deadline holds: with every step hanging (budget 8 s) it
#    ends with exit 3 within the budget, and with only the benchmark
#    hanging (budget 14 s) the earlier steps run, the benchmark is killed
#    at the deadline, and the table is printed with exit 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
check=$here/../cuda/gpu_check.sh
tmp=$2
rm -rf "$tmp"
mkdir -p "$tmp/bin"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# run NAME EXPECTED_RC MAX_SECONDS [ENV=VAL ...]: run the check, time it
run() {
    local name=$1 want=$2 max=$3
    shift 3
    local t0 t1 rc
    t0=$(date +%s)
    env "$@" OUT_DIR="$tmp/$name" bash "$check" >"$tmp/$name.out" 2>&1
    rc=$?
    t1=$(date +%s)
    echo "$name: exit $rc in $((t1 - t0)) s"
    [ "$rc" -eq "$want" ] || bad "$name: exit $rc, want $want: $(tail -5 "$tmp/$name.out")"
    [ $((t1 - t0)) -le "$max" ] || bad "$name: took $((t1 - t0)) s, more than $max s"
    grep -q '^total ' "$tmp/$name/gpu_summary.txt" 2>/dev/null ||
        bad "$name: no table (gpu_summary.txt without its total line)"
}

# no GPU (the real nvidia-smi, or none)
gpus=0
command -v nvidia-smi >/dev/null 2>&1 && gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
if [ "$gpus" -eq 0 ]; then
    run nogpu 2 5 PATH="$PATH"
    grep -q 'no GPU: nvidia-smi' "$tmp/nogpu.out" || bad "nogpu: no 'no GPU' line: $(cat "$tmp/nogpu.out")"
    [ ! -e "$tmp/nogpu/gpu_build.log" ] || [ ! -s "$tmp/nogpu/gpu_build.log" ] || bad "nogpu: built something"
else
    echo "nogpu: skipped, nvidia-smi lists $gpus GPU(s) here"
fi

# a fake nvidia-smi: an H200 whose driver supports CUDA 12.4, or a broken one
cat >"$tmp/bin/nvidia-smi" <<'SMI'
#!/bin/sh
[ "$FAKE_SMI" = broken ] && { echo "Failed to initialize NVML: Driver/library version mismatch"; exit 18; }
case "$*" in
*--query-gpu*) echo "NVIDIA H200, 143771 MiB, 550.54.15" ;;
*) echo "| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4 |" ;;
esac
SMI
chmod +x "$tmp/bin/nvidia-smi"
nvcc_ok=0
{ command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; } && nvcc_ok=1
if [ "$nvcc_ok" -eq 1 ] && { nvcc --version 2>/dev/null || /usr/local/cuda/bin/nvcc --version; } | grep -qE 'release (1[3-9]|[2-9][0-9])\.'; then
    run olddriver 4 10 FAKE_SMI=old PATH="$tmp/bin:$PATH"
    grep -q 'supports CUDA 12.4, older than the toolkit' "$tmp/olddriver.out" ||
        bad "olddriver: no message naming both versions: $(cat "$tmp/olddriver.out")"
else
    echo "olddriver: skipped, no nvcc of CUDA 13 or later here"
fi
run brokensmi 4 5 FAKE_SMI=broken PATH="$tmp/bin:$PATH"
grep -q 'Driver/library version mismatch' "$tmp/brokensmi/gpu_summary.txt" ||
    bad "brokensmi: the table does not say why"

# the deadline
run hang 3 9 GPU_CHECK_SIMULATE=hang GPU_CHECK_BUDGET=8 GPU_CHECK_RESERVE=2
grep -q 'configure failed (exit 124)' "$tmp/hang/gpu_summary.txt" || bad "hang: configure not timed out"
run slowbench 1 15 GPU_CHECK_SIMULATE=slowbench GPU_CHECK_BUDGET=14 GPU_CHECK_RESERVE=2
grep -q '^benchmark  *TIMED OUT' "$tmp/slowbench/gpu_summary.txt" || bad "slowbench: benchmark not timed out"
grep -q '^build ' "$tmp/slowbench/gpu_summary.txt" || bad "slowbench: the build step did not run"

[ "$fail" -eq 0 ] && echo "test_gpu_check: passed"
exit "$fail"
