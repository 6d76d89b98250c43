#!/usr/bin/env bash
# paper/publish_full.sh [DIR] - keep the training study's full protocol in
# the repository: copies what experiments/convergence.sh --full wrote in DIR
# (default results/full/convergence) into paper/measured/convergence_full/,
# where the report's section on the full protocol reads it
# (paper/gen_numbers.py: sec_training_full) whatever results/<mode> the
# report is built from.  The protocol takes hours on a 2-core CPU, so it is
# measured once, published with this script and committed; the summary
# CSVs name the command, commit, data and seeds of their runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../results/full/convergence}
dst=$here/measured/convergence_full
tables="convergence_summary.csv ablation_summary.csv paired.csv convergence_table.md tune/tuning.md tune/tune.csv"
figures="convergence.png convergence.pdf convergence_ablation.png convergence_ablation.pdf"
for f in $tables $figures; do
    [ -s "$src/$f" ] || { echo "publish_full.sh: $src/$f: missing (run experiments/convergence.sh --full first)" >&2; exit 2; }
done
grep -q "^# experiments/convergence.sh (full," "$src/convergence_summary.csv" ||
    { echo "publish_full.sh: $src is not a --full run" >&2; exit 2; }
tmp=$(mktemp -d "$here/measured/.publish.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/curves"
for f in $tables; do cp "$src/$f" "$tmp/"; done
# the thread measurement exists only when an f32 ablation ran
[ ! -s "$src/threads.csv" ] || cp "$src/threads.csv" "$tmp/"
cp "$src"/curves/*.csv "$tmp/curves/"
# figure names of their own, so that \graphicspath finds them beside results/<mode>/figures
for f in $figures; do cp "$src/$f" "$tmp/full_$f"; done
rm -rf "$dst"
mv "$tmp" "$dst"
trap - EXIT
echo "publish_full.sh: $src -> $dst" >&2
