#!/usr/bin/env bash
# ./run.sh [--full] - the main job, from a fresh machine: installs what is
# missing, builds, then runs the six experiments (quick set by default,
# full-size with --full) and draws their figures.  Only what is stale is
# recomputed (experiments/Makefile); results go to results/<mode>/.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$JG_ROOT"

mode=quick
case "${1:-}" in
    "") ;;
    --quick) mode=quick ;;
    --full) mode=full ;;
    -h|--help) echo "usage: ./run.sh [--quick|--full]"; exit 0 ;;
    *) echo "usage: ./run.sh [--quick|--full]" >&2; exit 2 ;;
esac

jg_install_packages
jg_build build
build/jorge info
jg_log "experiments ($mode): data and figures under results/$mode/ (stale ones only)"
make -s -C experiments MODE="$mode" JORGE="$JG_ROOT/build/jorge"
jg_log "figures:"
ls -1 "$JG_ROOT/results/$mode/figures/"*.png "$JG_ROOT/results/$mode/figures/"*.pdf
jg_log "data: $JG_ROOT/results/$mode/data/*.csv"
