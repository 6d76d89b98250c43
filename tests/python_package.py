"""Checks of the Python package (run by tests/test_python.sh).

argv: JORGE (the command) TMPDIR.  Ends with "python_package: N passed,
N failed" and exits non-zero on a failure."""
import json
import os
import subprocess
import sys

import numpy as np

import jorge

JORGE, TMP = sys.argv[1], sys.argv[2]
os.makedirs(TMP, exist_ok=True)
npass = nfail = 0


def check(cond, what):
    global npass, nfail
    if cond:
        npass += 1
    else:
        nfail += 1
        print("FAIL:", what)


def raises(fn, status, says):
    try:
        fn()
    except jorge.Error as e:
        check(e.status_name == status and says in str(e), "%s: got %s '%s', want %s '%s'"
              % (fn, e.status_name, e, status, says))
        return
    check(False, "%s: no error, want %s" % (fn, status))


# ---------------------------------------------------------------- version
out = subprocess.run([JORGE, "--version"], capture_output=True, text=True).stdout
check(out.split()[1] == jorge.__version__, "version %s vs `jorge --version` %s" % (jorge.__version__, out))
check(os.path.samefile(jorge._lib.path, os.environ["JORGE_LIBRARY"]), "loaded %s" % jorge._lib.path)

# ---------------------------------------------------------------- validate == the command
rng = np.random.default_rng(5)
d = os.path.join(TMP, "layers")
os.makedirs(d, exist_ok=True)
streams = {"a_fc.npy": 0.1 * rng.standard_normal((40, 7, 4)),
           "b_conv.npy": (rng.standard_normal((30, 5, 9)) * np.exp(rng.standard_normal((30, 1, 1)))).astype(np.float32)}
for name, g in streams.items():
    np.save(os.path.join(d, name), g)
KEYS = ("eps", "err_nominal_max", "err_tracked_max", "final_err_nominal", "fire_rate", "frozen", "verdict", "dim",
        "steps", "reason")
for opts, args in (({}, []),
                   ({"eps_mode": "abs", "eps": 1e-6, "against": "both"}, ["--eps-mode", "abs", "--eps", "1e-6",
                                                                         "--against", "both"]),
                   ({"beta2": 0.9, "order": 3, "suggest": False, "tol": 0.01},
                    ["--beta2", "0.9", "--order", "3", "--no-suggest", "--tol", "0.01"])):
    cj = os.path.join(TMP, "cli.json")
    cli = subprocess.run([JORGE, "validate", "--json", cj] + args + [d], capture_output=True, text=True)
    ref = json.load(open(cj))
    for how, grads in (("path", d), ("arrays", streams)):
        rep = jorge.validate(grads, **opts)
        tag = "%s %s" % (how, opts)
        check(rep["exit_code"] == cli.returncode and rep["passed"] == (cli.returncode == 0)
              and rep["verdict"] == ref["verdict"], "%s: exit %s vs %s" % (tag, rep["exit_code"], cli.returncode))
        check(rep["options"] == ref["options"] and rep["criterion"] == ref["criterion"], "%s: options" % tag)
        # the same engine on the same values (the array path only changes the
        # layout to column-major, as the .npy reader does): equal numbers
        rsides = [s for L in ref["layers"] for s in L["sides"]]
        check(len(rep["sides"]) == len(rsides) == 4, "%s: %d sides" % (tag, len(rep["sides"])))
        for s, r in zip(rep["sides"], rsides):
            check(all(s[k] == r[k] for k in KEYS), "%s: side %s %s: %s vs %s"
                  % (tag, s["layer"], s["side"], [s[k] for k in KEYS], [r[k] for k in KEYS]))
            check(os.path.basename(s["layer"]) in streams, "layer name %s" % s["layer"])
        shown = "".join(l for l in cli.stdout.splitlines(True) if not l.startswith("validate: wrote"))
        if how == "arrays":  # layers named by the files' base names
            shown = shown.replace(d + "/", "")
        check(rep["text"] == shown, "%s: text differs:\n%s\nvs\n%s" % (tag, rep["text"], shown))
    check(ref["layers"][0]["sides"][0]["verdict"] in ("PASS", "FAIL"), "judged")

