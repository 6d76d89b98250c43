#!/usr/bin/env bash
# measure_machine.sh [OUTDIR] - measure this machine for the README: `jorge
# bench --sizes 256,512,1024,2048 --precision both` and the peer benchmark
# (experiments/peer_bench.sh, full: f32 and f64, two rounds), into OUTDIR
# (default paper/measured/machine/, committed), with `jorge info`; then
# regenerates README.md's "Measured on this machine" block from them
# (experiments/readme_tables.py).  About 15 minutes on 2 cores; run it on a
# machine otherwise idle.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$ROOT/paper/measured/machine}
mkdir -p "$out"
"$ROOT/build/jorge" info >"$out/info.txt"
"$ROOT/build/jorge" bench --sizes 256,512,1024,2048 --precision both --out "$out/bench.csv" | tee "$out/bench.txt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ROOT/experiments/peer_bench.sh" "$tmp"
cp "$tmp/data/peer_bench.csv" "$out/peer_bench.csv"
python3 "$ROOT/experiments/readme_tables.py" --dir "$out" --readme "$ROOT/README.md"
echo "measure_machine: $out and README.md's measured block" >&2
