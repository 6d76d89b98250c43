#!/usr/bin/env bash
# test_npy_numpy.sh JORGE TMPDIR - .npy interoperability with NumPy, both
# ways: NumPy writes (versions 1.0, 2.0, 3.0; C and Fortran order; f4/f8;
# 1-D, 2-D, 3-D), tool_npy_copy reads with the toolkit and writes a copy,
# NumPy reads the copy and compares exactly.  The tool's shape, dtype, XOR
# of bit patterns and one element at a NumPy index are checked against
# NumPy's own view of the original (so a layout error cannot cancel out).
# Skips (77) when /usr/bin/python3 has no numpy.
set -euo pipefail
jorge=${1:?usage: test_npy_numpy.sh JORGE TMPDIR}
tmp=${2:?usage: test_npy_numpy.sh JORGE TMPDIR}
tool=${JG_NPY_TOOL:-$(dirname "$jorge")/tests/tool_npy_copy}
py=/usr/bin/python3
if [ ! -x "$py" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 with numpy is not available (apt-get install python3-numpy)"
    exit 77
fi
[ -x "$tool" ] || { echo "FAIL: test helper not found: $tool (set JG_NPY_TOOL)"; exit 1; }
rm -rf "$tmp" && mkdir -p "$tmp"

"$py" - "$tool" "$tmp" <<'PY'
import subprocess, sys
import numpy as np
tool, tmp = sys.argv[1], sys.argv[2]
fmt = np.lib.format
rng = np.random.default_rng(1234)
fails = 0
checks = 0

def check(cond, what):
    global fails, checks
    checks += 1
    if not cond:
        fails += 1
        print("FAIL:", what)

shapes = [(7,), (5, 3), (3, 4, 2), (1, 2, 3), (4, 4)]
for version in [(1, 0), (2, 0), (3, 0)]:
    for dt in ['<f4', '<f8']:
        for order in 'CF':
            for shape in shapes:
                a = np.asarray(rng.standard_normal(shape), dtype=dt, order=order)
                src = f"{tmp}/in.npy"
                dst = f"{tmp}/out.npy"
                with open(src, 'wb') as f:
                    fmt.write_array(f, a, version=version)
                idx = tuple(s - 1 - (k % s) for k, s in enumerate(shape))  # not the corner only
                name = f"v{version[0]} {dt} {order} {shape}"
                r = subprocess.run([tool, src, dst] + [str(i) for i in idx],
                                   capture_output=True, text=True)
                check(r.returncode == 0, f"{name}: tool exit {r.returncode}: {r.stderr.strip()}")
                if r.returncode != 0:
                    continue
                lines = r.stdout.split()
                info = dict(w.split('=', 1) for w in lines)
                u = np.uint32 if dt == '<f4' else np.uint64
                x = int(np.bitwise_xor.reduce(np.ascontiguousarray(a).view(u).ravel()))
                check(info['ndim'] == str(a.ndim), f"{name}: ndim {info['ndim']}")
                check(info['shape'] == ','.join(map(str, shape)), f"{name}: shape {info['shape']}")
                check(info['dtype'] == ('f32' if dt == '<f4' else 'f64'), f"{name}: dtype {info['dtype']}")
                check(int(info['xor'], 16) == x, f"{name}: xor {info['xor']} != {x:x}")
                check(float(info.get('value', 'nan')) == float(a[idx]),
                      f"{name}: value at {idx} {info.get('value')} != {float(a[idx])!r}")
                # NumPy reads the toolkit's copy: same values, same dtype
                b = np.load(dst)
                check(b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b),
                      f"{name}: copy differs (dtype {b.dtype}, shape {b.shape})")
                with open(dst, 'rb') as f:
                    ver = fmt.read_magic(f)
                    hdr = fmt.read_array_header_1_0(f) if ver == (1, 0) else fmt.read_array_header_2_0(f)
                    off = f.tell()
                check(ver == (1, 0), f"{name}: copy has version {ver}")
                check(off % 64 == 0, f"{name}: copy's data starts at {off}")
                if a.ndim == 2:
                    check(hdr[1] is True, f"{name}: 2-D copy not fortran_order")
                if a.ndim == 3:
                    check(hdr[1] is False, f"{name}: 3-D copy not C order")

# what NumPy writes but the toolkit refuses: a one-line message naming the file
for dt, phrase in [('<i4', 'int32'), ('>f8', 'big-endian float64'), ('<c8', 'complex64')]:
    src = f"{tmp}/bad.npy"
    np.save(src, np.zeros((3, 3), dtype=dt))
    r = subprocess.run([tool, src, f"{tmp}/never.npy"], capture_output=True, text=True)
    msg = r.stderr.strip()
    check(r.returncode == 2 and msg.startswith(f"tool_npy_copy: {src}: ") and phrase in msg
          and '\n' not in msg, f"{dt}: exit {r.returncode}, message {msg!r}")
    import os
    check(not os.path.exists(f"{tmp}/never.npy"), f"{dt}: output written after a failed load")
a = np.ones((2, 2)); a[1, 0] = np.nan
np.save(f"{tmp}/nan.npy", a)
r = subprocess.run([tool, f"{tmp}/nan.npy", f"{tmp}/never.npy"], capture_output=True, text=True)
check(r.returncode == 2 and "NaN at index (1, 0)" in r.stderr, f"nan: {r.stderr.strip()!r}")

print(f"test_npy_numpy: {checks - fails} passed, {fails} failed (numpy {np.__version__})")
sys.exit(1 if fails or checks == 0 else 0)
PY