# a JSON report on request, a single array, a 2-D matrix (too short to judge)
rep = jorge.validate(streams["a_fc.npy"], json=os.path.join(TMP, "py.json"))
check(json.load(open(os.path.join(TMP, "py.json")))["verdict"] == rep["verdict"] == "PASS", "json=")
check(rep["sides"][0]["layer"] == "grads", "single array named grads")
rep = jorge.validate({"m": np.ones((3, 2))})
check(rep["exit_code"] == 2 and rep["sides"][0]["verdict"] == "CANNOT-JUDGE", "one matrix: cannot judge")

# errors: one line from the library, no report
g = streams["a_fc.npy"].copy()
g[3, 1, 1] = np.nan
raises(lambda: jorge.validate({"x": g}), "JG_ERR_INPUT", "x: the gradients hold NaN or Inf")
raises(lambda: jorge.validate(g[:, :, :1], beta2=1.5), "JG_ERR_ARG", "option beta2: 1.5 is outside")
raises(lambda: jorge.validate(g, colour="red"), "JG_ERR_ARG", "unknown option 'colour'")
raises(lambda: jorge.validate(g, safeguard="max"), "JG_ERR_ARG", "clip|adaptive")
raises(lambda: jorge.validate(os.path.join(TMP, "missing")), "JG_ERR_IO", "missing: no such file")
raises(lambda: jorge.validate(g, backend="tpu"), "JG_ERR_NODEVICE", "tpu")


# ---------------------------------------------------------------- Jorge == NumPy
def binom(k):
    c = [1.0]
    for i in range(k):
        c.append(c[-1] * (-0.25 - i) / (i + 1))
    return c


def numpy_jorge(Gs, side, beta2, eps, k):
    """The update of approx/jorge.h, safeguard clip, written from its formula."""
    dim = Gs[0].shape[0 if side == "left" else 1]
    L = eps ** -0.25 * np.eye(dim)
    c = binom(k)
    betas = []
    for G in Gs:
        P = G @ G.T if side == "left" else G.T @ G
        X = np.linalg.matrix_power(L, 4) @ P
        x = np.linalg.norm(X)
        beta = max(beta2, x / (1 + x))
        a = (1 - beta) / beta
        S = sum(cj * np.linalg.matrix_power(a * X, j) for j, cj in enumerate(c))
        L = beta ** -0.25 * L @ S
        betas.append(beta)
    return L, betas


# eps 1e-2: the safeguard raises beta on every step; eps 30: never (beta2)
for side, shape, k, form, eps in (("left", (6, 4), 2, "auto", 1e-2), ("right", (6, 4), 3, "dense", 1e-2),
                                  ("left", (5, 8), 1, "auto", 1e-2), ("right", (3, 7), 4, "auto", 30.0),
                                  ("left", (6, 2), 2, "lowrank", 30.0)):
    Gs = [0.3 * rng.standard_normal(shape) for _ in range(6)]
    J = jorge.Jorge(shape, side=side, beta2=0.95, eps=eps, eps_mode="abs", order=k, form=form)
    diag = [J.update(G) for G in Gs]
    want, betas = numpy_jorge(Gs, side, 0.95, eps, k)
    check(all(d["fired"] == (eps < 1) for d in diag), "safeguard fired %s" % [d["fired"] for d in diag])
    err = np.linalg.norm(J.root - want) / np.linalg.norm(want)
    # 6 updates of k + 4 products of dim x dim matrices, each within dim u
    # relative; 100 x that budget for the conditioning of the factors
    tol = 100 * 6 * (k + 4) * want.shape[0] * np.finfo(float).eps
    check(err <= tol, "Jorge %s %s k=%d: ||root - numpy||/||numpy|| = %.2e > %.2e" % (side, shape, k, err, tol))
    check(max(abs(d["beta_eff"] - b) for d, b in zip(diag, betas)) <= tol, "beta_eff vs numpy")
    check([d["step"] for d in diag] == list(range(1, 7)) and J.eps == eps, "step count, eps")
    # float32 state: the same within float32's budget
    J32 = jorge.Jorge(shape, side=side, beta2=0.95, eps=eps, eps_mode="abs", order=k, form=form, precision="f32")
    for G in Gs:
        J32.update(G.astype(np.float32))
    err32 = np.linalg.norm(J32.root - want) / np.linalg.norm(want)
    tol32 = 100 * 6 * (k + 4) * want.shape[0] * np.finfo(np.float32).eps
    check(err32 <= tol32, "Jorge f32 %s: %.2e > %.2e" % (side, err32, tol32))
    J.close(), J32.close()
