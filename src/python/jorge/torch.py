"""jorge.torch - PyTorch optimizers over libjorgetk: Shampoo (exact inverse
fourth roots) and Jorge (Jorge's inverse-free roots), the rules of the C
trainer (experiments/train/optim.h), for CPU tensors.

    import jorge.torch
    opt = jorge.torch.Jorge(model.parameters(), lr=0.1)
    opt = jorge.torch.Shampoo(model.parameters(), lr=0.1, precondition_frequency=10)

Parameters, named as in Meta's Distributed Shampoo where they mean the same:
  lr                      learning rate
  betas=(0.0, 0.99)       betas[1]: decay of the statistics L, R (the C
                          trainer's beta2); betas[0] (DS's gradient
                          filtering) must be 0: not implemented
  epsilon=1e-6            ridge (Shampoo: (L + eps I)^-1/4) / Jorge's
                          initial eps, absolute (eps_mode="rel": relative,
                          eps ||G_1||_F^2 / dim per block side)
  momentum=0.9, use_nesterov=False, weight_decay=0.0
                          the SGD rule the direction goes through
                          (g = D + wd W; buf = mu buf + g; W -= lr buf)
  max_preconditioner_dim=256
                          blocks: a matrix is split into near-equal blocks
                          of at most this many rows and columns, each with
                          its own statistics
  precondition_frequency  Shampoo: roots recomputed every F steps (10);
                          Jorge updates its roots every step (1 only)
  grafting="sgd"|"adamw"  the norm the preconditioned block direction is
                          rescaled to: ||G||_F of the block (SGD, the C
                          trainer's) or that of Adam's direction
                          G/(sqrt(v_hat) + grafting_epsilon), v the EMA of
                          G^2 with grafting_beta2 (0.999), bias-corrected,
                          grafting_epsilon 1e-8 (Distributed Shampoo's
                          AdamGraftingConfig with betas[0] = 0)
  Jorge only: order=2, safeguard="clip", warm_start=True (the first step's
                          root exact, as the C trainer's JG_INIT_WARM)
A parameter of two or more dimensions is preconditioned as a matrix
(conv kernels as out x in*kh*kw); vectors (biases) take the SGD rule.
Statistics and roots are float64 and live in the library (Jorge) or in the
optimizer's state (Shampoo); state_dict() / load_state_dict() save and
restore every one of them, so a run resumed from a checkpoint continues as
the uninterrupted run.  Thread-safety: as torch.optim optimizers, one
thread steps an optimizer.  CPU tensors only (a CUDA tensor raises).
"""
import math

import numpy as np
import torch

from . import Jorge as _Side
from . import invroot as _invroot

__all__ = ["Shampoo", "Jorge"]


