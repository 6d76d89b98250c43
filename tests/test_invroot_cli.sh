# test_invroot_cli.sh JORGE TMPDIR - `jorge invroot` end to end: inputs made
# with numpy, results checked against numpy.linalg.eigh, bad inputs checked
# for their exit code, message and the absence of an output file.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
need_numpy

# ---------------------------------------------------------------- inputs
"$PY" - "$TMP" <<'EOF' || { echo "FAIL: generating inputs"; exit 1; }
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(1)
n = 60
Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
l = np.logspace(0, -4, n)
A = (Q * l) @ Q.T
A = (A + A.T) / 2
np.save(f"{d}/spd64.npy", A)
np.save(f"{d}/spd32.npy", A.astype(np.float32))
np.save(f"{d}/spd64_fortran.npy", np.asfortranarray(A))
np.save(f"{d}/nonsquare.npy", rng.standard_normal((5, 4)))
B = A.copy(); B[0, 1] += 1e-7
np.save(f"{d}/nonsym.npy", B)
C = A.copy(); C[3, 3] = np.nan
np.save(f"{d}/nan.npy", C)
l2 = l.copy(); l2[-1] = -0.05
np.save(f"{d}/indef.npy", (Q * l2) @ Q.T)
EOF

# check.py OUT IN p eps tol dtype: max relative Frobenius error vs eigh
check() {
    "$PY" - "$@" <<'EOF'
import sys, numpy as np
out, inp, p, eps, tol, dt = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
P = np.load(out); A = np.load(inp).astype(np.float64); A = (A + A.T) / 2
if P.dtype != np.dtype(dt): print(f"dtype {P.dtype}, want {dt}"); sys.exit(1)
w, V = np.linalg.eigh(A)
R = (V * (np.maximum(w, 0.0) + eps) ** (-1.0 / p)) @ V.T
e = np.linalg.norm(P.astype(np.float64) - R) / np.linalg.norm(R)
print(f"rel. error vs numpy eigh: {e:.2e} (tol {tol:.1e})")
sys.exit(0 if e <= tol else 1)
EOF
}

# ---------------------------------------------------------------- good inputs
# kappa(A + eps I) = 1e4, n = 60: eig error <= n u kappa = 1.3e-10 (f64),
# f32 input computed in f32: n u kappa = 3.6e-2 (observed far smaller);
# Newton f64: 1e-8.
run_ok() { # name expected-dtype tol p args...
    local name=$1 dt=$2 tol=$3 p=$4; shift 4
    rm -f "$TMP/out.npy"
    if "$JORGE" invroot --p "$p" "$@" "$TMP/out.npy" >"$TMP/stdout" 2>"$TMP/stderr"; then
        grep -q "^invroot: method=.* n=60 p=$p .*residual=" "$TMP/stdout" || bad "$name: summary: $(cat "$TMP/stdout")"
        local in
        for a in "$@"; do in=$a; done
        if check "$TMP/out.npy" "$in" "$p" 1e-12 "$tol" "$dt"; then ok; else bad "$name: result"; fi
    else
        bad "$name: exit $? ($(cat "$TMP/stderr"))"
    fi
}
run_ok "eig f64 p=4" float64 1.3e-10 4 "$TMP/spd64.npy"
run_ok "eig f64 p=1" float64 1.3e-10 1 "$TMP/spd64.npy"
run_ok "eig f64 p=2 fortran" float64 1.3e-10 2 "$TMP/spd64_fortran.npy"
run_ok "newton f64 p=4" float64 1e-8 4 --method newton "$TMP/spd64.npy"
run_ok "eig f32 p=4" float32 3.6e-2 4 "$TMP/spd32.npy"
run_ok "eig f32 in f64 p=4" float64 1e-6 4 --precision f64 "$TMP/spd32.npy"
run_ok "newton f32 p=2" float32 3.6e-2 2 --method newton "$TMP/spd32.npy"
run_ok "eig nonsym symmetrized" float64 1.3e-10 4 --symmetrize "$TMP/nonsym.npy"

# ---------------------------------------------------------------- bad inputs
run_bad() { # name want-exit want-message-regex args...
    local name=$1 want=$2 msg=$3; shift 3
    rm -f "$TMP/out.npy"
    "$JORGE" invroot "$@" "$TMP/out.npy" >"$TMP/stdout" 2>"$TMP/stderr"
    local got=$?
    [ "$got" = "$want" ] || bad "$name: exit $got, want $want ($(cat "$TMP/stderr"))"
    grep -Eq "$msg" "$TMP/stderr" || bad "$name: message '$(cat "$TMP/stderr")' does not match '$msg'"
    [ "$want" = 1 ] || [ ! -e "$TMP/out.npy" ] || bad "$name: output file written"
    ls "$TMP" | grep -q '^out\.npy\..*' && bad "$name: temporary file left behind"
    ok
}
run_bad "missing file" 2 "jorge invroot: .*missing.npy" "$TMP/missing.npy"
run_bad "non-square" 2 "jorge invroot: .*nonsquare.npy.*(square|5x4|4x5)" "$TMP/nonsquare.npy"
run_bad "non-symmetric" 2 "jorge invroot: .*nonsym.npy: not symmetric: .*e-0" "$TMP/nonsym.npy"
run_bad "NaN" 2 "jorge invroot: .*nan.npy.*(NaN|nan|finite)" "$TMP/nan.npy"
run_bad "bad option" 2 "jorge invroot: --p" --p 0 "$TMP/spd64.npy"
run_bad "indefinite" 1 "not positive semi-definite: smallest eigenvalue -5.0e-02" "$TMP/indef.npy"
[ -e "$TMP/out.npy" ] && ok || bad "indefinite: the suspect result should still be written"
# eps = 0 on a matrix with an exactly zero eigenvalue: no output
"$PY" -c "import numpy as np; np.save('$TMP/zero.npy', np.diag([1.0, 0.0, 2.0]))"
run_bad "singular" 1 "singular" --eps 0 "$TMP/zero.npy"
[ ! -e "$TMP/out.npy" ] && ok || bad "singular: output written"

