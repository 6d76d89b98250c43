"""Record a model's gradients for `jorge validate`: one T x m x n .npy per
layer in a directory (the command's and jorge.validate's input).

A weight of more than two dimensions is flattened to out x (the rest), so a
conv kernel (out, in, kh, kw) becomes out x (in*kh*kw), the matrix whose
left and right statistics Shampoo and Jorge precondition.
"""
import os

import numpy as np


def as_matrix(w):
    """A weight's gradient as the m x n matrix Jorge preconditions."""
    a = np.asarray(w)
    if a.ndim < 2:
        raise ValueError("a %d-D tensor (shape %s) has no left and right side; pass weights of 2 or more "
                         "dimensions" % (a.ndim, a.shape))
    return a.reshape(a.shape[0], -1)


def _file_name(name):
    s = "".join(c if c.isalnum() or c in "._-" else "_" for c in str(name)).lstrip(".")
    return (s or "layer") + ".npy"


class GradientRecorder:
    """Collect gradients per layer and write them as T x m x n .npy files.

    rec = GradientRecorder("grads/", max_steps=200)
    rec.add("fc1", G)      # every step, for each layer (G m x n, or a conv kernel)
    rec.save()             # grads/fc1.npy: T x m x n, float32 or float64

    Files are written whole (a temporary file renamed into place): an
    interrupted save leaves no partial .npy for validate to read."""

    def __init__(self, directory, max_steps=None):
        self.directory = os.fspath(directory)
        self.max_steps = max_steps
        self.grads = {}

    def add(self, name, grad):
        g = as_matrix(grad)
        if g.dtype not in (np.float32, np.float64):
            g = g.astype(np.float32)
        steps = self.grads.setdefault(str(name), [])
        if steps and steps[0].shape != g.shape:
            raise ValueError("%s: gradient %s, earlier steps %s" % (name, g.shape, steps[0].shape))
        if self.max_steps is None or len(steps) < self.max_steps:
            steps.append(np.array(g, copy=True))

    def save(self):
        """Write every layer; returns the paths written."""
        os.makedirs(self.directory, exist_ok=True)
        paths = []
        for name, steps in self.grads.items():
            if not steps:
                continue
            path = os.path.join(self.directory, _file_name(name))
            tmp = os.path.join(self.directory, "." + _file_name(name) + ".tmp")
            with open(tmp, "wb") as f:
                np.save(f, np.stack(steps))
            os.replace(tmp, path)
            paths.append(path)
        return paths


class _StepWrap:
    """Run `before` ahead of each optimizer.step(), on PyTorch versions
    without Optimizer.register_step_pre_hook; remove() restores the step
    the optimizer had (an LR scheduler's wrapper included)."""

    _ABSENT = object()

    def __init__(self, optimizer, before):
        self.optimizer = optimizer
        self.saved = optimizer.__dict__.get("step", self._ABSENT)
        inner = optimizer.step

        def step(*args, **kwargs):
            before()
            return inner(*args, **kwargs)
        optimizer.step = step

    def remove(self):
        if self.optimizer is None:
            return
        if self.saved is self._ABSENT:
            del self.optimizer.step
        else:
            self.optimizer.step = self.saved
        self.optimizer = None


class torch_capture:
    """PyTorch: record the gradients of chosen layers for `jorge validate`.

    with jorge.torch_capture(model, "grads/", layers=["conv1", "fc"], optimizer=opt):
        for x, y in data:                  # an ordinary training loop
            opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    # grads/conv1.npy: T x out x (in*kh*kw), grads/fc.npy: T x out x in
    report = jorge.validate("grads/")

    layers: module names (model.named_modules(); "" is the model itself,
    written as layer.npy) whose .weight is recorded; None: every module with
    a weight of 2 or more dimensions.  With an
    optimizer the gradients are read just before each optimizer.step()
    (what the optimizer uses, after any accumulation); without one, a hook
    on each weight records the gradient of every backward pass.  At most
    max_steps steps are kept.  The files are written on leaving the block
    (or by save()); hooks are removed then."""

    def __init__(self, model, directory, layers=None, optimizer=None, max_steps=None):
        import torch  # noqa: F401  (only this class needs PyTorch)
        mods = dict(model.named_modules())
        if layers is None:
            layers = [n for n, m in mods.items()
                      if isinstance(getattr(m, "weight", None), torch.Tensor) and m.weight.dim() >= 2]
        self.weights = {}
        for n in layers:
            m = mods.get(n)
            w = getattr(m, "weight", None) if m is not None else None
            if w is None or w.dim() < 2:
                raise ValueError("torch_capture: %r is not a module with a weight of 2 or more dimensions "
                                 "(modules: %s)" % (n, ", ".join(k for k in mods if k)))
            self.weights[n] = w
        self.recorder = GradientRecorder(directory, max_steps)
        self._handles = []
        if optimizer is not None:
            if hasattr(optimizer, "register_step_pre_hook"):  # PyTorch >= 2.0
                self._handles.append(optimizer.register_step_pre_hook(lambda opt, args, kwargs: self.record()))
            else:  # PyTorch 1.x (Debian 12 has 1.13): wrap this optimizer's step
                self._handles.append(_StepWrap(optimizer, self.record))
        else:
            for n, w in self.weights.items():
                self._handles.append(w.register_hook(self._hook(n)))

    def _hook(self, name):
        def hook(grad):
            self.recorder.add(name, self._numpy(grad))
        return hook

    @staticmethod
    def _numpy(t):
        import torch
        t = t.detach()
        if t.dtype not in (torch.float32, torch.float64):
            t = t.float()  # bfloat16/float16: .npy streams are f4 or f8
        return t.cpu().numpy()

    def record(self):
        """Record the current .grad of every chosen weight (skips None)."""
        for n, w in self.weights.items():
            if w.grad is not None:
                self.recorder.add(n, self._numpy(w.grad))

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []

    def save(self):
        return self.recorder.save()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        if exc[0] is None:
            self.save()
