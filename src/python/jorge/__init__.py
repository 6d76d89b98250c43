"""jorge - Python bindings of the Jorge preconditioner toolkit (libjorgetk).

    import jorge
    report = jorge.validate("grads/")          # or {"fc1": G}, G: T x m x n
    report["passed"], report["sides"][0]["err_nominal_max"]

    J = jorge.Jorge((m, n), side="left", beta2=0.99, eps=1e-6, order=2)
    J.update(G)                                 # G: m x n NumPy array
    J.root                                      # Lhat ~ L^{-1/4}, m x m

    with jorge.torch_capture(model, "grads/", layers=["conv1", "fc"]) as cap:
        ...                                     # train; gradients recorded

    import jorge.torch                          # PyTorch optimizers (Shampoo, Jorge)
    opt = jorge.torch.Jorge(model.parameters(), lr=0.05)

Installing, defaults, errors and threads: src/python/README.md.

Everything goes through the shared library's stable C ABI (src/capi/api.h) with
ctypes; see jorge._lib for how libjorgetk_experiments.so is found ($JORGE_LIBRARY, the
build tree, the install prefix, the system loader).

Threads: validate() may be called from several threads at once (each call
has its own library handle and context).  A Jorge object holds a lock: its
methods may be called from several threads, one at a time (calls are
serialised, never interleaved); different Jorge objects run concurrently.
Arrays: real dtypes only (float32/float64 as they are; integers and
booleans converted to float64); complex, object, string and structured
arrays raise TypeError.  A closed Jorge raises ValueError on every use.
"""
import ctypes as _c
import json as _json
import os as _os
import tempfile as _tempfile
import threading as _threading

import numpy as _np

from . import _lib
from ._lib import Error
from .capture import GradientRecorder, as_matrix, torch_capture

__version__ = _lib.jg_version().decode()
__all__ = ["validate", "invroot", "Jorge", "Error", "GradientRecorder", "as_matrix", "torch_capture", "__version__"]

_VERDICTS = {0: "PASS", 1: "FAIL", 2: "CANNOT-JUDGE", 3: "ERROR"}


def _new(fn, backend):
    h = _c.c_void_p()
    err = _c.create_string_buffer(512)
    st = fn(_c.byref(h), _lib.b(backend), err, len(err))
    if st < 0:
        raise Error(st, err.value.decode(errors="replace"))
    return h


def _real(g, name):
    """g as an ndarray of a real dtype (no copy): float32/float64 kept,
    integers and booleans to be converted; anything else (complex, object,
    strings, records) is refused rather than silently cast."""
    a = _np.asarray(g)
    if a.dtype.kind not in "biuf":
        raise TypeError("%s: dtype %s: a real array is needed (float32 or float64; integers and booleans are "
                        "converted); complex, object and other dtypes are refused" % (name, a.dtype))
    return a


def _out_dtype(a):
    return a.dtype if a.dtype in (_np.float32, _np.float64) else _np.dtype(_np.float64)


def _shape3(a, name):
    if a.ndim == 2:
        return (1,) + a.shape
    if a.ndim != 3:
        raise ValueError("%s: shape %s: a T x m x n gradient stream (or one m x n matrix) is needed"
                         % (name, a.shape))
    return a.shape


def _stream(a, name):
    """A real array (see _real) as T x m x n in the ABI's layout (T
    column-major m x n matrices), float32 or float64: a copy."""
    a = a.astype(_out_dtype(a), copy=False)
    if a.ndim == 2:
        a = a[None]
    return _np.ascontiguousarray(a.transpose(0, 2, 1))  # C order of T x n x m = column-major slices


def suggestion_kwargs(args):
    """A command-line suggestion ("--eps-mode rel --eps 0.1") as keyword
    arguments of validate() and Jorge() ({"eps_mode": "rel", "eps": 0.1});
    a flag without a value gives True."""
    words, out, i = args.split(), {}, 0
    while i < len(words):
        key = words[i].lstrip("-").replace("-", "_")
        if i + 1 < len(words) and not words[i + 1].startswith("--"):
            v = words[i + 1]
            for conv in (int, float):
                try:
                    v = conv(v)
                    break
                except ValueError:
                    pass
            out[key] = v
            i += 2
        else:
            out[key] = True
            i += 1
    return out


