#!/usr/bin/env bash
# experiments/convergence.sh - the training study: SGD, AdamW, Shampoo and
# Jorge on Fashion-MNIST (CNN by default), hyperparameters tuned for SGD and
# AdamW on a validation split held out of the training set, several seeds,
# evaluation several times per epoch, memory and time per step, paired
# comparisons across seeds, and the ablations that isolate Jorge's
# approximation.
#
#   experiments/convergence.sh [--full] [--out DIR] [--jorge BIN] [--model cnn|mlp]
#                              [--seeds "1 2 3"] [--ablation-seeds "1 2"] [--target ACC]
#                              [--threads T] [--rel-eps E] [--no-ablations] [--no-tune]
#                              [--data "OPTS"] [--arch "OPTS"] [--tune-grid quick|full|smoke]
#                              [--no-runs] [--jobs N] [--resume] [--ablations "LIST"]
#
# Protocol (the paper's recipe):
#  1. tuning (experiments/tune.sh): SGD's learning rate, weight decay and
#     schedule on the validation split (final validation accuracy, seed 1),
#     AdamW's the same way; the grid and every result are kept
#     (DIR/tune/tune.csv, DIR/tune/tuning.md);
#  2. SGD and AdamW with their tuned settings; Shampoo and Jorge with SGD's
#     (grafted to SGD's step norm; beta2 0.99, eps 1e-6, blocks of 256,
#     Shampoo's roots every 10 steps, Jorge every step, order 2, warm start,
#     the clip safeguard, absolute eps as in the paper);
#  3. ablations (same seeds as each other; pairs with the main runs):
#       shampoo_beff  Jorge's clip rule evaluated with Shampoo's exact root
#                     (roots every step, L_0 = eps I): its beta_eff statistic
#                     takes its own path, so it changes the root and the
#                     statistic together (not a clean test of either)
#       jorge_rel     Jorge with relative eps (--eps-mode rel --eps E, E =
#                     --rel-eps, default 0.1: the regime of `jorge track`'s
#                     default, where Jorge's statistic follows Shampoo's)
#       shampoo_F1, shampoo_F50   Shampoo's roots every 1 and 50 steps
#                     (shampoo itself is F = 10)
#       the 2 x 2 of root x statistic, all four at the relative eps E with it
#       kept as a persistent ridge (where Jorge's root also runs on Shampoo's
#       statistic: without a ridge the rule none diverges, a kappa > 8):
#         shampoo_rel      Shampoo's statistic, exact root (ridge E s)
#         jorge_nominal    Shampoo's statistic (rule none: beta2 fixed), Jorge's root
#         jorge_rel_exact  Jorge's statistic (clip), the exact root of that
#                          statistic every step (--jorge-root exact)
#         jorge_rel_ridge  Jorge's statistic and Jorge's root
#       (pairs: root on each statistic, statistic under each root)
#       shampoo_f32, jorge_f32    statistics and roots in float32, with the
#                     BLAS thread count measured fastest for them here
#                     (DIR/threads.csv)
#  4. numbers on the test set: DIR/convergence_summary.csv (one row per run
#     of the four optimizers), DIR/ablation_summary.csv (the same columns,
#     one row per ablation run),
#     DIR/convergence_table.md (mean +- std over seeds, paired differences),
#     DIR/paired.csv, DIR/curves/*.csv (mean and std per evaluation) and the
#     figures DIR/convergence.{png,pdf}, DIR/convergence_ablation.{png,pdf}
#     (plots/convergence.gp).
#
# Quick (default): a reduced but honest set - the first 12000 training
# images of which the last 2000 are the validation split, 5000 test
# images, 2 epochs, 3 evaluations per epoch, 3 seeds (ablations too), a small
# tuning grid with one seed.  --full: 55000 / 5000 / 10000 images, 10
# epochs, 4 evaluations per epoch, 5 seeds (ablations too), the whole grid.
# Runs use --threads T (default 1: at these sizes OpenBLAS's second thread
# costs more than it saves; the f32 ablations use the measured fastest).
# --data replaces the data options of every run (tuning keeps them with one
# evaluation per epoch and the thread measurement uses them too), --arch
# the model options (default: --model cnn --channels 16,32 --kernel 5
# --hidden 128, or --model mlp --hidden 256,128) and --tune-grid the grid (smoke: one setting each;
# for tests/test_train_convergence.sh).  --no-runs redoes the summaries,
# tables and figures from the runs already in DIR (the tuning, thread
# measurement and runs are skipped; --target may change).  --jobs N runs N
# tuning settings or training runs at once (default 1; the thread
# measurement always runs alone): with N = the number of cores each run
# has a core of its own, but the runs share memory bandwidth, so wall-clock
# and ms/step are those of a loaded machine (the table says which N).
# Runs are started in order: the main optimizers seed by seed, then the
# ablations seed by seed, so a stopped run leaves whole seeds behind.
# --ablations LIST runs only these ablations (names as above; default all;
# the thread measurement only when an f32 ablation is among them).
# --resume keeps what an earlier call with the same DIR finished (tuning
# settings, the thread measurement, training runs whose CSV exists: each
# CSV is renamed into place only when its run completes) and runs the rest.
# Never writes into the working directory (default DIR:
# build/experiments/convergence).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jorge=$here/build/jorge
stats="/usr/bin/python3 $here/experiments/stats.py"
out=$here/build/experiments/convergence
full=0
seeds=""
aseeds=""
target=""
threads=1
model=cnn
rel_eps=0.1
ablations=1
tune=1
runs=1
data_override=""
arch=""
grid=""
jobs=1
resume=0
abl_all="shampoo_beff jorge_rel shampoo_F1 shampoo_F50 shampoo_f32 jorge_f32 shampoo_rel jorge_nominal jorge_rel_exact jorge_rel_ridge"
abl_want=$abl_all
while [ $# -gt 0 ]; do
    case $1 in
    --full) full=1 ;;
    --out) out=$2; shift ;;
    --jorge) jorge=$2; shift ;;
    --model) model=$2; shift ;;
    --seeds) seeds=$2; shift ;;
    --ablation-seeds) aseeds=$2; shift ;;
    --target) target=$2; shift ;;
    --threads) threads=$2; shift ;;
    --rel-eps) rel_eps=$2; shift ;;
    --no-ablations) ablations=0 ;;
    --no-tune) tune=0 ;;
    --no-runs) runs=0; tune=0 ;;
    --data) data_override=$2; shift ;;
    --tune-grid) grid=$2; shift ;;
    --arch) arch=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --resume) resume=1 ;;
    --ablations) abl_want=$2; shift ;;
    -h|--help) sed -n '2,70p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "convergence.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$jorge" ] || { echo "convergence.sh: $jorge: not built (cmake --build build)" >&2; exit 2; }
