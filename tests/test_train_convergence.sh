#!/usr/bin/env bash
# test_train_convergence.sh JORGE TMPDIR - the training study's scripts
# (experiments/convergence.sh, experiments/tune.sh, plots/convergence.gp) end
# to end on a few hundred Fashion-MNIST images with a tiny MLP and the smoke
# grid: tuning refuses data without a validation split and picks from its
# table; every variant and seed has a row in the summary; the per-evaluation
# means and standard deviations of the curves, the table's final accuracy
# and the paired differences are recomputed here from the runs' CSVs; the
# figures are drawn.  Skips (77) without the dataset or gnuplot.
set -euo pipefail
jorge=${1:?usage: test_train_convergence.sh JORGE TMPDIR}
tmp=${2:?usage: test_train_convergence.sh JORGE TMPDIR}
here=$(cd "$(dirname "$0")/.." && pwd)
data=/usr/share/datasets/fashion-mnist
[ -f $data/train-images-idx3-ubyte.gz ] || { echo "SKIP: $data not installed (dataset-fashion-mnist)"; exit 77; }
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot is not installed"; exit 77; }
rm -rf "$tmp" && mkdir -p "$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# tuning needs a validation split
set +e
"$here/experiments/tune.sh" --grid smoke --jorge "$jorge" --out "$tmp/t" --data "--train-limit 300 --epochs 1" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc = 2 ] && grep -q -- "--val" "$tmp/err" || fail "tune.sh without --val: exit $rc ($(cat "$tmp/err"))"

# an unknown ablation is refused before any work
set +e
"$here/experiments/convergence.sh" --jorge "$jorge" --ablations "jorge_rel bogus" --out "$tmp/bogus" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc = 2 ] && grep -q "unknown 'bogus'" "$tmp/err" && [ ! -e "$tmp/bogus" ] || fail "--ablations bogus: exit $rc ($(cat "$tmp/err"))"

out=$tmp/conv
set +e
OPENBLAS_NUM_THREADS=1 "$here/experiments/convergence.sh" --jorge "$jorge" --model mlp --arch "--model mlp --hidden 16" \
    --data "--train-limit 500 --val 100 --test-limit 200 --epochs 1 --evals-per-epoch 2 --batch 50" \
    --seeds "1 2" --ablation-seeds "1" --tune-grid smoke --target 0.3 --jobs 2 --out "$out" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc = 0 ] || { fail "convergence.sh: exit $rc"; tail -20 "$tmp/err"; }

# tuning table and choice
[ "$(grep -v '^#' "$out/tune/tune.csv" | wc -l)" = 3 ] || fail "tune.csv: $(cat "$out/tune/tune.csv")"
grep -q '^SGD_HP="--lr 0.05 --weight-decay 0 --schedule step' "$out/tune/chosen.sh" || fail "chosen.sh: $(cat "$out/tune/chosen.sh")"

# one summary row per variant and seed; the batch --batch 50 given in --data wins over the tuned 128
# (the four optimizers in convergence_summary.csv, read by paper/gen_numbers.py;
# the ablations beside it)
want="sgd:1 sgd:2 adamw:1 adamw:2 shampoo:1 shampoo:2 jorge:1 jorge:2"
got=$(awk -F, '!/^#/ && $1 != "optimizer" { printf "%s:%s ", $1, $2 }' "$out/convergence_summary.csv")
[ "$got" = "$want " ] || fail "summary rows: $got"
want="shampoo_beff:1 jorge_rel:1 shampoo_F1:1 shampoo_F50:1 shampoo_f32:1 jorge_f32:1 shampoo_rel:1 jorge_nominal:1 jorge_rel_exact:1 jorge_rel_ridge:1"
got=$(awk -F, '!/^#/ && $1 != "optimizer" { printf "%s:%s ", $1, $2 }' "$out/ablation_summary.csv")
[ "$got" = "$want " ] || fail "ablation rows: $got"
cat "$out/convergence_summary.csv" "$out/ablation_summary.csv" >"$tmp/all.csv"
awk -F, '!/^#/ && $1 != "optimizer" { if ($8 != 8 || $17 != 1) bad = bad " " $1 ":" $8 ":" $17 } END { if (bad) { print bad; exit 1 } }' \
    "$tmp/all.csv" || fail "steps / epochs in the summary (want 8 steps, 1 epoch)"