def validate(grads, backend="cpu", json=None, **options):
    """Run `jorge validate` on gradients and return its report as a dict.

    grads: a path (a T x m x n .npy file, or a directory of them, as the
    command takes), a dict {layer name: array}, a list of arrays, or one
    array; an array is T x m x n (conv kernels reshaped to T x out x
    (in*kh*kw), see as_matrix) or a single m x n matrix.
    options: the command's long options with '_' for '-': beta2, eps,
    eps_mode ('abs'|'rel'), order, safeguard, form, precision, reanchor,
    variant, init, tol, against, metric, every, steps, no_suggest (or
    suggest=False).  Defaults are the command's (relative eps 0.1, judged
    against Shampoo's nominal statistic, largest error <= 0.1).
    json: also write the JSON report to this path (as --json).

    The dict is the command's JSON report (same keys and numbers: verdict,
    exit_code, passed, counts, options, layers with their sides, series and
    suggestions; each suggestion, and a layer's "best", also has "kwargs":
    its "args" as keyword arguments, e.g. jorge.Jorge(shape, **s["kwargs"])),
    plus
      sides: one dict per layer and side, flattened, each with "layer";
             keys include err_nominal_max, err_tracked_max, fire_rate,
             eps, frozen, verdict, reason, dim, steps;
      text:  the table the command prints.
    Raises jorge.Error (status, one-line message) for bad options, bad or
    non-finite arrays, unreadable paths."""
    h = _new(_lib.validate_new, backend)
    try:
        for k, v in options.items():
            if k == "suggest":
                k, v = "no-suggest", not v
            st = _lib.validate_set_option(h, k.encode(), _lib.option_value(v).encode())
            if st < 0:
                raise Error(st, _lib.validate_message(h).decode(errors="replace"))
        if isinstance(grads, (str, bytes, _os.PathLike)):
            st = _lib.validate_run_path(h, _lib.b(grads))
            source = _os.fsdecode(grads)
        else:
            items = list(grads.items()) if isinstance(grads, dict) else \
                [("grads", grads)] if isinstance(grads, _np.ndarray) else \
                [("layer%d" % i, g) for i, g in enumerate(grads)]
            if not items:
                raise ValueError("validate: no gradient streams given")
            reals = [_real(g, str(nm)) for nm, g in items]
            shapes = [_shape3(a, str(nm)) for (nm, _), a in zip(items, reals)]
            # the memory check before any copy: the package's copies of every
            # stream plus the engine's largest layer (as jg_validate_mem_estimate)
            copies = sum(int(_np.prod(sh)) * _out_dtype(a).itemsize for sh, a in zip(shapes, reals))
            engine = max(8.0 * (16.0 * (m * m + n * n) + 16.0 * m * n) + 128.0 * T for T, m, n in shapes)
            _lib.mem_check(copies + engine, "validate: %d stream(s), %d bytes as float arrays" % (len(reals), copies))
            arrays = [_stream(a, str(nm)) for (nm, _), a in zip(items, reals)]
            n = len(arrays)
            names = (_c.c_char_p * n)(*[str(nm).encode() for nm, _ in items])
            data = (_c.c_void_p * n)(*[a.ctypes.data for a in arrays])
            dtypes = (_c.c_int * n)(*[0 if a.dtype == _np.float32 else 1 for a in arrays])
            shapes = (_c.c_int64 * (3 * n))(*[d for a in arrays for d in (a.shape[0], a.shape[2], a.shape[1])])
            st = _lib.validate_run_arrays(h, n, names, data, dtypes, shapes)
            source = None
        if st < 0:
            raise Error(st, _lib.validate_message(h).decode(errors="replace"))
        with _tempfile.TemporaryDirectory(prefix="jorge-validate-") as tmp:
            path = json if json is not None else _os.path.join(tmp, "report.json")
            st = _lib.validate_write_json(h, _lib.b(path), _lib.b(source), b"jorge.validate (Python)")
            if st < 0:
                raise Error(st, _lib.validate_message(h).decode(errors="replace"))
            with open(path) as f:
                report = _json.load(f)
        for layer in report["layers"]:
            for side in layer["sides"]:  # final errors also under the names of api.h
                side.setdefault("err_nominal_final", side.get("final_err_nominal"))
                side.setdefault("err_tracked_final", side.get("final_err_tracked"))
        for layer in report["layers"]:  # suggestions also as keyword arguments of validate() / Jorge()
            for sug in layer.get("suggestions") or []:
                if isinstance(sug, dict) and "args" in sug:
                    sug["kwargs"] = suggestion_kwargs(sug["args"])
            if isinstance(layer.get("best"), dict) and "args" in layer["best"]:
                layer["best"]["kwargs"] = suggestion_kwargs(layer["best"]["args"])
        report["sides"] = [dict(side, layer=layer["file"]) for layer in report["layers"] for side in layer["sides"]]
        report["text"] = (_lib.validate_text(h) or b"").decode(errors="replace")
        return report
    finally:
        _lib.validate_free(_c.byref(h))


