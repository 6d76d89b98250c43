#!/usr/bin/env python3
"""peer_bench.py - our speed beside a peer's, measured in one run.

The peer is what a user has: NumPy from PyPI (its own OpenBLAS, which
picks its kernel for this CPU), and PyTorch where it is installed in the
same interpreter.  For each precision and size n, in rounds that alternate
the two sides (ours, then the peer's, then ours again ...), it times the
same five computations:

  gemm           one n x n x n product
  jorge_dense    one Jorge step, order k = 2, on an n x n gradient
                 (SYRK, root^2, root^4, X, one Horner product, root * P:
                 the products of approx/jorge.c's dense form)
  jorge_lowrank  one Jorge step, k = 2, on an n x n/8 gradient (the
                 products of approx/jorge.c's low-rank form)
  eig            the eig root of A = G G^T + 1e-6 I: syevd, then
                 (V diag(l^{-1/8})) (V diag(l^{-1/8}))^T
  newton         the coupled Newton root of the same A, with exactly the
                 iterations our run took (so the two do the same work)

Ours come from `jorge bench` (its CSV: median of repeats after one warm-up);
the peer's are medians of as many repeats after one warm-up.  Each side's
time is the median over rounds.  The CSV has one row per precision, n and
computation:

  precision,n,op,ours_s,peer_s,ratio,ours_gemm_equiv,peer_gemm_equiv,rounds,iterations,peer

(ratio = ours_s / peer_s: below 1 we are faster), after `#` lines naming
both sides' BLAS, kernel and the CPU.  --figure draws the ratios with
plots/peer_bench.gp.
"""
import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

OPS = ["gemm", "jorge_dense", "jorge_lowrank", "eig", "newton"]
BETA2, EPS = 0.99, 1e-6


def coeffs(k):
    """Binomial coefficients of (1 + x)^{-1/4}: c_j = binom(-1/4, j)."""
    c = [1.0]
    for j in range(1, k + 1):
        c.append(c[-1] * (-0.25 - (j - 1)) / j)
    return c