case $model in cnn|mlp) ;; *) echo "convergence.sh: --model cnn|mlp, not $model" >&2; exit 2 ;; esac
for v in $abl_want; do
    case " $abl_all " in *" $v "*) ;; *) echo "convergence.sh: --ablations: unknown '$v' (known: $abl_all)" >&2; exit 2 ;; esac
done
[ -n "$abl_want" ] || ablations=0
f32_abl=0
case " $abl_want " in *" shampoo_f32 "* | *" jorge_f32 "*) f32_abl=1 ;; esac
# shellcheck source=experiments/pool.sh
. "$here/experiments/pool.sh"
pool_init "$jobs" || exit 2

if [ $full = 1 ]; then
    data="--val 5000 --epochs 10 --evals-per-epoch 4"
    tune_data="--val 5000 --epochs 10 --evals-per-epoch 1 --test-limit 1000"
    mode=full
    : "${seeds:=1 2 3 4 5}"
    : "${aseeds:=$seeds}"
    : "${target:=0.90}"
else
    data="--train-limit 12000 --val 2000 --test-limit 5000 --epochs 2 --evals-per-epoch 3"
    tune_data="--train-limit 12000 --val 2000 --test-limit 1000 --epochs 2 --evals-per-epoch 1"
    mode=quick
    : "${seeds:=1 2 3}"
    : "${aseeds:=$seeds}"
    : "${target:=0.80}"
fi
thread_data="--train-limit 3200 --test-limit 100 --epochs 1"
if [ -n "$data_override" ]; then
    data=$data_override
    thread_data=$data
    tune_data="$(echo "$data" | sed 's/--evals-per-epoch [0-9]*//') --evals-per-epoch 1"
