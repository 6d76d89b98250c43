#!/usr/bin/env bash
# test_experiments_kernels.sh JORGE TMPDIR - the quick set's steps
# (experiments/Makefile) finish whatever BLAS kernel OpenBLAS runs, and a
# numerical break-down of a diagnostic or a reference is a row, not the end
# of the run (issue 23).  Under OPENBLAS_CORETYPE=Prescott (OpenBLAS's
# generic SSE3 kernels, which Debian 12's OpenBLAS 0.3.21 falls back to on
# CPUs it does not know; on two threads its float32 syevd returned NaN
# eigenvalues for well-scaled matrices and `jorge experiment stability`
# died) and under the default kernel, at reduced sizes:
#  * every `jorge experiment` (stability at m = 32, where it broke), the
#    safeguard-norm study (experiments/track.sh), `jorge compare`, `jorge
#    validate` and tiny `jorge train` runs (Shampoo and Jorge, float64 and
#    float32 state, a gradient capture) exit 0 (validate: 0 or 1, a verdict);
#  * each CSV is well formed: '#' lines, a header whose last column is
#    `failure`, every row with the header's number of fields, `failure`
#    empty or names from the documented set, and each name matched by NaN in
#    the fields it concerns; no NaN diagnostic without its reason
#    (stability: a NaN min_eig_sym of a finite, running configuration names
#    min_eig);
#  * on a stream whose statistic overflows from step 6 on (G scaled by
#    1e200: G G^T is Inf), the experiments that take a stream, `jorge
#    track` and `jorge compare` write their break-downs as rows (failure
#    err_nominal / reference_nominal / reference, the errors NaN) and exit as
#    documented (experiments, compare 0; track 1, the result suspect).
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$TMP" && mkdir -p "$TMP"
export OPENBLAS_NUM_THREADS=2 # the break-down needed two threads
t0=$(date +%s)

# check_csv FILE KIND [need]: well formed (above); need = 1: at least one
# break-down row.  KIND names the experiment (the fields a failure concerns).
check_csv() {
    "$PY" - "$@" <<'PY'
import csv, math, sys
path, kind = sys.argv[1], sys.argv[2]
need = len(sys.argv) > 3 and sys.argv[3] == "1"
# failure name -> fields that must be NaN in its row
nan_of = {
    "stability": {"update": ["min_eig_sym", "err_tracked"], "min_eig": ["min_eig_sym"], "reference": ["err_tracked"]},
    "error-time": {"update": ["err_tracked", "err_nominal"], "err_tracked": ["err_tracked"],
                   "err_nominal": ["err_nominal"]},
    "safeguard": {"update": ["beta_eff"]},
    "direction": {"update": ["cos_nominal", "cos_tracked"], "reference_nominal": ["cos_nominal", "relerr_nominal"],
                  "reference_tracked": ["cos_tracked", "relerr_tracked"]},
    "regime": {"update": ["err_nominal_final", "err_tracked_final"], "err_tracked": ["err_tracked_final"],
               "err_nominal": ["err_nominal_final"]},
    "truncation": {"update": ["err_measured"]},
    "commutator": {"update": ["err"], "reference": ["err"]},
    "track": {"asymmetry": ["asymmetry"], "min_eig": ["min_eig_sym"], "err_tracked": ["err_tracked"],
              "err_nominal": ["err_nominal"]},
    "compare": {"update": ["err_nominal_median"], "reference": []},
}[kind]
def fail(msg):
    print("%s: %s" % (path, msg))
    sys.exit(1)
try:
    lines = open(path).read().splitlines()
except OSError as e:
    fail("not written (%s)" % e)
body = [l for l in lines if not l.startswith("#")]
if not lines or not lines[0].startswith("#"):
    fail("no '#' provenance lines")
if len(body) < 2:
    fail("%d line(s) after the provenance, want a header and rows" % len(body))
rows = list(csv.reader(body))
hdr = rows[0]
if hdr[-1] != "failure":
    fail("last header column is %r, want 'failure'" % hdr[-1])
col = {h: i for i, h in enumerate(hdr)}
def isnan(s):
    try:
        return math.isnan(float(s))
    except ValueError:
        return False
broken = 0
for n, r in enumerate(rows[1:], 2):
    if len(r) != len(hdr):
        fail("line %d has %d fields, the header %d" % (n, len(r), len(hdr)))
    f = r[col["failure"]]
    if not f:
        if kind == "stability" and r[col["finite"]] == "1" and r[col["stopped"]] == "0" \
                and isnan(r[col["min_eig_sym"]]):
            fail("line %d: min_eig_sym is NaN without a failure named" % n)
        continue
    broken += 1
    for name in f.split("+"):
        if name not in nan_of:
            fail("line %d: failure %r is not one of %s" % (n, name, sorted(nan_of)))
        for c in nan_of[name]:
            if not isnan(r[col[c]]):
                fail("line %d: failure %s but %s = %s" % (n, name, c, r[col[c]]))
    if kind == "stability" and "update" in f.split("+") and r[col["stopped"]] != "1":
        fail("line %d: failure update but stopped = %s" % (n, r[col["stopped"]]))
if need and broken == 0:
    fail("no break-down row (failure column empty on all %d rows)" % (len(rows) - 1))
print("%s: %d rows, %d break-down row(s)" % (path.rsplit("/", 1)[-1], len(rows) - 1, broken))
PY
}

