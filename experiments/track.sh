#!/usr/bin/env bash
# experiments/track.sh - experiment 7: the safeguard's norm and the variants
# over a power-law gradient stream, with `jorge track` (every step measured
# against the exact roots).  One stream (`jorge gen stream`), then
#   safeguard clip|spectral x order 2,3,8 x re-anchoring off|K
#   and the corrected variant (clip and spectral, order 2),
# left side, in three firing regimes (eps relative to s = ||G_1||_F^2/m:
# 0.01 s "always", 0.1 s "sometimes" - jorge track's default -, 1 s
# "rarely"; experiment 9's map), merged into one tidy CSV (the first run's
# provenance lines, one header, a `run` column naming the configuration,
# then `regime` and, last, jorge track's `failure`).
#
#   experiments/track.sh [--full] [--steps T] [--jorge BIN] --out FILE.csv
#
# Quick: m = 32, 8 columns, 200 steps, K = 20; --full: m = 64, 16 columns,
# 2000 steps, K = 100; --steps T: T steps instead (tests).  Exit status of
# `jorge track` 1 (some update gave NaN/Inf or a measurement broke down,
# recorded in the CSV: columns nonfinite, failure) is accepted when the CSV
# was written; anything else fails.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jorge=$here/build/jorge
out=""
full=0
steps_arg=""
while [ $# -gt 0 ]; do
    case $1 in
    --full) full=1 ;;
    --jorge) jorge=$2; shift ;;
    --steps) steps_arg=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "track.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$out" ] || { echo "track.sh: --out FILE.csv is required" >&2; exit 2; }
[ -x "$jorge" ] || { echo "track.sh: $jorge: not built" >&2; exit 2; }
if [ $full = 1 ]; then m=64 cols=16 steps=2000 K=100; else m=32 cols=8 steps=200 K=20; fi
if [ -n "$steps_arg" ]; then
    [[ $steps_arg =~ ^[1-9][0-9]*$ ]] || { echo "track.sh: --steps $steps_arg: a positive integer is needed" >&2; exit 2; }
    steps=$steps_arg
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jg_track.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$jorge" gen stream --spectrum power --m $m --cols $cols --steps $steps --seed 1 --out "$tmp/s.npy" >/dev/null

regimes=(always:0.01 sometimes:0.1 rarely:1)
runs=()
for sg in clip spectral; do
    for k in 2 3 8; do
        for r in 0 $K; do runs+=("$sg:$k:$r:plain"); done
    done
    runs+=("$sg:2:0:corrected")
done
i=0
names=()
rnames=()
for reg in "${regimes[@]}"; do
    IFS=: read -r rname reps <<<"$reg"
    for spec in "${runs[@]}"; do
        IFS=: read -r sg k r v <<<"$spec"
        rc=0
        "$jorge" track --sides left --safeguard "$sg" --order "$k" --reanchor "$r" --variant "$v" \
            --eps-mode rel --eps "$reps" --every 1 --out "$tmp/r$i.csv" "$tmp/s.npy" >/dev/null || rc=$?
        [ $rc -le 1 ] && [ -s "$tmp/r$i.csv" ] ||
            { echo "track.sh: jorge track failed for $spec, eps $reps s (exit $rc, no CSV)" >&2; exit 1; }
        names+=("$spec")
        rnames+=("$rname")
        i=$((i + 1))
    done
done

# merge: provenance of the first run, one header with a leading run column
{
    grep '^#' "$tmp/r0.csv"
    echo "# params: stream=power m=$m cols=$cols T=$steps reanchor_K=$K runs=${runs[*]} regimes=${regimes[*]}"
    first=1
    for ((j = 0; j < i; j++)); do
        # jorge track's last column (failure) stays last: after regime
        grep -v '^#' "$tmp/r$j.csv" | awk -v run="${names[$j]}" -v reg="${rnames[$j]}" -v first=$first '
            { f = $0; sub(/.*,/, "", f); sub(/,[^,]*$/, "") }
            NR == 1 { if (first) print "run," $0 ",regime," f; next } { print run "," $0 "," reg "," f }'
        first=0
    done
} >"$tmp/merged.csv"
mv "$tmp/merged.csv" "$out"