def invroot(A, p=4, eps=0.0):
    """(A + eps I)^(-1/p) of a symmetric positive semi-definite n x n
    array, exactly (the library's eigendecomposition route,
    jg_ref_invroot_eig), as a float64 array.  Thread-safe."""
    a = _np.asfortranarray(_real(A, "invroot"), dtype=_np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise ValueError("invroot: shape %s: a square matrix is needed" % (a.shape,))
    out = _np.empty_like(a, order="F")
    err = _c.create_string_buffer(512)
    dp = _c.POINTER(_c.c_double)
    st = _lib.invroot(a.ctypes.data_as(dp), a.shape[0], int(p), float(eps), out.ctypes.data_as(dp), err, len(err))
    if st < 0:
        raise Error(st, err.value.decode(errors="replace"))
    return out


def __getattr__(name):  # jorge.torch on first use (PyTorch is optional)
    if name == "torch":
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError("module 'jorge' has no attribute %r" % name)


class Jorge:
    """One side of Jorge's inverse-free preconditioner (approx/jorge.h).

    Jorge(shape=(m, n), side="left"|"right", backend="cpu", **options):
    options are those of `jorge step` with '_' for '-' (beta2, eps,
    eps_mode, order, safeguard, form, precision, reanchor, variant, init,
    max_failures, check_positive, keep_statistic, power_iters, power_tol);
    defaults those of the command (beta2 0.99, eps relative 0.1, i.e.
    0.1 ||G_1||_F^2/dim, order 2, clip, f64; eps_mode="abs", eps=1e-6 for
    the paper's setting; see src/python/README.md, "Defaults").
    update(G) takes an m x n array and returns the step's diagnostics;
    root is Lhat (dim x dim float64, dim = m left, n right).

    Thread-safe: the object's lock serialises its methods (one update or
    read at a time); for parallel work use one object per thread.  After
    close() (or the with block) every method raises ValueError."""

    _KEYS = ("step", "xnorm", "beta_eff", "one_minus_beta", "a_xnorm", "fired", "nonfinite", "failures",
             "reanchored")

    def __init__(self, shape, side="left", backend="cpu", **options):
        self._h = None
        self._lock = _threading.RLock()
        m, n = (int(d) for d in shape)
        h = _new(_lib.jorge_new, backend)
        self._h = h
        for k, v in options.items():
            self._check(_lib.jorge_set_option(h, k.encode(), _lib.option_value(v).encode()))
        self._check(_lib.jorge_create(h, side.encode(), m, n))
        self.shape, self.side, self.dim = (m, n), side, int(_lib.jorge_dim(h))

    def _handle(self):
        if self._h is None:
            raise ValueError("Jorge: closed")
        return self._h

    def _check(self, st):
        if st < 0:
            raise Error(st, _lib.jorge_message(self._h).decode(errors="replace"))
        return st

    def _number(self, key):
        x = _c.c_double()
        with self._lock:
            self._check(_lib.jorge_number(self._handle(), key.encode(), _c.byref(x)))
        return x.value

    def update(self, G):
        """One update with gradient G (m x n).  Returns {step, xnorm,
        beta_eff, one_minus_beta, a_xnorm, fired, nonfinite, failures,
        reanchored, skipped}; raises jorge.Error when the library fails
        (e.g. JG_ERR_NUMERICAL after max_failures non-finite updates)."""
        a = _real(G, "Jorge")
        if a.shape != self.shape:
            raise ValueError("Jorge: gradient is %s, planned for %s" % (a.shape, self.shape))
        a = _np.asfortranarray(a, dtype=_out_dtype(a))
        with self._lock:
            st = self._check(_lib.jorge_update(self._handle(), a.ctypes.data, 0 if a.dtype == _np.float32 else 1,
                                               self.shape[0], self.shape[1]))
            d = {k: self._number(k) for k in self._KEYS}
        for k in ("step", "failures"):
            d[k] = int(d[k])
        for k in ("fired", "nonfinite", "reanchored"):
            d[k] = bool(d[k])
        d["skipped"] = st == 4  # JG_WARN_SKIPPED
        return d

    @property
    def root(self):
        """Lhat, dim x dim float64 (a copy)."""
        out = _np.empty((self.dim, self.dim), dtype=_np.float64, order="F")
        with self._lock:
            self._check(_lib.jorge_root(self._handle(), out.ctypes.data_as(_c.POINTER(_c.c_double)), out.size))
        return out

    def set_root(self, R):
        """Replace the root by R (dim x dim), e.g. from a checkpoint; with
        init="eps" the next update continues from it."""
        a = _np.asfortranarray(_real(R, "Jorge.set_root"), dtype=_np.float64)
        if a.shape != (self.dim, self.dim):
            raise ValueError("Jorge.set_root: root is %s, needs %s" % (a.shape, (self.dim, self.dim)))
        with self._lock:
            self._check(_lib.jorge_set_root(self._handle(), a.ctypes.data_as(_c.POINTER(_c.c_double)), a.size))

    @property
    def eps(self):
        """The absolute eps in use (NaN before the first update in relative
        mode, the default)."""
        return self._number("eps")

    @property
    def closed(self):
        return self._h is None

    def close(self):
        """Free the library's state (idempotent); the object is unusable after."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before the lock
            return
        with lock:
            if self._h is not None:
                _lib.jorge_free(_c.byref(self._h))
                self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
