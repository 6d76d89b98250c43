"""exp3_recompute.py STREAM.npy CSV - recompute experiment 3 (error-time)
independently with NumPy and compare with the CSV written by
`jorge experiment error-time --input STREAM.npy`.

The Jorge recurrence (approx/jorge.h), re-implemented from its definition:
  X = Lhat^4 G G^T,  beta_eff = max(beta2, ||X||_F / (1 + ||X||_F)),
  a = (1 - beta_eff) / beta_eff,
  Lhat <- beta_eff^{-1/4} Lhat sum_{j<=k} binom(-1/4, j) (a X)^j,
  L    <- beta_eff L + (1 - beta_eff) G G^T,      L_0 = eps I, Lhat_0 = eps^{-1/4} I
  warm init: step 1 sets L_1 = beta2 eps I + (1 - beta2) G G^T, Lhat_1 = L_1^{-1/4}.
Nominal statistic: N <- beta2 N + (1 - beta2) G G^T, N_0 = eps I.
The eps regimes (column `regime`): eps_mode abs takes eps as is, rel takes
eps * ||G_1||_F^2 / m (checked against the column eps_abs); the firing
fraction so far (fired_frac) is recomputed from beta_eff > beta2.
Exact roots by numpy.linalg.eigh in float64.  Exit 0 when every row agrees,
1 otherwise (prints the worst disagreements)."""
import csv
import sys

import numpy as np

EPS = 1e-6  # the experiment's eps (checked against the CSV's params line)


def root(A):
    w, V = np.linalg.eigh((A + A.T) / 2)
    return (V * w ** -0.25) @ V.T


def relerr(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(B)


def coeffs(k):
    c = [1.0]
    for j in range(1, k + 1):
        c.append(c[-1] * (-0.25 - (j - 1)) / j)
    return c


def run(G, beta2, k, init, dtype, EPS):
    m = G.shape[1]
    I = np.eye(m)
    Lh = EPS ** -0.25 * I
    L = EPS * I
    N = EPS * I
    c = coeffs(k)
    out = {}
    fired = near = 0
    for t in range(1, G.shape[0] + 1):
        g = G[t - 1]
        S = g @ g.T
        if init == "warm" and t == 1:
            L = beta2 * L + (1 - beta2) * S
            Lh = root(L)
            be = beta2
        else:
            L2 = Lh @ Lh
            X = L2 @ L2 @ S
            xn = np.linalg.norm(X)
            be = max(beta2, xn / (1 + xn))
            fired += xn / (1 + xn) > beta2
            near += abs(xn / (1 + xn) - beta2) < 1e-12  # either way within rounding
            a = (1 - be) / be
            P = c[k] * I
            for j in range(k - 1, -1, -1):  # Horner
                P = c[j] * I + a * X @ P
            Lh = be ** -0.25 * Lh @ P
            L = be * L + (1 - be) * S
        if dtype == "f32":  # the state lives in float32 between steps
            Lh = Lh.astype(np.float32).astype(np.float64)
            L = L.astype(np.float32).astype(np.float64)
        N = beta2 * N + (1 - beta2) * S
        out[t] = (relerr(Lh, root(L)), relerr(Lh, root(N)), be, fired, near)
    return out


def main():
    G = np.load(sys.argv[1]).astype(np.float64)
    rows, params = [], ""
    with open(sys.argv[2]) as f:
        lines = [l for l in f if not (l.startswith("#") and (params := params + l))]
    if "eps=1e-6" not in params:
        print("params line does not say eps=1e-6:", params)
        return 1
    rows = list(csv.DictReader(lines))
    runs, worst, bad = {}, {}, 0
    skipped = 0
    scale = float(np.linalg.norm(G[0]) ** 2 / G.shape[1])  # ||G_1||_F^2 / m
    for r in rows:
        eps = EPS
        if "regime" in r:
            eps = float(r["eps"]) * (scale if r["eps_mode"] == "rel" else 1.0)
            d = abs(float(r["eps_abs"]) - eps) / eps
            worst[("all", "eps_abs")] = max(worst.get(("all", "eps_abs"), 0.0), d)
            if not d <= 1e-6:  # printed with 7 digits
                bad += 1
                if bad <= 10:
                    print("MISMATCH", r["regime"], "eps_abs", r["eps_abs"], "numpy", eps)
        key = (float(r["beta2"]), int(r["order"]), r["init"], r["dtype"], eps)
        if r["dtype"] == "f32" and r["init"] == "warm":
            # the f32 warm start is an f32 eigendecomposition of a statistic
            # with kappa ~ 1e6, whose rounding (5e-4 in the root) the chaotic
            # beta_eff ~ 1 - 1e-6 regime then amplifies to a few percent;
            # this model rounds the state only, so these rows are not compared
            skipped += 1
            continue
        if key not in runs:
            runs[key] = run(G, *key)
        et, en, be, fired, near = runs[key][int(r["step"])]
        if "fired_frac" in r:
            t = int(r["step"])
            got = round(float(r["fired_frac"]) * t)
            if not fired - near <= got <= fired + near:
                bad += 1
                if bad <= 10:
                    print("MISMATCH", key, "step", t, "fired_frac", r["fired_frac"], "numpy", fired / t)
        # f64: the two computations differ only by rounding (GEMM order,
        # eigensolver), amplified by the conditioning of the roots (kappa(N)
        # up to ~1e6 here, so ~1e-10 expected; 1.2e-9 seen): 1e-7 relative.
        # f32 (init eps): the state is rounded to u = 6e-8 each step, the model
        # rounds it the same way; GEMM order differs: compared as
        # |difference| <= 1e-4 max(|value|, 0.1), well below the
        # O(1e-2 .. 1) changes a wrong coefficient, beta or order makes.
        f64 = r["dtype"] == "f64"
        for name, mine in (("err_tracked", et), ("err_nominal", en)):
            got = float(r[name])
            if f64:
                # relative, with an absolute slack of 1e-15 (1e-7 x 1e-8):
                # an error near 1e-11 (a regime whose first step is almost
                # exact) is itself mostly rounding of the two computations
                d = abs(got - mine) / max(abs(mine), 1e-8)
                tol = 1e-7
            else:
                d = abs(got - mine) / max(abs(mine), 0.1)
                tol = 1e-4
            worst[(r["dtype"], name)] = max(worst.get((r["dtype"], name), 0.0), d)
            if not d <= tol:
                bad += 1
                if bad <= 10:
                    print("MISMATCH", key, "step", r["step"], name, got, "numpy", mine)
        d = abs(float(r["beta_eff"]) - be)
        worst[(r["dtype"], "beta_eff")] = max(worst.get((r["dtype"], "beta_eff"), 0.0), d)
        # printed with 15 decimals; f32: ||X||_F from an f32 state, which
        # differs from the model's by up to ~1e-5 relative (the f32 errors
        # above differ by that much), and beta = x / (1 + x) moves by
        # beta (1 - beta) times the relative change of x = ||X||_F: below
        # 1e-5 (1 - beta), plus the 1e-8 of the print and the f32 rounding
        if not d <= (1e-12 if f64 else 1e-8 + 1e-5 * (1 - be)):
            bad += 1
            if bad <= 10:
                print("MISMATCH", key, "step", r["step"], "beta_eff", r["beta_eff"], "numpy", be)
    for k, v in sorted(worst.items()):
        print("worst relative difference %s %s: %.2e" % (k[0], k[1], v))
    print("%d rows compared (%d f32 warm rows not), %d mismatches" % (len(rows) - skipped, skipped, bad))
    return 0 if bad == 0 and len(rows) - skipped > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
