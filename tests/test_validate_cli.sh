# test_validate_cli.sh JORGE TMPDIR - `jorge validate` end to end: PASS on a
# stream Jorge follows, with the reported errors and drift checked against
# an independent NumPy implementation of the recurrence and of the drift
# definition; FAIL with a reason and a suggestion that was actually tried
# (re-run to confirm it passes); directories of layers; bad input (exit 2,
# one-line message, no JSON file).
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
need_numpy

"$PY" - "$TMP" <<'PYEOF' || { echo "FAIL: generating inputs"; exit 1; }
import sys, os, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(11)
np.save(f"{d}/ok.npy", 0.1 * rng.standard_normal((60, 7, 4)))
# gradients whose scale jumps by orders of magnitude from step to step
G = rng.standard_normal((80, 8, 5)) * np.exp(1.5 * rng.standard_normal((80, 1, 1)))
np.save(f"{d}/wild.npy", G)
os.makedirs(f"{d}/layers", exist_ok=True)
np.save(f"{d}/layers/b_layer.npy", 0.1 * rng.standard_normal((30, 3, 6)))
np.save(f"{d}/layers/a_layer.npy", 0.1 * rng.standard_normal((30, 5, 2)).astype(np.float32))
np.save(f"{d}/one.npy", np.ones(5))
g = 0.1 * rng.standard_normal((10, 4, 3)); g[3, 1, 1] = np.nan
np.save(f"{d}/gnan.npy", g)
os.makedirs(f"{d}/badlayers", exist_ok=True)
np.save(f"{d}/badlayers/a.npy", 0.1 * rng.standard_normal((10, 4, 3)))
open(f"{d}/badlayers/b.npy", "w").write("not numpy\n")
os.makedirs(f"{d}/empty", exist_ok=True)
PYEOF

# ---------------------------------------------------------------- PASS, checked against numpy
"$JORGE" validate --eps-mode abs --eps 1e-3 --against tracked --every 3 --json "$TMP/ok.json" --csv "$TMP/ok.csv" "$TMP/ok.npy" >"$TMP/ok.txt"
rc=$?
[ $rc = 0 ] && grep -q '^validate: PASS' "$TMP/ok.txt" && ok || bad "PASS run: exit $rc: $(cat "$TMP/ok.txt")"
"$PY" - "$TMP" <<'PYEOF' && ok || bad "validate vs numpy"
import sys, json, numpy as np
d = sys.argv[1]
rep = json.load(open(f"{d}/ok.json"))
assert rep["verdict"] == "PASS" and rep["criterion"]["against"] == "tracked", rep["verdict"]
S = np.load(f"{d}/ok.npy")
T = len(S)
def coeffs(k):
    c = [1.0]
    for j in range(1, k + 1): c.append(c[-1] * (-0.25 - (j - 1)) / j)
    return c
def root(L):
    w, V = np.linalg.eigh(L)
    return (V * w ** -0.25) @ V.T