J = jorge.Jorge((4, 3), eps_mode="rel", eps=0.5)
check(np.isnan(J.eps), "relative eps unresolved before the first update")
G = rng.standard_normal((4, 3))
J.update(G)
check(abs(J.eps - 0.5 * np.sum(G * G) / 4) <= 1e-15 * J.eps * 12, "relative eps = 0.5 ||G||_F^2/dim: %g" % J.eps)
try:
    J.update(np.ones((3, 4)))
    check(False, "wrong shape accepted")
except ValueError as e:
    check("planned for (4, 3)" in str(e), str(e))
J.close()
raises(lambda: jorge.Jorge((4, 3), order=0), "JG_ERR_ARG", "option order: 0 is outside [1, 8]")
raises(lambda: jorge.Jorge((4, 3), side="middle"), "JG_ERR_ARG", "left|right")

# ---------------------------------------------------------------- recorder
rec = jorge.GradientRecorder(os.path.join(TMP, "rec"), max_steps=12)
conv = [rng.standard_normal((5, 3, 2, 2)).astype(np.float32) for _ in range(14)]
lin = [rng.standard_normal((4, 6)) for _ in range(14)]
for c, l in zip(conv, lin):
    rec.add("features.0", c)
    rec.add("fc", l)
paths = rec.save()
check(sorted(os.path.basename(p) for p in paths) == ["fc.npy", "features.0.npy"], "files %s" % paths)
a = np.load(os.path.join(TMP, "rec", "features.0.npy"))
check(a.shape == (12, 5, 12) and a.dtype == np.float32 and np.array_equal(a[7], conv[7].reshape(5, 12)),
      "conv stream %s %s" % (a.shape, a.dtype))
check(np.array_equal(np.load(os.path.join(TMP, "rec", "fc.npy")), np.stack(lin[:12])), "linear stream")
check(not [f for f in os.listdir(os.path.join(TMP, "rec")) if f.startswith(".")], "no temporary left")
cli = subprocess.run([JORGE, "validate", os.path.join(TMP, "rec")], capture_output=True, text=True)
check(cli.returncode in (0, 1) and "features.0.npy" in cli.stdout, "command reads the recorder's files: %s"
      % cli.stderr)
try:
    rec.add("bias", np.ones(5))
    check(False, "1-D accepted")
except ValueError as e:
    check("no left and right side" in str(e), str(e))

# ---------------------------------------------------------------- PyTorch
try:
    import torch
except ImportError:
    torch = None
    print("SKIP (PyTorch part): python3-torch is not importable")
if torch is not None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(8, 2, 6, 6), torch.randn(8, 5)
    for use_opt in (True, False):
        out = os.path.join(TMP, "torch%d" % use_opt)
        seen = {"0": [], "2": []}
        with jorge.torch_capture(model, out, layers=["0", "2"], optimizer=opt if use_opt else None):
            for _ in range(11):
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(x), y).backward()
                seen["0"].append(model[0].weight.grad.detach().numpy().reshape(3, 18).copy())
                seen["2"].append(model[2].weight.grad.detach().numpy().copy())
                opt.step()
        for name, want in seen.items():
            got = np.load(os.path.join(out, name + ".npy"))
            check(np.array_equal(got, np.stack(want)), "torch (optimizer %s) layer %s: %s" % (use_opt, name, got.shape))
        rep = jorge.validate(out)
        check(len(rep["sides"]) == 4 and rep["exit_code"] in (0, 1), "validate the captured directory")
    # leaving the block restores the optimizer (no hook or wrapper left): a
    # step after it records nothing more
    n0 = np.load(os.path.join(TMP, "torch1", "0.npy")).shape[0]
    with jorge.torch_capture(model, os.path.join(TMP, "torch_after"), layers=["2"], optimizer=opt):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    opt.step()
    got = np.load(os.path.join(TMP, "torch_after", "2.npy"))
    check(got.shape[0] == 1 and n0 == 11 and "step" not in opt.__dict__,
          "hooks removed: %d step(s) recorded, step attribute left: %s" % (got.shape[0], "step" in opt.__dict__))
    print("PyTorch %s: torch_capture checked" % torch.__version__)
    try:
        jorge.torch_capture(model, out, layers=["1"])
        check(False, "Flatten accepted")
    except ValueError as e:
        check("is not a module with a weight" in str(e), str(e))

print("python_package: %d passed, %d failed" % (npass, nfail))
sys.exit(0 if nfail == 0 and npass > 0 else 1)
