"""jorge.torch's optimizers (pytest-style; run as a script by
tests/test_python.sh).  Skips (prints SKIP, passes) without PyTorch.

- the first step against a closed form (NumPy's eigh);
- checkpoint round trip: k steps, state_dict saved (torch.save), k more
  steps; a fresh model and optimizer loaded from the checkpoint and k steps
  give bitwise the same parameters (Jorge, Shampoo, AdamW grafting);
- the same training as the C trainer (`jorge train`, $JORGE_COMMAND):
  an MLP 784-64-10 on the first 2048 Fashion-MNIST images, batch 64,
  2 epochs, constant lr, He-normal weights, standardized pixels; the final
  test loss of Jorge and Shampoo from PyTorch within the tolerance below of
  the C trainer's, over 3 seeds each (the two cannot share the random
  weights and shuffles: the generators differ, so the comparison is of the
  means, against the seed-to-seed spread)."""
import gzip
import io
import os
import subprocess
import sys

import numpy as np

try:
    import torch
except ImportError:  # reported by main()
    torch = None

import jorge

DATA = "/usr/share/datasets/fashion-mnist"
JORGE = os.environ.get("JORGE_COMMAND", "")


def _mlp(seed, sizes=(784, 64, 10)):
    g = torch.Generator().manual_seed(seed)
    layers = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * (2.0 / sizes[i]) ** 0.5)
            lin.bias.zero_()
        layers += [lin, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def _steps(model, opt, X, y, k, start=0):
    for s in range(start, start + k):
        i = (s * 16) % (len(X) - 16)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X[i:i + 16]), y[i:i + 16])
        loss.backward()
        opt.step()
    return loss.item()


def test_checkpoint_round_trip():
    if torch is None:
        return
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(128, 20, generator=gen)
    y = torch.randint(0, 5, (128,), generator=gen)
    for cls, kw in ((jorge.torch.Jorge, {}), (jorge.torch.Shampoo, {"precondition_frequency": 3}),
                    (jorge.torch.Jorge, {"grafting": "adamw", "max_preconditioner_dim": 8}),
                    (jorge.torch.Shampoo, {"eps_mode": "rel", "epsilon": 0.1, "weight_decay": 1e-3})):
        model = _mlp(1, (20, 12, 5))
        opt = cls(model.parameters(), lr=0.05, **kw)
        _steps(model, opt, X, y, 5)
        buf = io.BytesIO()
        torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, buf)
        _steps(model, opt, X, y, 5, start=5)
        want = [p.detach().clone() for p in model.parameters()]
        buf.seek(0)
        ck = torch.load(buf)
        model2 = _mlp(7, (20, 12, 5))
        opt2 = cls(model2.parameters(), lr=0.05, **kw)
        model2.load_state_dict(ck["model"])
        opt2.load_state_dict(ck["opt"])
        _steps(model2, opt2, X, y, 5, start=5)
        got = list(model2.parameters())
        assert all(torch.equal(a, b) for a, b in zip(want, got)), \
            "%s %s: resumed run differs by %g" % (cls.__name__, kw, max(float((a - b).abs().max()) for a, b in zip(want, got)))
        assert not torch.equal(want[0], ck["model"]["0.weight"]), "no training happened"


def _np_root(S, eps):
    w, V = np.linalg.eigh(S)
    return (V * (np.maximum(w, 0) + eps) ** -0.25) @ V.T


def test_first_step_closed_form():
    # loss = sum(W * C): the gradient is C; with momentum 0 one step is
    # W - lr D, D = PL C PR rescaled to ||C||_F.  Shampoo: PL = ((1-b) C C^T
    # + eps I)^(-1/4); Jorge's warm start: PL = (b eps I + (1-b) C C^T)^(-1/4)
    # (approx/jorge.h); the same for PR.  Against NumPy's eigh: 1e-10
    # relative (float64 eigendecompositions of 6x6 and 4x4 matrices).
    if torch is None:
        return
    rng = np.random.default_rng(2)
    C = rng.standard_normal((6, 4))
    b, eps, lr = 0.99, 1e-3, 0.1
    for cls, ridge in ((jorge.torch.Shampoo, lambda S: _np_root((1 - b) * S, eps)),
                       (jorge.torch.Jorge, lambda S: _np_root((1 - b) * S + b * eps * np.eye(len(S)), 0.0))):
        W = torch.nn.Parameter(torch.zeros(6, 4, dtype=torch.float64))
        opt = cls([W], lr=lr, momentum=0.0, epsilon=eps, betas=(0.0, b))
        (W * torch.from_numpy(C)).sum().backward()
        opt.step()
        D = ridge(C @ C.T) @ C @ ridge(C.T @ C)
        want = -lr * D * np.linalg.norm(C) / np.linalg.norm(D)
        err = np.linalg.norm(W.detach().numpy() - want) / np.linalg.norm(want)
        assert err <= 1e-10, "%s: first step off by %.3g" % (cls.__name__, err)


