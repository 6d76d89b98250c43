#!/usr/bin/env bash
# peer_bench.sh [--quick] OUTDIR - our speed beside a pip user's, in one run:
# sets up the peer (NumPy and threadpoolctl from PyPI, in a virtual
# environment under build/peer-venv, not Debian's NumPy, which shares our
# OpenBLAS), then runs experiments/peer_bench.py (rounds alternating our
# `jorge bench` and the peer), writing OUTDIR/data/peer_bench.csv and
# OUTDIR/figures/peer_bench.{png,pdf}.  --quick: n = 256, 512, 1024 in f32
# only, one round (a couple of minutes on 2 cores); default: n = 256 ...
# 2048, f32 and f64, two rounds.  Without network the peer cannot be
# installed: it says so and exits 0 (nothing written), so the main job goes
# on.  PEER_BENCH_ARGS adds arguments to peer_bench.py.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
[ $# = 1 ] || { echo "usage: experiments/peer_bench.sh [--quick] OUTDIR" >&2; exit 2; }
out=$1
venv=$ROOT/build/peer-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import numpy, threadpoolctl' 2>/dev/null; then
    echo "[jorge] peer: NumPy + threadpoolctl from PyPI into $venv" >&2
    if ! { /usr/bin/python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check numpy threadpoolctl; } >"$ROOT/build/peer-venv.log" 2>&1; then
        echo "[jorge] peer: could not install NumPy from PyPI (see build/peer-venv.log): peer benchmark skipped" >&2
        exit 0
    fi
fi
mkdir -p "$out/data" "$out/figures"
if [ $quick = 1 ]; then
    set -- --sizes 256,512,1024 --precision f32 --rounds 1
else
    set -- --sizes 256,512,1024,2048 --precision f32,f64 --rounds 2
fi
# shellcheck disable=SC2086
"$venv/bin/python" "$ROOT/experiments/peer_bench.py" --jorge "$ROOT/build/jorge" --out "$out/data/peer_bench.csv" \
    "$@" ${PEER_BENCH_ARGS:-}
cd "$ROOT" && gnuplot -e "data='$out/data/peer_bench.csv'; out='$out/figures/peer_bench'" plots/peer_bench.gp
echo "[jorge] peer: $out/data/peer_bench.csv, $out/figures/peer_bench.png" >&2