# float32 on kappa = 1e8 (kappa u ~ 6): the root is rounding noise, exit 1 naming kappa*u, for both
# methods; kappa = 1e3 in float32 stays exit 0
"$JORGE" gen spd --n 48 --kappa 1e8 --seed 3 --out "$TMP/k8.npy" >/dev/null
"$JORGE" gen spd --n 48 --kappa 1e3 --seed 3 --out "$TMP/k3.npy" >/dev/null
for m in eig newton; do
    run_bad "f32 kappa 1e8 ($m)" 1 "suspect float32 result: .*kappa\*u = " --method $m --precision f32 --eps 1e-12 "$TMP/k8.npy"
    "$JORGE" invroot --method $m --precision f32 --eps 1e-12 "$TMP/k3.npy" "$TMP/o3.npy" >/dev/null 2>&1 && ok ||
        bad "f32 kappa 1e3 ($m) should exit 0"
done

# issue 29: Newton never exits 0 on a wrong result (singular, eps 0: eig
# refuses it); the pseudo-inverse takes no ridge, is not suspect for its zero
# eigenvalues (float32) nor for the zero matrix; float32 data computed in
# double keep float32's PSD tolerance
"$PY" - "$TMP" <<'EOF' || bad "generating the issue-29 inputs"
import sys, numpy as np
d = sys.argv[1]
np.save(f"{d}/sing.npy", np.array([[4.0, 2.0], [2.0, 1.0]]))
np.save(f"{d}/diag0_32.npy", np.diag([1.0, 0.0, 2.0]).astype(np.float32))
np.save(f"{d}/zero32.npy", np.zeros((5, 5), np.float32))
G = np.random.default_rng(5).standard_normal((40, 10))
np.save(f"{d}/lowrank32.npy", (G @ G.T).astype(np.float32))  # rounding: eigenvalues down to -1e-8 lambda_max
s = np.zeros(256); s[[3, 40, 41, 97, 128, 200, 255]] = [3.7, 1.2, 0.8, 25, 0.05, 9, 140]
np.save(f"{d}/sparsediag.npy", np.diag(s))
EOF
run_bad "newton singular eps 0" 1 "invroot_newton: not converged.*true residual" --method newton --p 2 --eps 0 "$TMP/sing.npy"
run_bad "pinv with eps" 2 "jorge invroot: --pinv with --eps 1e-08" --pinv --eps 1e-8 "$TMP/diag0_32.npy"
for f in diag0_32 zero32; do
    rm -f "$TMP/out.npy"
    "$JORGE" invroot --pinv "$TMP/$f.npy" "$TMP/out.npy" >"$TMP/stdout" 2>"$TMP/stderr" && [ ! -s "$TMP/stderr" ] &&
        ! grep -qi nan "$TMP/stdout" && ok || bad "pinv f32 $f: exit/stderr '$(cat "$TMP/stderr")' $(cat "$TMP/stdout")"
done
"$JORGE" invroot --pinv --precision f64 "$TMP/lowrank32.npy" "$TMP/out.npy" >"$TMP/stdout" 2>"$TMP/stderr" &&
    ! grep -q "not positive semi-definite" "$TMP/stderr" && grep -q "rank=10$" "$TMP/stdout" && ok ||
    bad "f32 data in f64 (pinv): $(cat "$TMP/stderr") $(cat "$TMP/stdout")"
# float32 data computed in double: the same float32 resolution limit (its zero eigenvalues are
# float32 rounding, -1e-8 lambda_max here), exit 1 naming the data
run_bad "f32 data, kappa 7e13, in f64" 1 "suspect float32 data \(result in float64\): .*kappa\*u = " --precision f64 "$TMP/lowrank32.npy"
# the sparse-diagonal factor (issue 29): Newton in float64 within 1e-12 of the closed form, exit 0
if "$JORGE" invroot --method newton --eps 1e-12 "$TMP/sparsediag.npy" "$TMP/out.npy" >"$TMP/stdout" 2>"$TMP/stderr"; then
    "$PY" -c "
import numpy as np, sys
A = np.load('$TMP/sparsediag.npy'); P = np.load('$TMP/out.npy'); R = np.diag((np.diag(A) + 1e-12) ** -0.25)
e = np.linalg.norm(P - R) / np.linalg.norm(R); print(f'sparse diagonal newton f64: {e:.2e}'); sys.exit(0 if e <= 1e-12 else 1)
" && ok || bad "sparse diagonal newton f64: error"
else
    bad "sparse diagonal newton f64: exit $? ($(cat "$TMP/stderr"))"
fi

finish test_invroot_cli