worst = 0.0
hist = {}
for side, dim in (("left", 7), ("right", 4)):
    hist[side] = []
    Lh = 1e-3 ** -0.25 * np.eye(dim); Lt = 1e-3 * np.eye(dim); Ln = 1e-3 * np.eye(dim)
    steps, et, en, omb, fired = [], [], [], [], 0
    for t, G in enumerate(S):
        GG = G @ G.T if side == "left" else G.T @ G
        X = np.linalg.matrix_power(Lh, 4) @ GG
        x = np.linalg.norm(X, "fro")
        beta = max(0.99, x / (1 + x))
        fired += beta > 0.99
        omb.append(1 / (1 + x) if beta > 0.99 else 1 - 0.99)
        a = (1 - beta) / beta
        Lh = beta ** -0.25 * Lh @ sum(c * np.linalg.matrix_power(a * X, j) for j, c in enumerate(coeffs(2)))
        Lt = beta * Lt + (1 - beta) * GG
        Ln = 0.99 * Ln + 0.01 * GG
        if (t + 1) % 3 == 0 or t + 1 == T:
            Pt, Pn = root(Lt), root(Ln)
            steps.append(t + 1)
            hist[side].append((t, Lh.copy(), Pn))
            et.append(np.linalg.norm(Lh - Pt) / np.linalg.norm(Pt))
            en.append(np.linalg.norm(Lh - Pn) / np.linalg.norm(Pn))
    steps, et, en = map(np.array, (steps, et, en))
    h = steps > T / 2
    want = {"max_err_tracked": et.max(), "final_err_tracked": et[-1], "max_err_nominal": en.max(),
            "final_err_nominal": en[-1], "drift_tracked": 1000 * np.polyfit(steps[h], et[h], 1)[0],
            "drift_nominal": 1000 * np.polyfit(steps[h], en[h], 1)[0],
            "one_minus_beta_median": np.median(omb), "one_minus_beta_min": min(omb),
            "weight_new_gradients": sum(omb), "fire_rate": fired / T}
    s = [x for x in rep["layers"][0]["sides"] if x["side"] == side][0]
    assert s["measurements"] == len(steps) and s["nonfinite"] == 0, s
    for k, v in want.items():
        worst = max(worst, abs(s[k] - v) / abs(v))
        print(f"  {side} {k}: {s[k]:.6e} numpy {v:.6e}")
# the direction Lhat G Rhat against Shampoo's PL G PR on every measured step
dr = rep["layers"][0]["direction"]
for (t, Lh, PL), (_, Rh, PR) in zip(hist["left"], hist["right"]):
    D, E = Lh @ S[t] @ Rh, PL @ S[t] @ PR
    cs = np.sum(D * E) / (np.linalg.norm(D) * np.linalg.norm(E))
    want = {"cos": cs, "err": np.linalg.norm(D - E) / np.linalg.norm(E),
            "err_grafted": np.linalg.norm(D / np.linalg.norm(D) - E / np.linalg.norm(E))}
    for k, v in want.items():
        worst = max(worst, abs(dr["series"][k][t] - v) / abs(v))
print(f"  direction: {dr['verdict']} max grafted {dr['max_err_grafted']:.3e}, {dr['measurements']} measurements")
assert dr["measurements"] == len(hist["left"]) and dr["verdict"] in ("PASS", "FAIL")
assert (dr["verdict"] == "PASS") == (dr["max_err_grafted"] <= rep["criterion"]["dir_tol"])
# the recurrence in double: agreement to ~1e-10 (errors of ~1e-2 computed from roots of kappa ~1e3)
print(f"  worst relative difference {worst:.1e}")
sys.exit(0 if worst < 1e-8 else 1)
PYEOF

# --train-steps: a stream shorter than the run it vouches for is named (exit code unchanged); one as long is not
"$JORGE" validate --eps-mode abs --eps 1e-3 --every 3 --train-steps 100000 --json "$TMP/short.json" "$TMP/ok.npy" >"$TMP/short.txt"
rc=$?
[ $rc = 0 ] && grep -q "WARNING: .*ok.npy: judged on [0-9]* steps, shorter than the 100000-step run" "$TMP/short.txt" &&
    "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r['counts']['shorter_than_training'] == 1 and r['train_steps'] == 100000 else 1)" "$TMP/short.json" &&
    ! "$JORGE" validate --eps-mode abs --eps 1e-3 --every 3 --train-steps 5 "$TMP/ok.npy" | grep -q "shorter than" && ok ||
    bad "--train-steps: exit $rc: $(cat "$TMP/short.txt")"

# ---------------------------------------------------------------- FAIL on the tolerance
# a tolerance just below the largest error (read from the PASS report) must fail, naming it
tol=$("$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print(0.99*max(s['max_err_tracked'] for s in r['layers'][0]['sides']))" "$TMP/ok.json")
"$JORGE" validate --eps-mode abs --eps 1e-3 --against tracked --every 3 --tol "$tol" --no-suggest "$TMP/ok.npy" >"$TMP/tol.txt"
rc=$?
[ $rc = 1 ] && grep -q '^validate: .* FAIL: max error vs tracked .* > tol' "$TMP/tol.txt" &&
    grep -q '^validate: FAIL: 1 of 2 side(s) failed' "$TMP/tol.txt" && ok || bad "tol FAIL: exit $rc: $(cat "$TMP/tol.txt")"
