#!/usr/bin/env bash
# ./run.sh [--quick|--full|--report] - the main job, from a fresh machine:
# installs what is missing, builds, then runs the experiments (quick set by
# default, full-size with --full) and draws their figures.  Only what is
# stale is recomputed (experiments/Makefile); results go to results/<mode>/.
#   --full    full-size set, then the report paper/report.pdf from results/full
#   --report  quick set, then the report paper/report.pdf from results/quick
#             (a couple of minutes)
# Building the report installs TeX Live (setup.sh: jg_install_report_packages).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$JG_ROOT"

mode=quick
report=0
usage="usage: ./run.sh [--quick|--full|--report]"
case "${1:-}" in
    "") ;;
    --quick) mode=quick ;;
    --full) mode=full; report=1 ;;
    --report) mode=quick; report=1 ;;
    -h|--help) echo "$usage"; sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
esac

jg_install_packages
[ $report = 1 ] && jg_install_report_packages
jg_build build
build/jorge info
jg_log "experiments ($mode): data and figures under results/$mode/ (stale ones only)"
make -s -C experiments MODE="$mode" JORGE="$JG_ROOT/build/jorge"
# our speed beside a pip user's NumPy, in one run (experiments/peer_bench.sh;
# skipped, saying so, where PyPI cannot be reached)
if [ "$mode" = full ]; then
    experiments/peer_bench.sh "$JG_ROOT/results/$mode"
else
    experiments/peer_bench.sh --quick "$JG_ROOT/results/$mode"
fi
jg_log "figures:"
ls -1 "$JG_ROOT/results/$mode/figures/"*.png "$JG_ROOT/results/$mode/figures/"*.pdf
jg_log "data: $JG_ROOT/results/$mode/data/*.csv"
if [ $report = 1 ]; then
    jg_log "report: paper/report.pdf from results/$mode"
    "$JG_ROOT/paper/build.sh" --results "$JG_ROOT/results/$mode"
fi
