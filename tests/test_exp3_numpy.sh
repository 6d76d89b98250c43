#!/usr/bin/env bash
# test_exp3_numpy.sh JORGE TMPDIR - experiment 3 (error-time) against an
# independent NumPy re-computation of the same recurrence and exact roots
# (tests/exp3_recompute.py), on a small generated stream fed through
# --input.  Skips (77) without /usr/bin/python3 + numpy.
set -euo pipefail
jorge=$1
tmp=$2
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c "import numpy" 2>/dev/null || { echo "SKIP: no /usr/bin/python3 with numpy"; exit 77; }
rm -rf "$tmp" && mkdir -p "$tmp"
"$jorge" gen stream --m 8 --cols 4 --steps 40 --spectrum power --kappa 100 --seed 3 --out "$tmp/s.npy"
"$jorge" experiment error-time --input "$tmp/s.npy" --steps 40 --progress off --out "$tmp/e3.csv"
grep -q '^# commit: ' "$tmp/e3.csv"
grep -q '^dtype,beta2,order,init,step,err_tracked,err_nominal' "$tmp/e3.csv"
"$py" "$here/exp3_recompute.py" "$tmp/s.npy" "$tmp/e3.csv"
# no partial output on failure: a missing input leaves no CSV behind
if "$jorge" experiment error-time --input "$tmp/missing.npy" --out "$tmp/bad.csv" 2>"$tmp/err"; then
    echo "FAIL: missing input accepted"; exit 1
fi
[ ! -e "$tmp/bad.csv" ] || { echo "FAIL: partial output left"; exit 1; }
ls "$tmp" | grep -q 'tmp\.' && { echo "FAIL: temporary file left"; exit 1; }
echo "test_exp3_numpy: ok"