# --metric final against the nominal statistic: the final nominal error is what is checked
"$JORGE" validate --eps-mode abs --eps 1e-3 --every 3 --against nominal --metric final --tol 1e9 --json "$TMP/nom.json" "$TMP/ok.npy" >/dev/null &&
    "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); s=r['layers'][0]['sides'][0]; sys.exit(0 if s['criterion_error']==s['final_err_nominal'] and r['criterion']['against']=='nominal' else 1)" "$TMP/nom.json" &&
    ok || bad "--against nominal --metric final"

# ---------------------------------------------------------------- FAIL with a suggestion
# no safeguard, order 1, wildly scaled gradients: the series diverges
"$JORGE" validate --tol 0.25 --safeguard none --order 1 --json "$TMP/wild.json" "$TMP/wild.npy" >"$TMP/wild.txt"
rc=$?
[ $rc = 1 ] && grep -q '^validate: .*FAIL: .*NaN/Inf\|^validate: .*FAIL: .*not positive definite\|^validate: .*FAIL: .*> tol' "$TMP/wild.txt" &&
    grep -q '^validate: suggestion for .*wild.npy: \[.*\], the cheapest setting that passed' "$TMP/wild.txt" && ok ||
    bad "FAIL run: exit $rc: $(cat "$TMP/wild.txt")"
# every suggestion that PASSed really passes when run on its own; every FAIL really fails
"$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['verdict'] == 'FAIL' and r['suggestions'], r['verdict']
L = r['layers'][0]
passing = [s for s in L['suggestions'] if s['verdict'] == 'PASS']
# the named one is the cheapest that passed
assert L['best'] == min(passing, key=lambda s: s['cost'])['args'] or \
    [s['cost'] for s in passing if s['args'] == L['best']][0] == min(s['cost'] for s in passing), L['best']
for s in r['suggestions']: print(s['verdict'], s['args'])
" "$TMP/wild.json" >"$TMP/sugg.txt" || bad "FAIL json"
npassed=0
while read -r verdict args; do
    # shellcheck disable=SC2086
    "$JORGE" validate --tol 0.25 --safeguard none --order 1 $args "$TMP/wild.npy" >/dev/null
    rc=$?
    want=1; [ "$verdict" = PASS ] && { want=0; npassed=$((npassed + 1)); }
    [ $rc = $want ] && ok || bad "suggestion [$args] reported $verdict but exits $rc"
done <"$TMP/sugg.txt"
[ $npassed -ge 1 ] && ok || bad "no suggestion passed"

# ---------------------------------------------------------------- a directory of layers
"$JORGE" validate --json "$TMP/layers.json" "$TMP/layers" >"$TMP/layers.txt"
rc=$?
"$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
files = [l['file'].rsplit('/', 1)[1] for l in r['layers']]
assert files == ['a_layer.npy', 'b_layer.npy'], files
assert [l['dtype'] for l in r['layers']] == ['f32', 'f64'], r['layers']
assert [(s['side'], s['dim']) for s in r['layers'][0]['sides']] == [('left', 5), ('right', 2)]
assert r['verdict'] == ('PASS' if all(s['pass'] for l in r['layers'] for s in l['sides']) else 'FAIL')
sys.exit(int(sys.argv[2]) != (0 if r['verdict'] == 'PASS' else 1))
" "$TMP/layers.json" $rc && [ "$(grep -cE '^[ab]_layer.npy +(left|right) ' "$TMP/layers.txt")" = 4 ] && ok || bad "layers: exit $rc: $(cat "$TMP/layers.txt")"