# Jorge and Shampoo on Jorge's statistic fire; Shampoo with beta2 does not
awk -F, '$1 == "jorge" || $1 == "shampoo_beff" { if (!($15 > 0)) bad = 1 } $1 == "shampoo" { if ($15 != 0) bad = 1 }
         END { exit bad }' "$tmp/all.csv" || fail "fire rates: $(cut -d, -f1,15 "$tmp/all.csv")"
# f32 state holds less than f64
awk -F, '{ b[$1] += $13 } END { exit !(b["jorge_f32"] < b["jorge"] / 2 && b["shampoo_f32"] < b["shampoo"] / 2) }' \
    "$tmp/all.csv" || fail "f32 state not smaller than f64"

# curves: mean and sample std of test_acc over the two seeds, recomputed
for v in sgd jorge; do
    paste -d, <(grep -v '^#' "$out/runs/${v}_s1.csv" | tail -n +2 | cut -d, -f5) \
              <(grep -v '^#' "$out/runs/${v}_s2.csv" | tail -n +2 | cut -d, -f5) |
        awk -F, '{ m = ($1 + $2) / 2; s = sqrt(($1 - m)^2 + ($2 - m)^2); printf "%.5f,%.5f\n", m, s }' >"$tmp/want_$v"
    tail -n +2 "$out/curves/$v.csv" | cut -d, -f2,3 >"$tmp/got_$v"
    diff -q "$tmp/want_$v" "$tmp/got_$v" >/dev/null || fail "$v curve: $(paste -d' ' "$tmp/want_$v" "$tmp/got_$v")"
done
# paired difference jorge - sgd of the final test accuracy, recomputed
d1=$(awk -F, '$1 == "jorge" && $2 == 1 { j = $3 } $1 == "sgd" && $2 == 1 { s = $3 } END { print j - s }' "$out/convergence_summary.csv")
d2=$(awk -F, '$1 == "jorge" && $2 == 2 { j = $3 } $1 == "sgd" && $2 == 2 { s = $3 } END { print j - s }' "$out/convergence_summary.csv")
want=$(awk -v a="$d1" -v b="$d2" 'BEGIN { printf "%.4f", (a + b) / 2 }')
got=$(awk -F, '$1 == "jorge" && $2 == "sgd" && $3 == "final_test_acc" { print $5 }' "$out/paired.csv")
[ "$want" = "$got" ] || fail "paired jorge - sgd: $got, recomputed $want"
grep -q "^| jorge | 2 |" "$out/convergence_table.md" || fail "table row for jorge"
# --no-runs redoes the summary from the runs with another target
OPENBLAS_NUM_THREADS=1 "$here/experiments/convergence.sh" --jorge "$jorge" --model mlp --arch "--model mlp --hidden 16" \
    --data "--train-limit 500 --val 100 --test-limit 200 --epochs 1 --evals-per-epoch 2 --batch 50" \
    --seeds "1 2" --ablation-seeds "1" --target 0.05 --no-runs --out "$out" >"$tmp/out" 2>"$tmp/err" ||
    fail "--no-runs: $(tail -3 "$tmp/err")"
grep -q "target test accuracy 0.05" "$out/convergence_summary.csv" || fail "--no-runs: target not changed"
awk -F, '!/^#/ && $1 != "optimizer" && $4 != 0.5 { bad = 1 } END { exit bad }' "$out/convergence_summary.csv" ||
    fail "--no-runs: target 0.05 not reached at the first evaluation"
