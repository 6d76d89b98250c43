#!/usr/bin/env bash
# experiments/tune.sh - the hyperparameter search of the training study
# (experiments/convergence.sh): SGD's learning rate, weight decay and
# schedule, then AdamW's, chosen by the final validation accuracy on the
# split held out of the training set (never the test set).  Shampoo and
# Jorge reuse SGD's choice through grafting (the paper's recipe).
#
#   experiments/tune.sh [--grid quick|full|smoke] --out DIR [--jorge BIN] [--threads T]
#                       [--data "jorge train options"] [--arch "model options"]
#                       [--seed S] [--jobs N] [--resume]
#
# Grids: quick - SGD lr {0.01, 0.02, 0.05} x weight decay {0, 5e-4} x
# schedule {step, cosine}; AdamW lr {3e-4, 1e-3, 3e-3} x weight decay
# {0, 0.05} with SGD's schedule.  full - SGD lr {0.005, 0.01, 0.02, 0.05}
# x weight decay {0, 5e-4} x schedule {step, cosine}; AdamW lr {3e-4,
# 1e-3, 3e-3} x weight decay {0, 0.05} x the same schedules (28 runs).  smoke (for the tests): SGD 0.05 / AdamW 1e-3, no
# weight decay, step.  Momentum 0.9 throughout, batch 128, one seed (1).
# --jobs N runs N settings at once (default 1; each run is single-threaded
# with --threads 1, so N = the number of cores); the table is the same.
# --resume keeps the settings whose run finished in an earlier call with the
# same DIR (DIR/runs/<run>.row exists; a run's CSV and row are written only
# when it completes) and runs the others.
#
# Writes DIR/runs/*.csv (every run), DIR/tune.csv (one row per setting:
# final and best validation accuracy, final validation loss), DIR/tuning.md
# (the table, best first, and the choice) and DIR/chosen.sh (SGD_HP=...,
# ADAMW_HP=..., sourced by convergence.sh).  Ties go to the setting listed
# first.  A run that fails numerically (diverges) is kept in the table as
# "diverged" and never chosen.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jorge=$here/build/jorge
out=""
mode=quick
threads=1
data=""
arch="--model cnn"
seed=1
jobs=1
resume=0
while [ $# -gt 0 ]; do
    case $1 in
    --grid) mode=$2; shift ;;
    --out) out=$2; shift ;;
    --jorge) jorge=$2; shift ;;
    --threads) threads=$2; shift ;;
    --data) data=$2; shift ;;
    --arch) arch=$2; shift ;;
    --seed) seed=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --resume) resume=1 ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tune.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$out" ] || { echo "tune.sh: --out DIR is required" >&2; exit 2; }
[ -x "$jorge" ] || { echo "tune.sh: $jorge: not built" >&2; exit 2; }
case "$data" in *--val*) ;; *) echo "tune.sh: --data must hold out a validation split (--val N)" >&2; exit 2 ;; esac
case $mode in
full) sgd_lr="0.005 0.01 0.02 0.05"; sgd_wd="0 5e-4"; scheds="step cosine"
      adamw_lr="3e-4 1e-3 3e-3"; adamw_wd="0 0.05" ;;
quick) sgd_lr="0.01 0.02 0.05"; sgd_wd="0 5e-4"; scheds="step cosine"
       adamw_lr="3e-4 1e-3 3e-3"; adamw_wd="0 0.05" ;;
smoke) sgd_lr="0.05"; sgd_wd="0"; scheds="step"; adamw_lr="1e-3"; adamw_wd="0" ;;
*) echo "tune.sh: --grid quick|full|smoke, not $mode" >&2; exit 2 ;;
esac
# shellcheck source=experiments/pool.sh
. "$here/experiments/pool.sh"
pool_init "$jobs" || exit 2
mkdir -p "$out/runs"
common="$arch --batch 128 --momentum 0.9 --threads $threads --seed $seed $data"