class Peer:
    """The five computations on NumPy (or torch), state kept like ours."""

    def __init__(self, lib, n, dtype, seed=1):
        self.lib, self.n, self.dt = lib, n, dtype
        rng = np.random.default_rng(seed)
        mk = lambda r, c, s: (rng.standard_normal((r, c)) * s).astype(dtype)
        self.A, self.B = mk(n, n, 1.0), mk(n, n, 1.0)
        self.G = mk(n, n, 1.0 / np.sqrt(n))
        self.Gl = mk(n, max(n // 8, 1), 1.0 / np.sqrt(n))
        self.S = (self.G @ self.G.T + EPS * np.eye(n)).astype(dtype)
        self.c = coeffs(2)
        if lib == "torch":
            import torch
            self.t = torch
            conv = lambda x: torch.from_numpy(np.ascontiguousarray(x))
            self.A, self.B, self.G, self.Gl, self.S = map(conv, (self.A, self.B, self.G, self.Gl, self.S))
        self.reset()

    def eye(self):
        if self.lib == "torch":
            return self.t.eye(self.n, dtype=self.A.dtype)
        return np.eye(self.n, dtype=self.dt)

    def norm(self, X):
        return float(self.t.linalg.norm(X)) if self.lib == "torch" else float(np.linalg.norm(X))

    def reset(self):
        self.root = self.eye() * EPS ** -0.25

    def safeguard(self, xn):
        b = BETA2
        a = (1 - b) / b
        if xn / (1 + xn) > b:
            b, a = xn / (1 + xn), 1.0 / xn
        return a, b

    def gemm(self):
        return self.A @ self.B

    def jorge_dense(self):
        R, G, c = self.root, self.G, self.c
        S = G @ G.T
        L2 = R @ R
        X = (L2 @ L2) @ S
        a, b = self.safeguard(self.norm(X))
        P = (c[2] * a) * X + c[1] * self.eye()
        T = a * (X @ P) + c[0] * self.eye()
        self.root = (b ** -0.25) * (R @ T)

    def jorge_lowrank(self):
        R, G, c = self.root, self.Gl, self.c
        Ba = R @ G
        Bb = R @ Ba
        Ba = R @ Bb
        Bb = R @ Ba                      # B = root^4 G
        C = G.T @ Bb
        xn = float(np.sqrt(max(float(((Bb.T @ Bb) * (G.T @ G)).sum()), 0.0)))
        a, b = self.safeguard(xn)
        Ba = R @ Bb                      # root^5 G
        r = C.shape[0]
        I = self.t.eye(r, dtype=C.dtype) if self.lib == "torch" else np.eye(r, dtype=self.dt)
        Q = C * (c[2] * a * a) + I * (c[1] * a)
        self.root = (b ** -0.25) * (R + (Ba @ Q) @ G.T)
        if self.root.shape != R.shape:
            raise RuntimeError("low-rank step shape")

    def eig(self):
        if self.lib == "torch":
            w, V = self.t.linalg.eigh(self.S)
            W = V * self.t.clamp(w, min=0).add(0).pow(-0.125)
        else:
            w, V = np.linalg.eigh(self.S)
            W = V * np.power(np.maximum(w, 0), -0.125)
        return W @ W.T

    def newton(self, iters, p=4):
        S = self.S
        I = self.eye()
        # scale as ours (reference/invroot_newton.c): lambda = min(||S||_F,
        # 1.05 lambda_max by power iteration)
        v = S[:, 0] * 0 + 1
        lam = 0.0
        for _ in range(30):
            w = S @ v
            lam = self.norm(w)
            v = w / lam
        z = (1 + p) / (2 * min(self.norm(S), 1.05 * lam))
        M = S * z
        H = I * z ** (1.0 / p)
        for _ in range(iters):
            T = I * (1 + 1.0 / p) + M * (-1.0 / p)
            H = H @ T
            T2 = T @ T
            M = (T2 @ T2) @ M
        return H


def time_peer(peer, op, repeats, iters):
    f = {"gemm": peer.gemm, "jorge_dense": peer.jorge_dense, "jorge_lowrank": peer.jorge_lowrank,
         "eig": peer.eig, "newton": lambda: peer.newton(iters)}[op]
    f()  # warm-up
    t = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    if op.startswith("jorge"):
        peer.reset()
    return statistics.median(t)


def time_ours(jorge, n, prec, repeats, budget):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "b.csv")
        cmd = [jorge, "bench", "--sizes", str(n), "--precision", prec, "--max-order", "2", "--no-sweep",
               "--no-methods", "--repeats", str(repeats), "--budget", str(budget), "--out", out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    res = {}
    for r in rows:
        m, order, cols = r["method"], int(r["order"]), int(r["n"])
        key = None
        if m == "gemm":
            key = "gemm"
        elif m == "jorge_dense" and order == 2 and cols == n:
            key = "jorge_dense"
        elif m == "jorge_lowrank" and order == 2:
            key = "jorge_lowrank"
        elif m in ("eig", "newton"):
            key = m
        if key:
            res[key] = (float(r["median_s"]), int(r["iterations"]))
    return res


def peer_blas(lib):
    info = {"numpy": np.__version__}
    try:
        import threadpoolctl
        pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            info.update(blas=p.get("internal_api"), version=p.get("version"), kernel=p.get("architecture"),
                        threads=p.get("num_threads"))
    except ImportError:
        info["blas"] = "unknown (threadpoolctl not installed)"
    if lib == "torch":
        import torch
        info["torch"] = torch.__version__
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jorge", required=True, help="the jorge command (build/jorge)")
    ap.add_argument("--out", required=True, help="CSV of ratios (written atomically)")
    ap.add_argument("--sizes", default="256,512,1024,2048", help="comma-separated n (default %(default)s)")
    ap.add_argument("--precision", default="f32,f64", help="f32, f64 or f32,f64 (default %(default)s)")
    ap.add_argument("--rounds", type=int, default=2, help="alternations ours/peer (default %(default)s)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (default %(default)s)")
    ap.add_argument("--budget", type=float, default=1.0, help="jorge bench --budget (default %(default)s)")
    ap.add_argument("--peer", choices=["numpy", "torch", "both"], default="numpy",
                    help="the peer (torch only where installed; default %(default)s)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    precs = args.precision.split(",")
    if any(p not in ("f32", "f64") for p in precs) or any(n < 8 for n in sizes) or args.rounds < 1:
        ap.error("--precision f32|f64 list, sizes >= 8, rounds >= 1")
    libs = ["numpy", "torch"] if args.peer == "both" else [args.peer]
    if "torch" in libs:
        try:
            import torch  # noqa: F401
            torch.set_num_threads(os.cpu_count() or 1)
        except ImportError:
            print("peer_bench: PyTorch is not installed here: the numpy peer only", file=sys.stderr)
            libs = [l for l in libs if l != "torch"]
    ours_info = subprocess.run([args.jorge, "info"], check=True, capture_output=True, text=True).stdout
    ours_line = next((l for l in ours_info.splitlines() if l.startswith("cpu: ")), "?")
    cpu_line = next((l for l in ours_info.splitlines() if l.startswith("cpu model: ")), "cpu model: ?")

    ours, peer = {}, {}
    total = args.rounds * len(precs) * len(sizes)
    done = 0
    t_start = time.time()
    for rnd in range(args.rounds):
        for prec in precs:
            dt = np.float32 if prec == "f32" else np.float64
            for n in sizes:
                o = time_ours(args.jorge, n, prec, args.repeats, args.budget)
                for op, (s, it) in o.items():
                    ours.setdefault((prec, n, op), []).append((s, it))
                for lib in libs:
                    pr = Peer(lib, n, dt)
                    for op in OPS:
                        it = o.get("newton", (0, 20))[1]
                        peer.setdefault((lib, prec, n, op), []).append(time_peer(pr, op, args.repeats, it))
                done += 1
                print(f"peer_bench: round {rnd + 1}/{args.rounds} {prec} n={n} ({done}/{total}, "
                      f"{time.time() - t_start:.0f} s)", file=sys.stderr, flush=True)

    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"# experiment: peer_bench (ours = jorge bench; peer = {', '.join(libs)}; {args.rounds} rounds "
                f"alternating, medians)\n")
        f.write(f"# ours: {ours_line}\n")
        for lib in libs:
            f.write(f"# peer {lib}: {json.dumps(peer_blas(lib), sort_keys=True)}\n")
        f.write(f"# {cpu_line}\n# python: {platform.python_version()} ({sys.executable})\n")
        f.write(f"# date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["precision", "n", "op", "ours_s", "peer_s", "ratio", "ours_gemm_equiv", "peer_gemm_equiv",
                    "rounds", "iterations", "peer"])
        for lib in libs:
            for prec in precs:
                for n in sizes:
                    og = statistics.median(s for s, _ in ours[(prec, n, "gemm")])
                    pg = statistics.median(peer[(lib, prec, n, "gemm")])
                    for op in OPS:
                        if (prec, n, op) not in ours:
                            continue
                        os_ = statistics.median(s for s, _ in ours[(prec, n, op)])
                        ps = statistics.median(peer[(lib, prec, n, op)])
                        it = ours[(prec, n, op)][-1][1] if op == "newton" else 0
                        w.writerow([prec, n, op, f"{os_:.6e}", f"{ps:.6e}", f"{os_ / ps:.4f}",
                                    f"{os_ / og:.4f}", f"{ps / pg:.4f}", args.rounds, it, lib])
    os.replace(tmp, args.out)
    print(f"peer_bench: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
