#!/usr/bin/env bash
# experiments/convergence.sh - convergence of SGD, AdamW, Shampoo and Jorge
# on Fashion-MNIST (MLP 784-256-128-10), 3 seeds each, then the plots
# (plots/convergence.gp) and a table of epochs and seconds to a target test
# accuracy with the per-step preconditioner time.
#
#   experiments/convergence.sh [--full] [--out DIR] [--jorge BIN] [--seeds "1 2 3"]
#                              [--target ACC] [--threads T]
#
# Short default (minutes on 2 cores): first 6000 training and 5000 test
# images, 3 epochs, target 0.80.  --full: all 60000 / 10000 images,
# 10 epochs, target 0.88.  Hyperparameters follow the Jorge paper's recipe:
# SGD's learning rate (0.05, the best of 0.02/0.05/0.1/0.2 on the short
# set), momentum 0.9 and epochs are reused for Shampoo and Jorge (grafted to
# SGD); the step decay divides lr by 10 at 1/3 and 2/3 of training.  AdamW
# has its own rate (0.003, best of 3e-4/1e-3/3e-3).
#
# Writes DIR/runs/OPT_sSEED.csv (one per run, from `jorge train`),
# DIR/convergence_summary.csv, DIR/convergence_table.md and the figures
# DIR/convergence.{png,pdf}.  Never writes into the working directory
# (default DIR: build/experiments/convergence).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jorge=$here/build/jorge
out=$here/build/experiments/convergence
full=0
seeds="1 2 3"
target=""
threads=0
while [ $# -gt 0 ]; do
    case $1 in
    --full) full=1 ;;
    --out) out=$2; shift ;;
    --jorge) jorge=$2; shift ;;
    --seeds) seeds=$2; shift ;;
    --target) target=$2; shift ;;
    --threads) threads=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "convergence.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$jorge" ] || { echo "convergence.sh: $jorge: not built (cmake --build build)" >&2; exit 2; }

if [ $full = 1 ]; then
    data="--epochs 10"
    : "${target:=0.88}"
else
    data="--epochs 3 --train-limit 6000 --test-limit 5000"
    : "${target:=0.80}"
fi
common="--batch 128 --momentum 0.9 --weight-decay 0 --schedule step --hidden 256,128 --threads $threads"
declare -A params=(
    [sgd]="--lr 0.05"
    [adamw]="--lr 0.003"
    [shampoo]="--lr 0.05 --beta2 0.99 --eps 1e-6 --precond-every 10 --block 256"
    [jorge]="--lr 0.05 --beta2 0.99 --eps 1e-6 --order 2 --block 256 --jorge-init warm"
)
opts="sgd adamw shampoo jorge"
mkdir -p "$out/runs"

# ------------------------------------------------------------------ runs
for o in $opts; do
    for s in $seeds; do
        echo "[convergence] $o seed $s" >&2
        # shellcheck disable=SC2086
        "$jorge" train --optimizer $o ${params[$o]} $common $data --seed "$s" \
            --out "$out/runs/${o}_s$s.csv" 2>"$out/runs/${o}_s$s.log" ||
            { cat "$out/runs/${o}_s$s.log" >&2; exit 1; }
        tail -1 "$out/runs/${o}_s$s.log" >&2
    done
done

# ------------------------------------------------------------------ summary
# Columns are found by name in each CSV's header (the first line not
# starting with '#').
summary=$out/convergence_summary.csv
tmp=$(mktemp "$out/.summary.XXXXXX")
{
    echo "# experiments/convergence.sh: per run; target test accuracy $target"
    echo "# $("$jorge" --version)"
    echo "# data options: $data"
    echo "optimizer,seed,final_test_acc,epochs_to_target,seconds_to_target,wall_s,precond_s,steps,precond_ms_per_step"
    for o in $opts; do
        for s in $seeds; do
            awk -F, -v o="$o" -v s="$s" -v t="$target" '
                /^#/ { next }
                !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
                { acc = $c["test_acc"]; last = $0
                  if (e == "" && acc >= t) { e = $c["epoch"]; w = $c["wall_s"] }
                  fa = acc; wall = $c["wall_s"]; pre = $c["precond_s"]; st = $c["step"] }
                END { if (e == "") { e = "NA"; w = "NA" }
                      printf "%s,%s,%.4f,%s,%s,%.3f,%.3f,%d,%.3f\n", o, s, fa, e, w, wall, pre, st,
                             1000 * pre / st }' "$out/runs/${o}_s$s.csv"
        done
    done
} >"$tmp"
mv "$tmp" "$summary"

# mean over seeds; "NA" when a seed never reached the target
table=$out/convergence_table.md
tmp=$(mktemp "$out/.table.XXXXXX")
{
    echo "Target test accuracy $target; mean over seeds ($seeds); data: $data"
    echo
    echo "| optimizer | final test acc | epochs to target | seconds to target | precond ms/step | wall s |"
    echo "|---|---|---|---|---|---|"
    awk -F, '
        /^#/ || /^optimizer/ { next }
        { o = $1; n[o]++; fa[o] += $3; pm[o] += $9; wl[o] += $6
          if ($4 == "NA") na[o] = 1; else { ep[o] += $4; sc[o] += $5 }
          if (!(o in seen)) { seen[o] = 1; order[++k] = o } }
        END { for (i = 1; i <= k; i++) { o = order[i]
                  printf "| %s | %.4f | %s | %s | %.2f | %.1f |\n", o, fa[o] / n[o],
                         na[o] ? "not reached" : sprintf("%.2f", ep[o] / n[o]),
                         na[o] ? "not reached" : sprintf("%.1f", sc[o] / n[o]), pm[o] / n[o], wl[o] / n[o] } }' "$summary"
    echo
    awk -F, '/^#/ || /^optimizer/ { next } { pm[$1] += $9; n[$1]++ }
        END { if (n["shampoo"] && n["jorge"] && pm["shampoo"] > 0)
                  printf "Preconditioner time per step: Jorge %.2f ms, Shampoo %.2f ms (ratio %.2f).\n",
                         pm["jorge"] / n["jorge"], pm["shampoo"] / n["shampoo"],
                         (pm["jorge"] / n["jorge"]) / (pm["shampoo"] / n["shampoo"]) }' "$summary"
} >"$tmp"
mv "$tmp" "$table"
cat "$table"

# ------------------------------------------------------------------ plots
labels=""
for o in $opts; do labels="$labels;$o ${params[$o]}"; done
gnuplot -e "dir='$out'; opts='$opts'; seeds='$seeds'; labels='${labels#;}'; target=$target" \
    "$here/plots/convergence.gp"
echo "[convergence] wrote $summary, $table, $out/convergence.png, $out/convergence.pdf" >&2