fi
: "${grid:=$mode}"
if [ -z "$arch" ]; then
    [ "$model" = mlp ] && arch="--model mlp --hidden 256,128" || arch="--model cnn --channels 16,32 --kernel 5 --hidden 128"
fi
mkdir -p "$out/runs" "$out/curves"

# ------------------------------------------------------------------ tuning
if [ $tune = 1 ] || [ ! -s "$out/tune/chosen.sh" ]; then
    # in the pool (one job): a stop reaches it and its runs at once
    pool_run "$here/experiments/tune.sh" --grid "$grid" --jorge "$jorge" --out "$out/tune" --threads "$threads" \
        --data "$tune_data" --arch "$arch" --jobs "$jobs" $([ $resume = 1 ] && echo --resume)
    pool_wait || { echo "convergence.sh: tuning failed" >&2; exit 1; }
fi
# shellcheck disable=SC1091
. "$out/tune/chosen.sh" # sets SGD_HP and ADAMW_HP
echo "[convergence] tuned on the validation split: sgd $SGD_HP; adamw $ADAMW_HP" >&2

# ------------------------------------------------------------------ threads
# Preconditioner ms/step of Shampoo and Jorge with f32 and f64 state, 1 and
# 2 BLAS threads, on a short run (the same model and batch); the fastest
# count for f32 is used by the f32 ablations.
threads_csv=$out/threads.csv
if [ $ablations = 1 ] && [ $f32_abl = 1 ] && [ $runs = 1 ] && ! { [ $resume = 1 ] && [ -s "$threads_csv" ]; }; then
    tmp=$(mktemp "$out/.threads.XXXXXX")
    echo "optimizer,state_precision,threads,steps,precond_s,precond_ms_per_step" >"$tmp"
    for o in shampoo jorge; do
        for sp in f32 f64; do
            for t in 1 2; do
                f=$out/runs/threads_${o}_${sp}_t$t.csv
                # shellcheck disable=SC2086
                "$jorge" train --optimizer $o $arch $SGD_HP $thread_data \
                    --state-precision $sp --threads $t --seed 1 --out "$f" \
                    2>"${f%.csv}.log" || { cat "${f%.csv}.log" >&2; exit 1; }
                awk -F, -v o=$o -v sp=$sp -v t=$t '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
                    { st = $c["step"]; p = $c["precond_s"] }
                    END { printf "%s,%s,%d,%d,%.4f,%.3f\n", o, sp, t, st, p, 1000 * p / st }' "$f" >>"$tmp"
            done
        done
    done
    mv "$tmp" "$threads_csv"
fi
f32_threads=1
if [ $ablations = 1 ] && [ $f32_abl = 1 ]; then
    f32_threads=$(awk -F, 'NR > 1 && $2 == "f32" { s[$3] += $6 } END { best = ""; for (t in s) if (best == "" || s[t] < s[best]) best = t; print best }' "$threads_csv")
    echo "[convergence] f32 state: fastest with $f32_threads BLAS thread(s) ($threads_csv)" >&2
fi