def _split(n, block):
    """Starts of ceil(n/block) near-equal parts (optim.c's split)."""
    k = (n + block - 1) // block
    return [n * i // k for i in range(k + 1)]


class _Base(torch.optim.Optimizer):
    _KIND = None

    def __init__(self, params, lr=0.1, betas=(0.0, 0.99), epsilon=1e-6, momentum=0.9, use_nesterov=False,
                 weight_decay=0.0, max_preconditioner_dim=256, precondition_frequency=None, grafting="sgd",
                 grafting_beta2=0.999, grafting_epsilon=1e-8, eps_mode="abs", **extra):
        if betas[0] != 0.0:
            raise NotImplementedError("%s: betas[0] = %g: gradient filtering is not implemented (use 0)"
                                      % (type(self).__name__, betas[0]))
        if not (0.0 < betas[1] < 1.0):
            raise ValueError("%s: betas[1] = %g: in (0, 1)" % (type(self).__name__, betas[1]))
        if not (lr >= 0 and epsilon > 0 and 0 <= momentum < 1 and weight_decay >= 0 and max_preconditioner_dim >= 1):
            raise ValueError("%s: bad lr %g, epsilon %g, momentum %g, weight_decay %g or max_preconditioner_dim %d"
                             % (type(self).__name__, lr, epsilon, momentum, weight_decay, max_preconditioner_dim))
        if grafting not in ("sgd", "adamw"):
            raise ValueError("%s: grafting %r: 'sgd' or 'adamw'" % (type(self).__name__, grafting))
        if eps_mode not in ("abs", "rel"):
            raise ValueError("%s: eps_mode %r: 'abs' or 'rel'" % (type(self).__name__, eps_mode))
        defaults = dict(lr=lr, betas=tuple(betas), epsilon=epsilon, momentum=momentum, use_nesterov=use_nesterov,
                        weight_decay=weight_decay, max_preconditioner_dim=int(max_preconditioner_dim),
                        precondition_frequency=precondition_frequency, grafting=grafting,
                        grafting_beta2=grafting_beta2, grafting_epsilon=grafting_epsilon, eps_mode=eps_mode, **extra)
        super().__init__(params, defaults)
        self._sides = {}  # Jorge: (param id, block) -> (left, right) library handles

    def load_state_dict(self, state_dict):
        """torch.optim's, but the float64 statistics and roots are kept in
        float64 (torch casts floating state to the parameter's dtype)."""
        super().load_state_dict(state_dict)
        params = [p for g in self.param_groups for p in g["params"]]
        for idx, s in state_dict["state"].items():
            for k, v in s.items():
                if torch.is_tensor(v) and v.dtype == torch.float64:
                    self.state[params[idx]][k] = v.clone()

    # ------------------------------------------------------------ the frame
    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.device.type != "cpu":
                    raise ValueError("%s: parameter on %s: CPU tensors only" % (type(self).__name__, p.device))
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["momentum_buffer"] = torch.zeros_like(p)
                st["step"] += 1
                G = p.grad
                if p.dim() >= 2:
                    g = G.detach().reshape(p.shape[0], -1).to(torch.float64).numpy()
                    D = self._direction(group, p, st, g)
                    d = torch.from_numpy(D).to(p.dtype).reshape(p.shape)
                else:
                    d = G.detach().clone()
                self._sgd(group, p, st, d)
        return loss

    @staticmethod
    def _sgd(group, p, st, d):
        wd, mu = group["weight_decay"], group["momentum"]
        if wd > 0:
            d = d.add(p, alpha=wd)
        if mu == 0:
            p.add_(d, alpha=-group["lr"])
            return
        buf = st["momentum_buffer"]
        buf.mul_(mu).add_(d)
        p.add_(d.add(buf, alpha=mu) if group["use_nesterov"] else buf, alpha=-group["lr"])

    def _direction(self, group, p, st, g):
        """The grafted, preconditioned direction of matrix g (float64), per block."""
        m, n = g.shape
        r0, c0 = _split(m, group["max_preconditioner_dim"]), _split(n, group["max_preconditioner_dim"])
        D = np.empty_like(g)
        t = st["step"]
        if group["grafting"] == "adamw":  # Adam's second moment (DS's AdamGraftingConfig, betas[0] = 0)
            if "graft_v" not in st:
                st["graft_v"] = torch.zeros(m, n, dtype=torch.float64)
            gv, b2 = st["graft_v"].numpy(), group["grafting_beta2"]
            gv *= b2
            gv += (1 - b2) * g * g
            A = g / (np.sqrt(gv / (1 - b2 ** t)) + group["grafting_epsilon"])
        for bj in range(len(c0) - 1):
            for bi in range(len(r0) - 1):
                rs, cs = slice(r0[bi], r0[bi + 1]), slice(c0[bj], c0[bj + 1])
                gb = np.ascontiguousarray(g[rs, cs])
                db = self._block(group, p, st, (bi, bj), gb, t)
                nd = np.linalg.norm(db)
                if not math.isfinite(nd):
                    raise FloatingPointError("%s: preconditioned direction is not finite (step %d)"
                                             % (type(self).__name__, t))
                ref = np.linalg.norm(A[rs, cs]) if group["grafting"] == "adamw" else np.linalg.norm(gb)
                D[rs, cs] = db * (ref / nd) if nd > 0 else (A[rs, cs] if group["grafting"] == "adamw" else gb)
        return D


class Shampoo(_Base):
    """Shampoo with exact inverse fourth roots from the library
    (jorge.invroot): L = b L + (1-b) G G^T, R = b R + (1-b) G^T G from 0,
    every precondition_frequency steps PL = (L + eps I)^-1/4,
    PR = (R + eps I)^-1/4; D = PL G PR, grafted, through the SGD rule.
    See the module's documentation for the parameters."""

    def __init__(self, params, lr=0.1, precondition_frequency=10, **kw):
        super().__init__(params, lr=lr, precondition_frequency=int(precondition_frequency), **kw)

    def _block(self, group, p, st, key, g, t):
        b = group["betas"][1]
        name = "block%d_%d" % key
        if name + "_L" not in st:
            m, n = g.shape
            for s, d in (("L", m), ("R", n)):
                st["%s_%s" % (name, s)] = torch.zeros(d, d, dtype=torch.float64)
                st["%s_P%s" % (name, s)] = torch.zeros(d, d, dtype=torch.float64)
                eps = group["epsilon"]
                if group["eps_mode"] == "rel":
                    eps *= float((g * g).sum()) / d
                st["%s_eps%s" % (name, s)] = eps
        L, R = st[name + "_L"].numpy(), st[name + "_R"].numpy()
        L *= b
        L += (1 - b) * (g @ g.T)
        R *= b
        R += (1 - b) * (g.T @ g)
        if (t - 1) % group["precondition_frequency"] == 0:
            st[name + "_PL"].copy_(torch.from_numpy(_invroot(L, 4, st[name + "_epsL"])))
            st[name + "_PR"].copy_(torch.from_numpy(_invroot(R, 4, st[name + "_epsR"])))
        return st[name + "_PL"].numpy() @ g @ st[name + "_PR"].numpy()


class Jorge(_Base):
    """Jorge: each block side one inverse-free update per step in the
    library (jorge.Jorge, approx/jorge.h), D = Lhat G Rhat, grafted, through
    the SGD rule.  The roots are in the optimizer's state_dict (as
    block*_Lhat / _Rhat); restoring continues from them.  See the module's
    documentation for the parameters."""

    def __init__(self, params, lr=0.1, order=2, safeguard="clip", warm_start=True, precondition_frequency=1, **kw):
        if precondition_frequency != 1:
            raise ValueError("Jorge: precondition_frequency %r: Jorge updates its roots every step (1)"
                             % (precondition_frequency,))
        super().__init__(params, lr=lr, precondition_frequency=1, order=int(order), safeguard=safeguard,
                         warm_start=bool(warm_start), **kw)

    def _sides_of(self, group, p, st, key, shape):
        k = (id(p), key)
        if k not in self._sides:
            name = "block%d_%d" % key
            restored = name + "_Lhat" in st
            opts = dict(beta2=group["betas"][1], order=group["order"], safeguard=group["safeguard"],
                        max_failures=3, precision="f64")
            sides = []
            for i, side in enumerate(("left", "right")):
                if restored:  # continue from the saved roots: eps as resolved, no second warm start
                    o = dict(opts, eps_mode="abs", eps=st[name + "_eps"][i], init="eps")
                else:
                    o = dict(opts, eps_mode=group["eps_mode"], eps=group["epsilon"],
                             init="warm" if group["warm_start"] else "eps")
                sides.append(_Side(shape, side=side, **o))
            L, R = sides
            if restored:
                L.set_root(st[name + "_Lhat"].numpy())
                R.set_root(st[name + "_Rhat"].numpy())
            self._sides[k] = (L, R)
        return self._sides[k]

    def _block(self, group, p, st, key, g, t):
        L, R = self._sides_of(group, p, st, key, g.shape)
        L.update(g)
        R.update(g)
        Lh, Rh = L.root, R.root
        name = "block%d_%d" % key
        # the state a checkpoint needs, kept current (a copy each step: the
        # library owns the live roots)
        st[name + "_Lhat"] = torch.from_numpy(Lh)
        st[name + "_Rhat"] = torch.from_numpy(Rh)
        st[name + "_eps"] = (L.eps, R.eps)
        return Lh @ g @ Rh

    def load_state_dict(self, state_dict):
        for L, R in self._sides.values():
            L.close()
            R.close()
        self._sides = {}
        super().load_state_dict(state_dict)

    def __del__(self):
        for L, R in getattr(self, "_sides", {}).values():
            L.close()
            R.close()