# ---------------------------------------------------------------- bad input: exit 2, no JSON
expect 2 "$TMP/x.json" validate --json "$TMP/x.json" "$TMP/missing.npy"
expect 2 "$TMP/x.json" validate --json "$TMP/x.json" "$TMP/one.npy"
expect 2 "$TMP/x.json" validate --json "$TMP/x.json" "$TMP/gnan.npy"
expect 2 "$TMP/x.json" validate --json "$TMP/x.json" "$TMP/empty"
expect 2 "$TMP/x.json" validate --json "$TMP/x.json" --tol -1 "$TMP/ok.npy"
expect 2 "$TMP/x.json" validate --json "$TMP/x.json" --against neither "$TMP/ok.npy"
expect 2 "$TMP/x.json" validate --json "$TMP/x.json"
expect 2 "$TMP/nodir/x.json" validate --json "$TMP/nodir/x.json" "$TMP/ok.npy"
# an output that is the input is refused before any work, and the input is intact
cp "$TMP/ok.npy" "$TMP/same.npy"; sum1=$(cksum <"$TMP/same.npy")
"$JORGE" validate --json "$TMP/same.npy" "$TMP/same.npy" >/dev/null 2>"$TMP/err.txt"; rc=$?
[ $rc = 2 ] && [ "$(cksum <"$TMP/same.npy")" = "$sum1" ] && grep -Eq 'is the input|same file as the input' "$TMP/err.txt" && ok || bad "output = input: exit $rc"
# a bad file in a directory: reported, the other layers still judged, exit 2 (no FAIL), report written
"$JORGE" validate --eps-mode abs --eps 1e-3 --json "$TMP/bl.json" "$TMP/badlayers" >"$TMP/bl.txt" 2>/dev/null
rc=$?
[ $rc = 2 ] && grep -q '^validate: ERROR: .*badlayers/b.npy' "$TMP/bl.txt" &&
    "$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
a, b = r['layers']
assert a['verdict'] == 'PASS' and b['verdict'] == 'ERROR' and 'b.npy' in b['error'], (a['verdict'], b)
assert r['verdict'] == 'CANNOT-JUDGE' and r['exit_code'] == 2 and r['counts']['unreadable_layers'] == 1
" "$TMP/bl.json" && ok || bad "partial failure: exit $rc: $(cat "$TMP/bl.txt")"

# ---------------------------------------------------------------- the verdict a user can act on
"$PY" - "$TMP" <<'PYEOF' || { echo "FAIL: generating inputs (2)"; exit 1; }
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(5)
# unit-scale gradients with a power-law covariance (48 x 24, 60 steps)
C = np.diag(np.logspace(0, -3, 48)) ** 0.5
np.save(f"{d}/unit.npy", np.stack([C @ rng.standard_normal((48, 24)) for _ in range(60)]))
np.save(f"{d}/short.npy", rng.standard_normal((5, 6, 4)))
np.save(f"{d}/zero.npy", np.zeros((20, 6, 4)))
np.save(f"{d}/conv.npy", rng.standard_normal((2, 3, 2, 2)).astype(np.float32).reshape(2, 3, 2, 2))
PYEOF
# the paper's absolute eps on unit-scale gradients: Jorge's statistic is frozen; judged against
# Shampoo's statistic the verdict is FAIL, with the warning and the firing rate in the table
"$JORGE" validate --eps-mode abs --eps 1e-6 --no-suggest --json "$TMP/frozen.json" "$TMP/unit.npy" >"$TMP/frozen.txt"
rc=$?
[ $rc = 1 ] && grep -q "WARNING: .*unit.npy left: Jorge's statistic is frozen" "$TMP/frozen.txt" &&
    grep -qE '^unit.npy +left +48 +60 +1.00e-06 .* 60/60 .*FAIL \(frozen\)' "$TMP/frozen.txt" &&
    "$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
for s in r['layers'][0]['sides']:
    assert s['frozen'] and s['fire_rate'] == 1.0 and s['weight_new_gradients'] < 0.1 * s['weight_new_gradients_nominal'], s
    assert s['err_nominal_max'] > 1 and len(s['series']['one_minus_beta']) == 60
" "$TMP/frozen.json" && ok || bad "frozen statistic: exit $rc: $(cat "$TMP/frozen.txt")"
# a large relative eps: the safeguard (nearly) never fires, no warning, and the side follows Shampoo
"$JORGE" validate --eps-mode rel --eps 1 --no-suggest "$TMP/unit.npy" >"$TMP/thawed.txt"
rc=$?
[ $rc = 0 ] && ! grep -q WARNING "$TMP/thawed.txt" && grep -q '^validate: PASS' "$TMP/thawed.txt" && ok ||
    bad "relative eps 1: exit $rc: $(cat "$TMP/thawed.txt")"