# --resume after a stop: the finished runs and tuning settings are kept
# (not rerun: same files), the missing run is redone, the summary is the same
rm "$out/runs/jorge_s2.csv" "$out/tune/runs/adamw_lr1e-3_wd0_step.row"
cp "$out/runs/sgd_s1.csv" "$tmp/sgd_s1.before"
cut -d, -f1-4 "$out/convergence_summary.csv" | grep -v '^#' >"$tmp/summary.before"
OPENBLAS_NUM_THREADS=1 "$here/experiments/convergence.sh" --jorge "$jorge" --model mlp --arch "--model mlp --hidden 16" \
    --data "--train-limit 500 --val 100 --test-limit 200 --epochs 1 --evals-per-epoch 2 --batch 50" \
    --seeds "1 2" --ablation-seeds "1" --tune-grid smoke --target 0.05 --jobs 2 --resume --out "$out" \
    >"$tmp/out" 2>"$tmp/err" || fail "--resume: $(tail -3 "$tmp/err")"
grep -q "sgd seed 1: kept (--resume)" "$tmp/err" && grep -q "^\[convergence\] jorge seed 2$" "$tmp/err" &&
    grep -q "tune\] sgd --lr 0.05 --weight-decay 0 --schedule step: kept" "$tmp/err" &&
    grep -q "^\[tune\] adamw --lr 1e-3 --weight-decay 0 --schedule step$" "$tmp/err" ||
    fail "--resume: kept / rerun runs: $(grep -E 'kept|seed|tune' "$tmp/err" | tr '\n' ';')"
cmp -s "$out/runs/sgd_s1.csv" "$tmp/sgd_s1.before" || fail "--resume rewrote a finished run"
cut -d, -f1-4 "$out/convergence_summary.csv" | grep -v '^#' | cmp -s - "$tmp/summary.before" ||
    fail "--resume: summary differs: $(cut -d, -f1-4 "$out/convergence_summary.csv")"
for f in convergence.png convergence.pdf convergence_ablation.png threads.csv; do
    [ -s "$out/$f" ] || fail "$f not written"
done

# a run whose preconditioner breaks down numerically is a result, not the
# end of the study: a jorge whose Jorge-with-rule-none training fails as a
# diverging one does (exit 1, "produced NaN/Inf") leaves RUN.diverged, no
# summary row, a line in the table, and exit 0; a usage failure (exit 2)
# still stops the study
cat >"$tmp/jorge_div" <<WRAP
#!/usr/bin/env bash
if [ "\$1" = train ] && [[ " \$* " == *" --safeguard none "* ]]; then
    echo "jorge train: jorge: update 6 produced NaN/Inf (||X|| = 3.3e+145); state kept (3 consecutive failures)" >&2
    exit \${JG_TEST_DIV_EXIT:-1}
fi
exec "$jorge" "\$@"
WRAP
chmod +x "$tmp/jorge_div"
div=$tmp/div
for code in 1 2; do
    set +e
    JG_TEST_DIV_EXIT=$code OPENBLAS_NUM_THREADS=1 "$here/experiments/convergence.sh" --jorge "$tmp/jorge_div" --model mlp \
        --arch "--model mlp --hidden 16" --data "--train-limit 300 --val 100 --test-limit 100 --epochs 1 --batch 50" \
        --seeds "1" --ablation-seeds "1" --ablations "shampoo_rel jorge_nominal" --tune-grid smoke --target 0.05 \
        --out "$div$code" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    if [ $code = 1 ]; then
        [ $rc = 0 ] || fail "a diverged run stopped the study: exit $rc ($(tail -3 "$tmp/err"))"
        grep -q "produced NaN/Inf" "$div$code/runs/jorge_nominal_s1.diverged" 2>/dev/null || fail "no jorge_nominal_s1.diverged"
        if grep -q "^jorge_nominal," "$div$code/ablation_summary.csv"; then fail "a diverged run has a summary row"; fi
        grep -q "^shampoo_rel,1," "$div$code/ablation_summary.csv" || fail "the other ablation lost its row"
        grep -q "^- jorge_nominal_s1 (.*produced NaN/Inf" "$div$code/convergence_table.md" ||
            fail "the table does not list the diverged run"
    else
        [ $rc != 0 ] || fail "exit 2 of a run (usage) did not stop the study"
    fi
done

[ $fails = 0 ] && echo "test_train_convergence: all checks passed" || { echo "test_train_convergence: $fails failed"; exit 1; }
