#!/usr/bin/env bash
# test_train_cli.sh JORGE TMPDIR - `jorge train` end to end on a slice of
# Fashion-MNIST: help and usage errors, a missing data directory (one line
# naming the file, no output), the CSV's provenance / header / rows, the
# same seed giving the same numbers, SGD learning well above chance,
# Shampoo and Jorge running with their time split, and the layer capture
# checked with NumPy against the statistics' recurrence
#   L_1 = (1-b) G_1 G_1^T,  L_t = b L_{t-1} + (1-b) G_t G_t^T  (R likewise).
# Skips (77) without the dataset or without /usr/bin/python3 + numpy.
set -euo pipefail
jorge=${1:?usage: test_train_cli.sh JORGE TMPDIR}
tmp=${2:?usage: test_train_cli.sh JORGE TMPDIR}
data=/usr/share/datasets/fashion-mnist
py=/usr/bin/python3
[ -f $data/train-images-idx3-ubyte.gz ] || { echo "SKIP: $data not installed (dataset-fashion-mnist)"; exit 77; }
if [ ! -x "$py" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 with numpy is not available"; exit 77
fi
rm -rf "$tmp" && mkdir -p "$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { # want, what, command...
    local want=$1 what=$2; shift 2
    set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?; set -e
    [ $rc = "$want" ] || fail "$what: exit $rc, want $want ($(head -c 300 "$tmp/err"))"
}

# ---------------------------------------------------------------- usage
expect_rc 0 "--help" "$jorge" train --help
grep -q -- "--optimizer" "$tmp/out" || fail "--help does not list --optimizer"
expect_rc 2 "no --out" "$jorge" train --epochs 1
expect_rc 2 "bad optimizer" "$jorge" train --optimizer lbfgs --out "$tmp/x.csv"
expect_rc 2 "bad --hidden" "$jorge" train --hidden 12,x --out "$tmp/x.csv"
expect_rc 2 "missing data" "$jorge" train --data "$tmp/nowhere" --out "$tmp/x.csv"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "missing data: not one line: $(cat "$tmp/err")"
grep -q "nowhere/train-images-idx3-ubyte.gz" "$tmp/err" || fail "missing data: file not named: $(cat "$tmp/err")"
[ ! -e "$tmp/x.csv" ] || fail "missing data: output file left behind"
[ -z "$(ls -A "$tmp" | grep -v -e '^out$' -e '^err$')" ] || fail "temporary files left: $(ls -A "$tmp")"

# ---------------------------------------------------------------- SGD
run="--train-limit 2000 --test-limit 1000 --epochs 2 --hidden 64 --seed 7 --threads 1"
expect_rc 0 "sgd" "$jorge" train --optimizer sgd $run --out "$tmp/a.csv"
expect_rc 0 "sgd again" "$jorge" train --optimizer sgd $run --out "$tmp/b.csv"
for key in "commit:" "seed: 7" "backend: cpu" "options: --optimizer sgd" "date:"; do
    grep -q "^# .*$key" "$tmp/a.csv" || fail "provenance line '$key' missing"
done
header=$(grep -v '^#' "$tmp/a.csv" | head -1)
[ "$header" = "epoch,step,train_loss,test_loss,test_acc,wall_s,grad_s,precond_s,other_s" ] ||
    fail "header: $header"
[ "$(grep -v '^#' "$tmp/a.csv" | wc -l)" = 3 ] || fail "expected a header and 2 rows"
# same seed, same numbers (time columns excluded)
diff <(grep -v '^#' "$tmp/a.csv" | cut -d, -f1-5) <(grep -v '^#' "$tmp/b.csv" | cut -d, -f1-5) >/dev/null ||
    fail "same seed, different results"
# 2 epochs on 2000 images: well above chance (0.1); step = 2 ceil(2000/128) = 32
awk -F, '!/^#/ && NR > 0 && $1 == 2 { ok = ($2 == 32 && $5 > 0.7 && $3 < 1.0) }
         END { exit !ok }' "$tmp/a.csv" || fail "sgd: row 2 is $(tail -1 "$tmp/a.csv") (want step 32, acc > 0.7)"

# ---------------------------------------------------------------- Shampoo, Jorge
small="--train-limit 600 --test-limit 300 --epochs 1 --batch 32 --hidden 32 --threads 1"
for o in shampoo jorge; do
    expect_rc 0 "$o" "$jorge" train --optimizer $o $small --block 100 --out "$tmp/$o.csv"
    awk -F, '!/^#/ && $1 == 1 { ok = ($8 > 0 && $5 > 0.5 && $6 + 2e-4 >= $7 + $8) } END { exit !ok }' "$tmp/$o.csv" ||
        fail "$o: row $(tail -1 "$tmp/$o.csv") (want precond_s > 0, acc > 0.5, wall >= grad + precond)"
done

# ---------------------------------------------------------------- capture
expect_rc 2 "capture past the end" "$jorge" train $small --capture-steps 1,99999 --capture-layer 1 \
    --capture-dir "$tmp" --out "$tmp/c.csv"
expect_rc 2 "capture without a directory" "$jorge" train $small --capture-steps 1 --out "$tmp/c.csv"
mkdir -p "$tmp/cap"
expect_rc 0 "capture" "$jorge" train $small --hidden 16 --beta2 0.9 --capture-steps 2-4,1 \
    --capture-layer 1 --capture-dir "$tmp/cap" --out "$tmp/c.csv"
"$py" - "$tmp/cap" <<'PY' || fails=$((fails + 1))
import sys
import numpy as np
d = sys.argv[1]
L, R, G, s = (np.load(f"{d}/{n}.npy") for n in ("L", "R", "G", "steps"))
ok = True
def check(c, what):
    global ok
    if not c:
        print("FAIL:", what); ok = False
check(L.shape == (4, 10, 10) and R.shape == (4, 16, 16) and G.shape == (4, 10, 16),
      f"shapes {L.shape} {R.shape} {G.shape}")
check(list(s) == [1, 2, 3, 4], f"steps {s}")
b = 0.9
Lr = np.zeros((10, 10)); Rr = np.zeros((16, 16))
for t in range(4):
    Lr = b * Lr + (1 - b) * G[t] @ G[t].T
    Rr = b * Rr + (1 - b) * G[t].T @ G[t]
    # sums of 16 (resp. 10) products per step, 4 steps: ~100 u relative
    el = np.linalg.norm(L[t] - Lr) / np.linalg.norm(Lr)
    er = np.linalg.norm(R[t] - Rr) / np.linalg.norm(Rr)
    check(el < 1e-13 and er < 1e-13, f"step {t+1}: recurrence error L {el:.2e} R {er:.2e}")
check(all(np.linalg.norm(G[t]) > 0 for t in range(4)), "zero gradient captured")
check(np.linalg.norm(G[0] - G[1]) > 0, "the same gradient captured twice")
sys.exit(0 if ok else 1)
PY

[ $fails = 0 ] && echo "test_train_cli: all checks passed" || { echo "test_train_cli: $fails failed"; exit 1; }