# a run longer than the 200-step streams the default eps was chosen on: a NOTE with the default
# eps, none within 200 steps or with another eps
"$PY" -c "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(3).standard_normal((210, 4, 3)))" "$TMP/long.npy"
"$JORGE" validate --no-suggest "$TMP/long.npy" >"$TMP/long.txt"; rc=$?
"$JORGE" validate --no-suggest --steps 200 "$TMP/long.npy" >"$TMP/long200.txt"
"$JORGE" validate --no-suggest --eps 0.3 "$TMP/long.npy" >"$TMP/long03.txt"
[ $rc -le 1 ] && grep -q '^validate: NOTE: .*long.npy has 210 steps, more than the 200-step streams' "$TMP/long.txt" &&
    ! grep -q NOTE "$TMP/long200.txt" && ! grep -q NOTE "$TMP/long03.txt" && ok ||
    bad "long-run note: exit $rc: $(cat "$TMP/long.txt")"
# too few steps, all-zero gradients: cannot judge (exit 2), never PASS
"$JORGE" validate "$TMP/short.npy" >"$TMP/short.txt"; rc=$?
[ $rc = 2 ] && grep -q 'CANNOT-JUDGE: only 5 step(s)' "$TMP/short.txt" && ok || bad "short stream: exit $rc: $(cat "$TMP/short.txt")"
"$JORGE" validate "$TMP/zero.npy" >"$TMP/zero.txt"; rc=$?
[ $rc = 2 ] && grep -q 'CANNOT-JUDGE: every gradient is zero' "$TMP/zero.txt" && ok || bad "zero stream: exit $rc: $(cat "$TMP/zero.txt")"
# a 4-D convolution gradient: the message says how to reshape it
"$JORGE" validate "$TMP/conv.npy" 2>&1 >/dev/null | grep -q 'reshape it to T x out x (in\*kh\*kw)' && ok || bad "4-D hint"
# --steps: only the first N steps; the CSV holds one row per step and side, consistent with the JSON
"$JORGE" validate --steps 30 --every 3 --json "$TMP/st.json" --csv "$TMP/st.csv" "$TMP/unit.npy" >/dev/null
"$PY" -c "
import json, sys, csv, statistics
r = json.load(open(sys.argv[1]))
rows = [x for x in csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith('#'))]
assert len(rows) == 60, len(rows)
for s in r['layers'][0]['sides']:
    assert s['steps'] == 30
    mine = [float(x['one_minus_beta']) for x in rows if x['side'] == s['side']]
    assert abs(statistics.median(mine) - s['one_minus_beta_median']) <= 1e-12 * s['one_minus_beta_median']
    assert abs(float(rows[0]['eps_abs']) - r['layers'][0]['sides'][0]['eps']) <= 1e-12 * r['layers'][0]['sides'][0]['eps']
" "$TMP/st.json" "$TMP/st.csv" && ok || bad "--steps / --csv"

# --methods: the comparison of approximations on the same layer; eig-every at F = 1 is the exact
# root of Shampoo's statistic, so some method is always within tol, and the named one is the
# cheapest of those in the JSON's own numbers
"$JORGE" validate --no-suggest --methods eig-every,jorge --json "$TMP/meth.json" "$TMP/unit.npy" >"$TMP/meth.txt" 2>/dev/null
"$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
M = r['layers'][0]['methods']
assert M['compared'] > 2, M
for c in M['cheapest']:
    assert c['method'] and c['error'] <= 0.1 and c['gemm_equiv_per_step'] > 0, c
" "$TMP/meth.json" && grep -q 'cheapest method within tol' "$TMP/meth.txt" && ok || bad "--methods: $(cat "$TMP/meth.txt")"
expect 2 "$TMP/x.json" validate --json "$TMP/x.json" --methods nosuch "$TMP/unit.npy"

finish test_validate_cli