def test_bad_arguments():
    if torch is None:
        return
    ps = list(torch.nn.Linear(3, 2).parameters())
    for kw in ({"betas": (0.9, 0.99)}, {"grafting": "adagrad"}, {"betas": (0.0, 1.0)}):
        try:
            jorge.torch.Jorge(ps, **kw)
        except (ValueError, NotImplementedError):
            continue
        raise AssertionError("accepted %s" % kw)


def _idx(name, limit):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    if name.find("labels") >= 0:
        return np.frombuffer(raw, np.uint8, offset=8)[:limit].astype(np.int64)
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)[:limit].astype(np.float64) / 255.0


def _c_loss(optimizer, seed, tmp, args):
    out = os.path.join(tmp, "c_%s_%d.csv" % (optimizer, seed))
    subprocess.run([JORGE, "train", "--optimizer", optimizer, "--seed", str(seed), "--out", out] + args,
                   check=True, capture_output=True)
    rows = [l for l in open(out) if not l.startswith("#")]
    head = rows[0].strip().split(",")
    return float(rows[-1].strip().split(",")[head.index("test_loss")])


def _py_loss(cls, seed, Xtr, ytr, Xte, yte, epochs, batch, lr, **kw):
    torch.manual_seed(seed)
    model = _mlp(seed).double()
    opt = cls(model.parameters(), lr=lr, **kw)
    n = len(Xtr)
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(n // batch):
            idx = perm[s * batch:(s + 1) * batch]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx]).backward()
            opt.step()
    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(model(Xte), yte))


def test_same_loss_as_c_trainer():
    if torch is None:
        return
    if not (JORGE and os.path.exists(os.path.join(DATA, "train-images-idx3-ubyte.gz"))):
        print("SKIP (test_same_loss_as_c_trainer): no $JORGE_COMMAND or no Fashion-MNIST in " + DATA)
        return
    tmp = os.environ.get("JG_TEST_TMP", "/tmp")
    ntr, nte, epochs, batch, lr = 2048, 1000, 2, 64, 0.05
    args = ["--hidden", "64", "--epochs", str(epochs), "--batch", str(batch), "--lr", str(lr), "--schedule", "const",
            "--train-limit", str(ntr), "--test-limit", str(nte), "--precision", "f64", "--threads", "1"]
    Xtr, ytr = _idx("train-images-idx3-ubyte.gz", ntr), _idx("train-labels-idx1-ubyte.gz", ntr)
    Xte, yte = _idx("t10k-images-idx3-ubyte.gz", nte), _idx("t10k-labels-idx1-ubyte.gz", nte)
    mean, std = Xtr.mean(), Xtr.std()
    Xtr, Xte = [torch.from_numpy((x - mean) / std) for x in (Xtr, Xte)]
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)
    seeds = (1, 2, 3)
    for opt_name, cls in (("jorge", jorge.torch.Jorge), ("shampoo", jorge.torch.Shampoo)):
        c = np.array([_c_loss(opt_name, s, tmp, args) for s in seeds])
        p = np.array([_py_loss(cls, s, Xtr, ytr, Xte, yte, epochs, batch, lr) for s in seeds])
        spread = max(c.std(ddof=1), p.std(ddof=1))
        print("test_torch: %s final test loss, C trainer %s, PyTorch %s" % (opt_name, np.round(c, 4), np.round(p, 4)))
        assert abs(c.mean() - p.mean()) <= TOL_ABS + 3 * spread, \
            "%s: mean test loss %.4f (PyTorch) vs %.4f (C), spread %.4f" % (opt_name, p.mean(), c.mean(), spread)


TOL_ABS = 0.03


def main():
    if torch is None:
        print("SKIP (test_torch.py): PyTorch is not importable")
        return 0
    tests = [(k, v) for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
        except Exception as e:
            failed += 1
            print("FAIL: %s: %s: %s" % (name, type(e).__name__, e))
    print("%s: %d passed, %d failed" % (os.path.basename(__file__), len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