# one run; writes its row "optimizer,lr,wd,schedule,final_val_acc,best_val_acc,
# final_val_loss" to DIR/runs/<run>.row (rows are gathered in grid order)
tune_run() { # optimizer lr wd schedule
    local f=$out/runs/$1_lr$2_wd$3_$4.csv
    tune_row "$@" >"${f%.csv}.row.tmp" && mv "${f%.csv}.row.tmp" "${f%.csv}.row"
}
tune_row() { # optimizer lr wd schedule
    local f=$out/runs/$1_lr$2_wd$3_$4.csv
    echo "[tune] $1 --lr $2 --weight-decay $3 --schedule $4" >&2
    # shellcheck disable=SC2086
    if "$jorge" train --optimizer $1 --lr $2 --weight-decay $3 --schedule $4 $common --out "$f" \
        2>"${f%.csv}.log"; then
        awk -F, -v o=$1 -v lr=$2 -v wd=$3 -v sc=$4 '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
            { v = $c["val_acc"]; if (v > best) best = v; fin = v; fl = $c["val_loss"] }
            END { printf "%s,%s,%s,%s,%.4f,%.4f,%.4f\n", o, lr, wd, sc, fin, best, fl }' "$f"
    else
        local rc=$?
        [ $rc = 1 ] || { cat "${f%.csv}.log" >&2; exit 1; } # usage / input errors stop the search
        echo "$1,$2,$3,$4,diverged,diverged,diverged"
    fi
}

rm -f "$out"/runs/*.row.tmp
tmp=$(mktemp "$out/.tune.XXXXXX")
pool_on_stop 'rm -f "$tmp" "$out"/runs/*.row.tmp'
{
    echo "# experiments/tune.sh ($mode): selection by final val_acc; $("$jorge" --version)"
    echo "# options: $common"
    echo "optimizer,lr,weight_decay,schedule,final_val_acc,best_val_acc,final_val_loss"
} >"$tmp"
grid() { # optimizer "lrs" "wds" "schedules": runs the grid, appends its rows to $tmp
    local sc lr wd
    for sc in $4; do for lr in $2; do for wd in $3; do
        if [ $resume = 1 ] && [ -s "$out/runs/$1_lr${lr}_wd${wd}_$sc.row" ]; then
            echo "[tune] $1 --lr $lr --weight-decay $wd --schedule $sc: kept (--resume)" >&2
            continue
        fi
        rm -f "$out/runs/$1_lr${lr}_wd${wd}_$sc.row"
        pool_run tune_run "$1" "$lr" "$wd" "$sc"
    done; done; done
    pool_wait || { echo "tune.sh: a $1 run stopped the search (its log is above)" >&2; exit 1; }
    for sc in $4; do for lr in $2; do for wd in $3; do
        cat "$out/runs/$1_lr${lr}_wd${wd}_$sc.row" >>"$tmp"
    done; done; done
}
grid sgd "$sgd_lr" "$sgd_wd" "$scheds"
best() { # optimizer -> "lr wd schedule" of the best final val_acc (first on ties)
    awk -F, -v o="$1" '/^#/ || /^optimizer/ { next }
        $1 == o && $5 != "diverged" && (b == "" || $5 > b) { b = $5; r = $2 " " $3 " " $4 }
        END { if (r == "") exit 1; print r }' "$tmp"
}
read -r slr swd ssc < <(best sgd) || { echo "tune.sh: every SGD setting diverged" >&2; exit 1; }
[ $mode = full ] && ascheds=$scheds || ascheds=$ssc
grid adamw "$adamw_lr" "$adamw_wd" "$ascheds"
read -r alr awd asc < <(best adamw) || { echo "tune.sh: every AdamW setting diverged" >&2; exit 1; }
mv "$tmp" "$out/tune.csv"

SGD_HP="--lr $slr --weight-decay $swd --schedule $ssc --momentum 0.9 --batch 128"
ADAMW_HP="--lr $alr --weight-decay $awd --schedule $asc --batch 128"
{
    echo "# written by experiments/tune.sh ($mode) from $out/tune.csv"
    echo "SGD_HP=\"$SGD_HP\""
    echo "ADAMW_HP=\"$ADAMW_HP\""
} >"$out/chosen.sh.tmp"
mv "$out/chosen.sh.tmp" "$out/chosen.sh"
{
    echo "Tuning on the validation split ($mode grid; $common)."
    echo "Chosen: SGD $SGD_HP; AdamW $ADAMW_HP."
    echo
    echo "| optimizer | lr | weight decay | schedule | final val acc | best val acc | final val loss |"
    echo "|---|---|---|---|---|---|---|"
    grep -v '^#' "$out/tune.csv" | tail -n +2 | sort -t, -k1,1 -k5,5gr |
        awk -F, '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
} >"$out/tuning.md"
cat "$out/tuning.md" >&2
