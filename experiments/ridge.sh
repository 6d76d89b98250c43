#!/usr/bin/env bash
# experiments/ridge.sh - the persistent ridge against the decaying start
# (issue 28): `jorge track` over one long gradient stream (both sides, every
# step's diagnostics, exact roots every --every steps) in each setting
#   decay-rel0.1   L_0 = 0.1 s I, decaying as beta^t (track's default)
#   decay-abs1e-6  L_0 = 1e-6 I (the C state's default)
#   ridge-rel0.01, ridge-rel0.1  rho = 0.01 s, 0.1 s (s = ||G_1||_F^2/dim)
#   ridge-lmax     rho = (a/8) lambda_max(G_1 G_1^T), a = (1-beta2)/beta2
# (the ridge settings keep L_0 = 0.1 s I as well), and one summary row per
# setting and side: firing rate over all steps and over the second half,
# final and median (second half) error against Shampoo's exact root of the
# same regularised statistic, final and median grafted direction error.
#
#   experiments/ridge.sh [--jorge BIN] [--steps T] [--sides both|left|right] --out SUMMARY.csv STREAM.npy
#
# (one side: no direction; its columns are NaN)
#
# The per-step CSVs are kept beside SUMMARY (SUMMARY without .csv, then
# _SETTING.csv).  Exit status of `jorge track` 1 (NaN/Inf recorded) is
# accepted; anything else fails.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jorge=$here/build/jorge
out="" steps=0 stream="" sides=both
while [ $# -gt 0 ]; do
    case $1 in
    --jorge) jorge=$2; shift ;;
    --steps) steps=$2; shift ;;
    --sides) sides=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "ridge.sh: unknown option $1" >&2; exit 2 ;;
    *) stream=$1 ;;
    esac
    shift
done
[ -n "$out" ] && [ -n "$stream" ] || { echo "ridge.sh: --out SUMMARY.csv and a STREAM.npy are required" >&2; exit 2; }
[ -f "$stream" ] || { echo "ridge.sh: $stream: no such file" >&2; exit 2; }
[ -x "$jorge" ] || { echo "ridge.sh: $jorge: not built" >&2; exit 2; }
base=${out%.csv}
settings="decay-rel0.1:--eps-mode rel --eps 0.1
decay-abs1e-6:--eps-mode abs --eps 1e-6
ridge-rel0.01:--eps-mode rel --eps 0.1 --ridge rel --ridge-eps 0.01
ridge-rel0.1:--eps-mode rel --eps 0.1 --ridge rel --ridge-eps 0.1
ridge-lmax:--eps-mode rel --eps 0.1 --ridge lambda-max"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
echo "setting,side,steps,fire_rate,fire_rate_second_half,err_final,err_median_second_half,dir_err_graft_final,dir_err_graft_median_second_half,ridge_abs,eps_abs" >"$tmp"
while IFS=: read -r name args; do
    # shellcheck disable=SC2086
    "$jorge" track $args --steps "$steps" --sides "$sides" --every 1 --out "${base}_$name.csv" "$stream" >/dev/null || [ $? = 1 ]
    /usr/bin/python3 - "${base}_$name.csv" "$name" >>"$tmp" <<'PYEOF'
import sys, csv, math, statistics
path, name = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(l for l in open(path) if not l.startswith("#")))
for side in ("left", "right"):
    r = [x for x in rows if x["side"] == side]
    if not r:
        continue
    T = len(r)
    h = r[T // 2:]
    fin = lambda k: float(r[-1][k])
    med = lambda k: statistics.median([float(x[k]) for x in h if not math.isnan(float(x[k]))] or [float("nan")])
    fired = sum(int(x["fired"]) for x in r)
    print(f"{name},{side},{T},{fired / T:.6f},{sum(int(x['fired']) for x in h) / len(h):.6f},"
          f"{fin('err_nominal'):.6e},{med('err_nominal'):.6e},{fin('dir_err_graft'):.6e},{med('dir_err_graft'):.6e},"
          f"{float(r[-1]['ridge_abs']):.6e},{float(r[-1]['eps_abs']):.6e}")
PYEOF
done <<<"$settings"
mv "$tmp" "$out"
trap - EXIT
echo "ridge.sh: wrote $out"