# ------------------------------------------------------------------ runs
pre="--beta2 0.99 --eps 1e-6 --block 256"
declare -A params=(
    [sgd]="--optimizer sgd $SGD_HP"
    [adamw]="--optimizer adamw $ADAMW_HP"
    [shampoo]="--optimizer shampoo $SGD_HP $pre --precond-every 10"
    [jorge]="--optimizer jorge $SGD_HP $pre --order 2 --jorge-init warm --safeguard clip --eps-mode abs"
)
main="sgd adamw shampoo jorge"
abl=""
if [ $ablations = 1 ]; then
    params[shampoo_beff]="--optimizer shampoo $SGD_HP $pre --shampoo-beta jorge --safeguard clip --precond-every 1"
    params[jorge_rel]="--optimizer jorge $SGD_HP --beta2 0.99 --eps $rel_eps --eps-mode rel --block 256 --order 2 --jorge-init warm --safeguard clip"
    params[shampoo_F1]="--optimizer shampoo $SGD_HP $pre --precond-every 1"
    rel="--beta2 0.99 --eps $rel_eps --eps-mode rel --block 256"
    params[shampoo_rel]="--optimizer shampoo $SGD_HP $rel --precond-every 10"
    params[jorge_nominal]="--optimizer jorge $SGD_HP $rel --order 2 --jorge-init warm --safeguard none --jorge-ridge eps"
    params[jorge_rel_exact]="--optimizer jorge $SGD_HP $rel --order 2 --jorge-init warm --safeguard clip --jorge-ridge eps --jorge-root exact --precond-every 1"
    params[jorge_rel_ridge]="--optimizer jorge $SGD_HP $rel --order 2 --jorge-init warm --safeguard clip --jorge-ridge eps"
    params[shampoo_F50]="--optimizer shampoo $SGD_HP $pre --precond-every 50"
    params[shampoo_f32]="${params[shampoo]} --state-precision f32 --threads $f32_threads"
    params[jorge_f32]="${params[jorge]} --state-precision f32 --threads $f32_threads"
    abl=""
    for v in $abl_all; do case " $abl_want " in *" $v "*) abl="$abl $v" ;; esac; done
    abl=${abl# }
fi
# A run that breaks down numerically (exit 1, the command's "numerical
# failure": the preconditioner's updates produced NaN/Inf or lost positive
# definiteness on consecutive steps, e.g. the rule `none` beyond its
# stability boundary) is a result, not the end
# of the study: it leaves RUN.diverged with the trainer's message instead
# of RUN.csv, and is counted as diverged in the table; its pairs are left
# out.  Any other failure (usage, data, I/O, memory: exit 2) stops the study.
run() { # variant seed
    local v=$1 s=$2 f=$out/runs/$1_s$2.csv
    if [ $resume = 1 ] && { [ -s "$f" ] || [ -s "${f%.csv}.diverged" ]; }; then
        echo "[convergence] $v seed $s: kept (--resume)" >&2
        return 0
    fi
    rm -f "${f%.csv}.diverged"
    echo "[convergence] $v seed $s" >&2
    # the variant's --threads (f32 ablations) comes after the default one
    # shellcheck disable=SC2086
    local rc=0
    "$jorge" train $arch --threads "$threads" ${params[$v]} $data --seed "$s" --out "$f" 2>"${f%.csv}.log" || rc=$?
    if [ $rc = 1 ]; then # the command's "numerical failure" (2: usage, input, I/O, memory)
        grep -v '^jorge: warning:' "${f%.csv}.log" | tail -1 >"${f%.csv}.diverged"
        echo "[convergence] $v seed $s diverged (recorded): $(cat "${f%.csv}.diverged")" >&2
        return 0
    fi
    [ $rc = 0 ] || { cat "${f%.csv}.log" >&2; exit 1; }
    tail -1 "${f%.csv}.log" >&2
}
if [ $runs = 1 ]; then
    for s in $seeds; do for v in $main; do pool_run run "$v" "$s"; done; done
    for s in $aseeds; do for v in $abl; do pool_run run "$v" "$s"; done; done
    pool_wait || { echo "convergence.sh: a training run failed (its log is above)" >&2; exit 1; }
fi
# the main variants' runs on the ablation seeds exist when the ablation
# seeds are among the main seeds; pairs are formed only where both exist

# ------------------------------------------------------------------ summary
# Columns are found by name in each CSV's header (the first line not
# starting with '#').  epochs_to_target: the fractional epoch (step / steps
# per epoch) of the first evaluation with test_acc >= target.
summary=$out/convergence_summary.csv
ablation=$out/ablation_summary.csv
summarize() { # variants...
    echo "# experiments/convergence.sh ($mode, $model): per run; target test accuracy $target"
    echo "# $("$jorge" --version)"
    echo "# data options: $data"
    echo "# sgd: $SGD_HP; adamw: $ADAMW_HP (tuned on the validation split, $out/tune/tuning.md)"
    echo "optimizer,seed,final_test_acc,epochs_to_target,seconds_to_target,wall_s,precond_s,steps,precond_ms_per_step,final_val_acc,grad_ms_per_step,other_ms_per_step,opt_state_bytes,peak_rss_bytes,fire_rate,median_one_minus_beta_last,epochs"
    for v in "$@"; do
        ss=$seeds
        case " $abl " in *" $v "*) ss=$aseeds ;; esac
        for s in $ss; do
            if [ ! -e "$out/runs/${v}_s$s.csv" ] && [ -s "$out/runs/${v}_s$s.diverged" ]; then continue; fi # diverged: no row
            awk -F, -v o="$v" -v s="$s" -v t="$target" '
                /^#/ { next }
                !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
                { acc = $c["test_acc"]
                  if (e == "" && acc >= t) { e = $c["epochs"]; w = $c["wall_s"] }
                  fa = acc; va = $c["val_acc"]; wall = $c["wall_s"]; pre = $c["precond_s"]
                  gr = $c["grad_s"]; ot = $c["other_s"]; st = $c["step"]; ep = $c["epochs"]
                  ob = $c["opt_state_bytes"]; rss = $c["peak_rss_bytes"]
                  if ($c["updates"] != "NA") { nu += $c["updates"]; nf += $c["updates"] * $c["fire_rate"]
                                               med = $c["median_one_minus_beta"] } }
                END { if (e == "") { e = "NA"; w = "NA" }
                      fr = nu > 0 ? sprintf("%.4f", nf / nu) : "NA"; if (med == "") med = "NA"
                      printf "%s,%s,%.4f,%s,%s,%.3f,%.3f,%d,%.3f,%s,%.3f,%.3f,%s,%s,%s,%s,%s\n", o, s, fa, e, w,
                             wall, pre, st, 1000 * pre / st, va, 1000 * gr / st, 1000 * ot / st, ob, rss, fr, med, ep }' \
                "$out/runs/${v}_s$s.csv"
        done
    done
}
tmp=$(mktemp "$out/.summary.XXXXXX")
summarize $main >"$tmp"
mv "$tmp" "$summary"
tmp=$(mktemp "$out/.summary.XXXXXX")
summarize $abl >"$tmp"
mv "$tmp" "$ablation"
# both, for the table and the pairs
all=$(mktemp "$out/.all.XXXXXX")
{ cat "$summary"; grep -v '^#' "$ablation" | tail -n +2; } >"$all"

