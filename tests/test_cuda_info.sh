#!/usr/bin/env bash
# test_cuda_info.sh JORGE TMPDIR - `jorge info --backend cuda` where no
# device can be used (CUDA_VISIBLE_DEVICES=-1 hides every GPU) exits 2 with
# one line "jorge info: ..." naming the problem; without hiding, it exits 0
# and describes the device when nvidia-smi lists a GPU.
set -u
jorge=$1
tmp=$2
mkdir -p "$tmp"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$jorge" info >"$tmp/info.out" 2>"$tmp/info.err" || bad "jorge info exited $?"
compiled=$(sed -n 's/^backends compiled in: //p' "$tmp/info.out")
[ -n "$compiled" ] || bad "no 'backends compiled in' line: $(cat "$tmp/info.out")"

# hidden devices: exit 2, one line on stderr, nothing on the description line
CUDA_VISIBLE_DEVICES=-1 "$jorge" info --backend cuda >"$tmp/hid.out" 2>"$tmp/hid.err"
rc=$?
[ "$rc" -eq 2 ] || bad "info --backend cuda with no device exited $rc, want 2"
[ "$(wc -l <"$tmp/hid.err")" -eq 1 ] || bad "stderr is not one line: $(cat "$tmp/hid.err")"
case " $compiled " in
*" cuda "*) grep -q '^jorge info: no CUDA device: ..*' "$tmp/hid.err" ||
    bad "message does not name the problem: $(cat "$tmp/hid.err")" ;;
*) grep -q "^jorge info: backend 'cuda' is not compiled into this build" "$tmp/hid.err" ||
    bad "message does not say cuda is not built: $(cat "$tmp/hid.err")" ;;
esac
grep -q '^cuda:' "$tmp/hid.out" && bad "a device was described although none is visible"
echo "hidden devices: exit $rc: $(cat "$tmp/hid.err")"

# as the machine is
"$jorge" info --backend cuda >"$tmp/real.out" 2>"$tmp/real.err"
rc=$?
gpus=0
command -v nvidia-smi >/dev/null 2>&1 && gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
if [ "$gpus" -gt 0 ] && [[ " $compiled " == *" cuda "* ]]; then
    [ "$rc" -eq 0 ] || bad "nvidia-smi lists $gpus GPU(s) but info --backend cuda exited $rc: $(cat "$tmp/real.err")"
    grep -q '^cuda: device' "$tmp/real.out" || bad "no device description: $(cat "$tmp/real.out")"
elif [ "$rc" -eq 0 ]; then
    grep -q '^cuda: device' "$tmp/real.out" || bad "exit 0 without a device description"
else
    [ "$rc" -eq 2 ] || bad "info --backend cuda exited $rc, want 0 or 2"
    grep -q '^jorge info: ' "$tmp/real.err" || bad "no message: $(cat "$tmp/real.err")"
fi
echo "as is ($gpus GPU(s) per nvidia-smi): exit $rc: $(cat "$tmp/real.out" "$tmp/real.err" | tail -1)"
[ "$fail" -eq 0 ] && echo "test_cuda_info: passed"
exit "$fail"