# run NAME WANT_RC CMD...: the command exits WANT_RC (a list: "0 1").
run() {
    local name=$1 want=$2
    shift 2
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    case " $want " in
    *" $rc "*) ok ;;
    *) bad "$name: exit $rc (want $want): $(tail -3 "$TMP/$name.err")" ;;
    esac
}
csv_ok() { check_csv "$@" >"$TMP/check.txt" && ok || bad "$(cat "$TMP/check.txt")"; }

# A float64 stream (12 x 8 x 4) whose gradients are scaled by 1e200 from
# step 6 on: the statistic G G^T overflows, the updates are skipped (NaN/Inf).
"$PY" - "$TMP/overflow.npy" <<'PY'
import random, struct, sys
T, m, n = 12, 8, 4
random.seed(1)
hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d, %d), }" % (T, m, n)
hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
    for t in range(1, T + 1):
        s = 1e200 if t >= 6 else 1.0
        f.write(struct.pack("<%dd" % (m * n), *[s * random.gauss(0, 1) for _ in range(m * n)]))
PY
"$JORGE" gen stream --m 8 --cols 4 --steps 12 --seed 1 --out "$TMP/small.npy" >/dev/null || bad "gen stream"

data=/usr/share/datasets/fashion-mnist
for kernel in Prescott default; do
    D=$TMP/$kernel
    mkdir -p "$D"
    if [ $kernel = default ]; then unset OPENBLAS_CORETYPE; else export OPENBLAS_CORETYPE=$kernel; fi
    # the numbered experiments at SMOKE sizes; stability at m = 32, 20 steps
    for e in truncation commutator error-time safeguard direction regime; do
        run "$kernel-$e" 0 "$JORGE" experiment $e --quick --seed 1 --steps 12 --dim 8 --out "$D/$e.csv"
        csv_ok "$D/$e.csv" $e
    done
    run "$kernel-stability" 0 "$JORGE" experiment stability --quick --seed 1 --steps 20 --out "$D/stability.csv"
    csv_ok "$D/stability.csv" stability
    # experiment 7 (merged jorge track runs), the front, validate
    run "$kernel-track" 0 bash "$ROOT/experiments/track.sh" --steps 12 --jorge "$JORGE" --out "$D/track.csv"
    csv_ok "$D/track.csv" track
    run "$kernel-compare" 0 "$JORGE" compare --sides left --out "$D/front.csv" "$TMP/small.npy"
    csv_ok "$D/front.csv" compare
    run "$kernel-validate" "0 1" "$JORGE" validate --json "$D/validate.json" "$TMP/small.npy"
    # break-downs as rows: the overflowing stream
    for e in error-time direction regime; do
        run "$kernel-overflow-$e" 0 "$JORGE" experiment $e --seed 1 --input "$TMP/overflow.npy" --out "$D/ov_$e.csv"
        csv_ok "$D/ov_$e.csv" $e 1
    done
    run "$kernel-overflow-safeguard" 0 "$JORGE" experiment safeguard --seed 1 --input "$TMP/overflow.npy" \
        --out "$D/ov_safeguard.csv"
    csv_ok "$D/ov_safeguard.csv" safeguard
    run "$kernel-overflow-track" 1 "$JORGE" track --sides both --every 1 --out "$D/ov_track.csv" "$TMP/overflow.npy"
    csv_ok "$D/ov_track.csv" track 1
    grep -q "broke down: err_nominal" "$TMP/$kernel-overflow-track.err" && ok ||
        bad "jorge track does not name the break-down: $(cat "$TMP/$kernel-overflow-track.err")"
    run "$kernel-overflow-compare" 0 "$JORGE" compare --sides left --out "$D/ov_front.csv" "$TMP/overflow.npy"
    csv_ok "$D/ov_front.csv" compare 1
    # validate judges the input first: gradients whose ||G||_F^2 overflows
    # cannot be judged (exit 2, the reason named), not a break-down
    run "$kernel-overflow-validate" 2 "$JORGE" validate --json "$D/ov_validate.json" "$TMP/overflow.npy"
    grep -q 'cannot judge: .*overflows' "$TMP/$kernel-overflow-validate.err" && ok ||
        bad "validate does not name the overflow: $(cat "$TMP/$kernel-overflow-validate.err")"
    # the training study's optimizers at toy size (Shampoo's exact roots
    # every 10 steps, float64 and float32 state) and a gradient capture
    if [ -d $data ]; then
        small="--model mlp --hidden 16 --train-limit 356 --val 100 --test-limit 100 --epochs 1 --evals-per-epoch 1"
        for opt in shampoo jorge; do
            for sp in f64 f32; do
                run "$kernel-train-$opt-$sp" 0 "$JORGE" train $small --optimizer $opt --state-precision $sp \
                    --out "$D/train_${opt}_$sp.csv"
            done
        done
        mkdir -p "$D/real"
        run "$kernel-capture" 0 "$JORGE" train $small --optimizer sgd --capture-steps 1-2 --capture-layer 1 \
            --capture-dir "$D/real" --out "$D/capture.csv"
        run "$kernel-real-error-time" 0 "$JORGE" experiment error-time --seed 1 --input "$D/real/G.npy" \
            --out "$D/real_error-time.csv"
        csv_ok "$D/real_error-time.csv" error-time
    else
        echo "SKIP (training part): $data not installed"
    fi
done
echo "  both kernels: $(( $(date +%s) - t0 )) s"
finish test_experiments_kernels