# ------------------------------------------------------------------ curves
# mean and standard deviation over seeds at each evaluation (the runs of a
# variant evaluate at the same steps)
for v in $main $abl; do
    ss=$seeds
    case " $abl " in *" $v "*) ss=$aseeds ;; esac
    files=""
    for s in $ss; do
        if [ -e "$out/runs/${v}_s$s.csv" ]; then files="$files $out/runs/${v}_s$s.csv"; fi
    done
    if [ -z "$files" ]; then rm -f "$out/curves/$v.csv"; continue; fi # every run diverged
    # shellcheck disable=SC2086
    $stats curves $files >"$out/curves/$v.csv"
done

# ------------------------------------------------------------------ table
# mean +- sample std over seeds; epochs / seconds to target over the runs
# that reached it; paired differences (A - B on the same seed): mean +- std,
# scipy.stats' one-sample t test with n - 1 degrees of freedom, two-sided p and
# Holm's adjustment over every test of the file (experiments/stats.py).
table=$out/convergence_table.md
paired=$out/paired.csv
tmp=$(mktemp "$out/.paired.XXXXXX")
$stats paired "$all" jorge:sgd,jorge:adamw,jorge:shampoo,shampoo:sgd,shampoo_beff:jorge,jorge_rel:jorge,jorge_f32:jorge,shampoo_F1:shampoo,jorge_nominal:shampoo_rel,jorge_rel_ridge:jorge_rel_exact,jorge_rel_exact:shampoo_rel,jorge_rel_ridge:jorge_nominal >"$tmp"
mv "$tmp" "$paired"
tmp=$(mktemp "$out/.table.XXXXXX")
{
    echo "Fashion-MNIST $model, $mode set ($data); target test accuracy $target."
    echo "SGD: $SGD_HP; AdamW: $ADAMW_HP (tuned on the validation split); Shampoo and Jorge graft onto SGD's settings."
    echo "Seeds: $seeds (ablations: $aseeds); $jobs run(s) at once on $(nproc) cores. Mean +- sample standard deviation over seeds; to-target columns over the runs that reached it."
    echo
    echo "| variant | runs | final test acc | final val acc | reached | epochs to target | seconds to target | precond ms/step | grad ms/step | total ms/step | optimizer state MiB | peak RSS MiB | fire rate | median 1-beta_eff, last row, per seed |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    $stats table "$all"
    div=""
    for d in "$out"/runs/*.diverged; do
        if [ -s "$d" ] && [ ! -e "${d%.diverged}.csv" ]; then
            div="$div$(basename "${d%.diverged}") ($(cat "$d"))"$'\n'
        fi
    done
    div=${div%$'\n'}
    if [ -n "$div" ]; then
        echo
        echo "Diverged runs (the preconditioner broke down numerically; no row, their pairs left out):"
        echo "$div" | sed 's/^/- /'
    fi
    echo
    echo "Paired differences (A - B, same seed): mean +- std; t, its degrees of freedom (n - 1) and two-sided p from scipy.stats.ttest_1samp; p (Holm): Holm's step-down adjustment over all the tests of this table (the family). Significant: p (Holm) < 0.05."
    echo
    echo "| A | B | metric | n | mean diff | std diff | t | df | p | p (Holm) |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$paired"
    if [ -s "$threads_csv" ] && [ $ablations = 1 ] && [ $f32_abl = 1 ]; then
        echo
        echo "Preconditioner ms/step by BLAS threads and state precision (short run: $thread_data; $threads_csv):"
        echo
        echo "| optimizer | state | threads | precond ms/step |"
        echo "|---|---|---|---|"
        awk -F, 'NR > 1 { printf "| %s | %s | %s | %.2f |\n", $1, $2, $3, $6 }' "$threads_csv"
    fi
} >"$tmp"
mv "$tmp" "$table"
rm -f "$all"
cat "$table"

# ------------------------------------------------------------------ plots
# short legend labels; the full options are in the table and the CSVs
hp() { echo "$1" | sed -e 's/--lr \([^ ]*\)/lr \1/' -e 's/--weight-decay \([^ ]*\)/wd \1/' \
    -e 's/--schedule \([^ ]*\)/\1/' -e 's/--momentum [^ ]*//' -e 's/--batch [^ ]*//' -e 's/  */ /g' -e 's/ *$//'; }
declare -A short=(
    [sgd]="sgd ($(hp "$SGD_HP"))"
    [adamw]="adamw ($(hp "$ADAMW_HP"))"
    [shampoo]="shampoo (SGD settings, F = 10, eps 1e-6)"
    [jorge]="jorge (SGD settings, k = 2, clip, eps 1e-6 abs)"
    [shampoo_beff]="jorge rule with the shampoo exact root, F = 1"
    [shampoo_rel]="shampoo, ridge $rel_eps s"
    [jorge_nominal]="jorge root on the shampoo statistic, ridge $rel_eps s"
    [jorge_rel_exact]="exact root of the jorge statistic, ridge $rel_eps s"
    [jorge_rel_ridge]="jorge, ridge $rel_eps s"
    [jorge_rel]="jorge, eps $rel_eps relative"
    [shampoo_F1]="shampoo F = 1"
    [shampoo_F50]="shampoo F = 50"
    [shampoo_f32]="shampoo, f32 state"
    [jorge_f32]="jorge, f32 state"
)
label_of() { echo "${short[$1]}"; }
labels=""
for v in $main; do labels="$labels;$(label_of "$v")"; done
setup="$model, $mode set: $(echo "$data" | sed 's/--//g'), seeds $seeds; $jobs run(s) at once on a $(nproc)-core CPU"
gnuplot -e "dir='$out'; variants='$main'; labels='${labels#;}'; target=$target; setup='$setup'; out='$out/convergence'" \
    "$here/plots/convergence.gp"
if [ $ablations = 1 ]; then
    labels=""
    for v in jorge shampoo $abl; do labels="$labels;$(label_of "$v")"; done
    setup="$model, $mode set: $(echo "$data" | sed 's/--//g'); jorge, shampoo: seeds $seeds, ablations: seeds $aseeds"
    gnuplot -e "dir='$out'; variants='jorge shampoo $abl'; labels='${labels#;}'; target=$target; setup='$setup'; out='$out/convergence_ablation'; what='ablations'" \
        "$here/plots/convergence.gp"
fi
echo "[convergence] wrote $summary, $ablation, $table, $paired, $out/convergence.png, $out/convergence.pdf" >&2
