#!/usr/bin/env bash
# test_hostile_memory.sh JORGE TMPDIR - each command's memory estimate
# (what its preflight checks: the resident program and libraries, the
# command's estimate of its allocations, the BLAS buffers) lies within a
# factor 1.5 of the peak it reaches (getrusage ru_maxrss), both printed at
# exit under JG_MEM_REPORT=1.  Sizes are chosen so that the data are a
# good part of the peak (tens to hundreds of MiB).  Skips (77) without
# /usr/bin/python3 and NumPy (used to cut one matrix out of a stream).
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/../lib.sh"
need_numpy
if [ -n "${JG_MEMORY_SKIP:-}" ]; then echo "SKIP: $JG_MEMORY_SKIP"; exit 77; fi
rm -rf "$TMP" && mkdir -p "$TMP" && cd "$TMP" || exit 1
export JG_MEM_REPORT=1
within() { # command...: the estimate within 1.5x of the peak
    "$JORGE" "$@" >out.txt 2>err.txt
    local rc=$?
    [ $rc -le 1 ] || { bad "$*: exit $rc: $(grep -v memory: err.txt | tail -1)"; return; } # 1: a FAIL verdict
    line=$(grep "memory: estimated" err.txt)
    [ -n "$line" ] || { bad "$*: no memory report"; return; }
    echo "$line" | awk '{ p = $8; r = $14 + 0; c = $16 + 0; b = $18 + 0; x = (r + c) / p
                          printf "%s resident %.0f + estimate %.0f MiB (+ %.0f MiB allowance), peak %.0f MiB, ratio %.2f\n",
                                 $2, r / 2^20, c / 2^20, b / 2^20, p / 2^20, x
                          exit !(x <= 1.5 && x >= 1 / 1.5 && r + c + b >= p) }' && ok || bad "$*: $line"
}
within gen stream --m 320 --cols 160 --steps 60 --out m.npy
within track --every 20 --out t.csv m.npy
within validate --no-suggest --steps 20 --every 10 m.npy
within compare --no-time --methods jorge --steps 30 --every 10 --out c.csv m.npy
within gen spd --n 1500 --out s.npy
within invroot s.npy r.npy
"$JORGE" gen stream --m 800 --cols 400 --steps 1 --out g1.npy >/dev/null 2>&1
"$PY" -c "import numpy as np; np.save('g.npy', np.load('g1.npy')[0])" || bad "numpy"
within step init g.npy st.npy
within step st.npy g.npy st2.npy
within bench --sizes 384 --repeats 1 --no-sweep --no-methods --out b.csv
finish test_hostile_memory
