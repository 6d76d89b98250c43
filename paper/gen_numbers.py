#!/usr/bin/python3
"""gen_numbers.py - every number of the report, from the experiments' CSV.

    /usr/bin/python3 paper/gen_numbers.py --results results/quick --out paper/generated

Reads RESULTS/data/{truncation,commutator,error-time,safeguard,stability,
direction,track,bench,front_*}.csv and RESULTS/convergence/convergence_summary.csv
(tidy CSV, '#' provenance lines, columns found by name) and writes
OUT/numbers.tex (one \\newcommand per number, each with the file and rows it
comes from in a comment) and OUT/tab_*.tex (tabular bodies, booktabs).
Nothing in the report is typed by hand: rerunning the experiments and this
script updates the text.

A missing CSV is reported on stderr and its macros read "n/a" (its tables
say so); with --strict a missing or malformed CSV is an error (exit 2), and
so is any number or verdict word typed by hand in paper/report.tex (see
check_report: every number of the prose must be a macro written here, or a
setting declared on a "% strict-settings:" line of the report).

Statistics: scipy.stats (Debian python3-scipy).  The paired tests of a
protocol (a paired.csv) are one family: each two-sided one-sample t test
(df = n - 1) is judged at 5 % after Holm's step-down correction over the
family, and every significance word names that correction.
"""
import argparse
import csv
import math
import os
import re
import statistics
import sys

try:
    from scipy import stats as sstats
except ImportError:
    sys.exit("gen_numbers.py: scipy is not installed (Debian python3-scipy; setup.sh installs it)")

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"]


def word(n):
    """Integer -> letters for a macro name (TeX names have no digits)."""
    n = int(n)
    if 0 <= n < len(WORDS):
        return WORDS[n]
    return "".join(WORDS[int(c)] for c in str(n))


def beta_tok(b):
    """0.9 -> N, 0.99 -> NN, 0.999 -> NNN (the number of nines)."""
    s = "%g" % float(b)
    if s.startswith("0.") and set(s[2:]) == {"9"}:
        return "N" * (len(s) - 2)
    return "B" + "".join(WORDS[int(c)] if c.isdigit() else "p" for c in s)


def pow10_tok(v):
    """1e-06 -> msix, 1e+12 -> twelve, 100 -> two, 1 -> zero."""
    e = round(math.log10(float(v)))
    return ("m" if e < 0 else "") + word(abs(e))


def cap(s):
    return s[:1].upper() + s[1:]


def fmt(x, sig=3):
    """A number for the text: 3 significant digits, scientific outside
    [1e-3, 1e5), as TeX math (wrapped in \\ensuremath by the macro)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "\\text{n/a}"
    if isinstance(x, float) and math.isinf(x):
        return "\\infty" if x > 0 else "-\\infty"
    if x == 0:
        return "0"
    a = abs(x)
    if 1e-3 <= a < 1e5:
        digits = max(sig - 1 - int(math.floor(math.log10(a))), 0)
        s = "%.*f" % (digits, x)
        return s
    m, e = ("%.*e" % (sig - 1, x)).split("e")
    return "%s\\times10^{%d}" % (m, int(e))


def fmt_int(x):
    return "%d" % x


class Out:
    def __init__(self):
        self.macros = {}
        self.lines = []
        self.atmost = {}

    def num(self, name, value, src, sig=3):
        self._def(name, "\\ensuremath{%s}" % fmt(value, sig), src)
        # the phrase "at most X", which reads wrong when X is 0 (a bound that
        # is exactly zero says the two things are identical)
        try:
            zero = float(value) == 0.0
        except (TypeError, ValueError):
            zero = False
        self.atmost[name] = ("0 (they are identical)" if zero else
                             "at most \\ensuremath{%s}" % fmt(value, sig))

    def int(self, name, value, src):
        self._def(name, "%d" % value, src)

    def text(self, name, value, src):
        self._def(name, value, src)

    def _def(self, name, body, src):
        assert name.isalpha(), name
        if name in self.macros:
            raise SystemExit("gen_numbers.py: macro %s defined twice" % name)
        self.macros[name] = body
        self.lines.append("%% %s\n\\newcommand{\\%s}{%s}" % (src, name, body))


class Missing(Exception):
    pass


def read_csv(path):
    """(rows as dicts, params string from '# params:' or '')."""
    if not os.path.exists(path):
        raise Missing(path)
    params = ""
    body = []
    with open(path, newline="") as f:
        for line in f:
            if line.startswith("#"):
                if line.startswith("# params:"):
                    params = line[len("# params:"):].strip()
                continue
            body.append(line)
    rows = list(csv.DictReader(body))
    if not rows:
        raise Missing(path + " (no rows)")
    return rows, params


def only(rows, col, value):
    """The rows whose column `col` equals `value`; all rows when the CSV has
    no such column (results written before the column existed).  Experiments
    3-7 add firing regimes (column `regime`) beside the paper's setting; the
    report's numbers stay on the paper's rows."""
    if rows and col not in rows[0]:
        return rows
    return [r for r in rows if r[col] == value]


def params_dict(p):
    d = {}
    for tok in p.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            d[k] = v
    return d


def f(r, k):
    v = r[k]
    try:
        return float(v)
    except ValueError:
        return float("nan")


def close(a, b):
    return abs(float(a) - float(b)) <= 1e-9 * max(abs(float(a)), abs(float(b)), 1e-300)


def table(rows, header, spec):
    """A booktabs tabular: header cells and rows of already-formatted cells."""
    out = ["\\begin{tabular}{%s}" % spec, "\\toprule", " & ".join(header) + " \\\\", "\\midrule"]
    out += [" & ".join(r) + " \\\\" for r in rows]
    out += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(out) + "\n"


def m(x, sig=3):
    return "$%s$" % fmt(x, sig)


def nanmax(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return max(xs) if xs else float("nan")


def nanmin(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return min(xs) if xs else float("nan")


# ---------------------------------------------------------------- sections
# Each takes (results dir, Out, tables dict) and raises Missing when its CSV
# is absent.

def sec_truncation(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "truncation.csv"))
    src = "data/truncation.csv"
    orders = sorted({int(r["order"]) for r in rows})
    # agreement of the measured error with the closed-form binomial remainder
    dev = nanmax([abs(f(r, "err_measured") - f(r, "err_closed")) for r in rows])
    O.num("TruncMaxDevClosed", dev, src + ": max |err_measured - err_closed| (both relative errors)")
    O.num("TruncOffdiagMax", nanmax([f(r, "offdiag") for r in rows]), src + ": max off-diagonal entry of Lhat")
    O.int("TruncOrderMax", max(orders), src + ": largest order")
    rk = [r for r in rows if int(r["order"]) == max(orders)]
    r1 = min(rk, key=lambda r: abs(math.log(f(r, "a_xnorm"))))
    O.num("TruncErrAtOneKmax", f(r1, "err_measured"), src + ": largest order, a_xnorm nearest 1")
    targets = [0.1, 0.5, 1.0]
    tab = []
    for k in orders:
        rk = [r for r in rows if int(r["order"]) == k]
        cells = ["%d" % k]
        for t in targets:
            # the sample of a||X|| closest to t (log distance)
            r = min(rk, key=lambda r: abs(math.log(f(r, "a_xnorm") / t)))
            cells.append(m(f(r, "err_measured"), 2))
            if t == 1.0:
                O.num("TruncErrAtOneK" + word(k), f(r, "err_measured"),
                      src + ": order=%d, a_xnorm nearest 1 (%g)" % (k, f(r, "a_xnorm")))
                O.num("TruncAXAtOneK" + word(k), f(r, "a_xnorm"), src + ": that sample's a_xnorm")
            if t == 0.1:
                O.text("TruncTenth", "%g" % t, "gen_numbers.py: the a_xnorm target of TruncErrAtTenth*") if k == orders[0] else None
                O.num("TruncErrAtTenthK" + word(k), f(r, "err_measured"),
                      src + ": order=%d, a_xnorm nearest 0.1" % k)
        tab.append(cells)
    T["truncation"] = table(tab, ["order $k$"] + ["$a\\|X\\|\\approx%g$" % t for t in targets], "rrrr")


def sec_commutator(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "commutator.csv"))
    src = "data/commutator.csv"
    pd = params_dict(params)
    O.text("CommDim", pd.get("m", "n/a"), src + ": params m")
    xs = sorted({f(r, "x") for r in rows})
    tab = []
    for x in xs:
        for k in sorted({int(r["order"]) for r in rows}):
            rk = [r for r in rows if int(r["order"]) == k and close(f(r, "x"), x)]
            base = rk[0]["err_commuting"]
            worst = max(rk, key=lambda r: f(r, "err"))
            ratio = f(worst, "err") / float(base)
            kx = "K" + word(k) + "X" + cap(word(round(100 * x)))
            if k == min(int(r["order"]) for r in rows):
                O.text("CommX" + cap(word(round(100 * x))), "%g" % x, src + ": an x value")
            O.num("CommRatio" + kx, ratio, src + ": order=%d x=%g: max err / err_commuting" % (k, x))
            O.num("CommErr" + kx, f(worst, "err"), src + ": order=%d x=%g: max err over theta" % (k, x))
            O.num("CommBase" + kx, float(base), src + ": order=%d x=%g: err at theta=0" % (k, x))
            O.num("CommAX" + kx, f(worst, "a_xnorm"), src + ": order=%d x=%g: a_xnorm at the max err" % (k, x))
            O.num("CommAtWorst" + kx, f(worst, "commutator"), src + ": order=%d x=%g: commutator at the max err" % (k, x))
            tab.append(["%g" % x, "%d" % k, m(float(base), 2), m(f(worst, "err"), 2),
                        m(f(worst, "commutator"), 2), m(ratio, 3)])
    T["commutator"] = table(tab, ["$x$", "$k$", "error, commuting", "max error",
                                  "commutator there", "ratio"], "rrrrrr")


def sec_error_time(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "error-time.csv"))
    allrows = rows
    rows = only(rows, "regime", "paper")
    src = "data/error-time.csv (regime=paper)"
    pd = params_dict(params)
    for key, name in (("m", "ExpThreeM"), ("n", "ExpThreeN"), ("T", "ExpThreeT")):
        O.text(name, pd.get(key, "n/a"), src + ": params " + key)
    for key, name in (("kappa", "ExpThreeKappa"), ("eps", "ExpThreeEps")):
        try:
            O.num(name, float(pd[key]), src + ": params " + key, 1)
        except (KeyError, ValueError):
            O.text(name, "n/a", src + ": params " + key + " (absent)")
    Tn = max(int(r["step"]) for r in rows)
    betas = sorted({r["beta2"] for r in rows}, key=float)
    orders = sorted({int(r["order"]) for r in rows})
    inits = ["eps", "warm"]

    def sel(dt, b, k, ini):
        return [r for r in rows if r["dtype"] == dt and r["beta2"] == b and int(r["order"]) == k
                and r["init"] == ini]

    tab = []
    for ini in inits:
        for b in betas:
            rs = sel("f64", b, 2, ini)
            if not rs:
                continue
            fin = [r for r in rs if int(r["step"]) == Tn][0]
            tag = "Ktwo" + "Beta" + beta_tok(b) + "Init" + cap(ini)
            et, en = f(fin, "err_tracked"), f(fin, "err_nominal")
            emax = nanmax([f(r, "err_tracked") for r in rs])
            O.num("ErrTrackedFinal" + tag, et, src + ": f64 beta2=%s order=2 init=%s step=%d" % (b, ini, Tn))
            O.num("ErrNominalFinal" + tag, en, src + ": same row, err_nominal")
            O.num("ErrTrackedMax" + tag, emax, src + ": f64 beta2=%s order=2 init=%s: max over checkpoints" % (b, ini))
            tab.append([ini, b, m(et, 3), m(emax, 3), m(en, 3), m(1 - f(fin, "beta_eff"), 2)])
    T["error_time"] = table(tab, ["init", "$\\beta_2$", "tracked, final", "tracked, max",
                                  "nominal, final", "$1-\\beta_{\\mathrm{eff}}$, final"], "llrrrr")
    # the safeguard: fraction of measured steps on which it fired (all configs)
    fired = [int(r["fired"]) for r in rows if r["init"] == "eps"]
    O.text("FiringWord", "on every measured step" if all(fired) else
           "on a fraction %s of the measured steps" % ("$" + fmt(sum(fired) / len(fired)) + "$"),
           src + ": init=eps: whether fired on every row")
    O.num("ExpThreeFiredFracEps", sum(fired) / len(fired), src + ": init=eps: mean of fired over all rows")
    fired_w = [int(r["fired"]) for r in rows if r["init"] == "warm" and int(r["step"]) > 1]
    if fired_w:
        O.num("ExpThreeFiredFracWarm", sum(fired_w) / len(fired_w), src + ": init=warm, step>1: mean of fired")
    # beta2 has no effect when the safeguard always fires: spread over beta2
    def spread(ini, dt="f64"):
        out = 0.0
        for k in orders:
            vals = [f([r for r in sel(dt, b, k, ini) if int(r["step"]) == Tn][0], "err_tracked") for b in betas]
            out = max(out, (max(vals) - min(vals)) / max(vals))
        return out
    sp_eps = spread("eps")
    O.text("BetaEffectWord", "no effect at all" if sp_eps < 1e-9 else
           ("a negligible effect" if sp_eps < 0.01 else "an effect"),
           src + ": from BetaSpreadInitEps (< 1e-9: none, < 1%: negligible)")
    O.num("BetaSpreadInitEps", sp_eps, src + ": init=eps, final err_tracked: max over k of (max-min)/max over beta2")
    sp_w = spread("warm")
    O.text("BetaEffectWordWarm", "no effect at all" if sp_w < 1e-9 else
           ("a negligible effect" if sp_w < 0.01 else "an effect"), src + ": from BetaSpreadInitWarm")
    fe = [f(r, "err_tracked") for r in rows if int(r["step"]) == Tn and r["init"] == "eps"]
    fw = [f(r, "err_tracked") for r in rows if int(r["step"]) == Tn and r["init"] == "warm"]
    warm_worse = statistics.mean(fw) > statistics.mean(fe)
    O.text("WarmVsEpsWord", "further from" if warm_worse else "closer to",
           src + ": mean final err_tracked, warm vs eps init")
    O.text("WarmAdvice", "the exact warm start did \\emph{not} help" if warm_worse else
           "the exact warm start helped", src + ": same comparison")
    O.num("BetaSpreadInitWarm", spread("warm"), src + ": init=warm: same")
    # order: spread over k
    ospread = 0.0
    for ini in inits:
        for b in betas:
            vals = [f([r for r in sel("f64", b, k, ini) if int(r["step"]) == Tn][0], "err_tracked") for k in orders]
            ospread = max(ospread, (max(vals) - min(vals)) / max(vals))
    O.num("OrderSpread", ospread, src + ": final err_tracked: max over beta2,init of (max-min)/max over k")
    O.text("ExpThreeOrders", ", ".join(str(k) for k in orders), src + ": orders")
    # precision: f32 vs f64, same configuration and step
    key = lambda r: (r["beta2"], r["order"], r["init"], r["step"])
    f64 = {key(r): f(r, "err_tracked") for r in rows if r["dtype"] == "f64"}
    pd_ = [abs(f(r, "err_tracked") - f64[key(r)]) / f64[key(r)] for r in rows
           if r["dtype"] == "f32" and key(r) in f64 and f64[key(r)] > 0]
    O.num("PrecMaxRelDiff", nanmax(pd_) if pd_ else float("nan"),
          src + ": max over rows |err_tracked(f32) - err_tracked(f64)| / err_tracked(f64)")
    # nominal error after the first 10 steps: smallest over everything
    O.num("ErrNominalMinAfterTen", nanmin([f(r, "err_nominal") for r in rows if int(r["step"]) >= 10]),
          src + ": min err_nominal over rows with step >= 10")
    O.num("ErrTrackedMaxAll", nanmax([f(r, "err_tracked") for r in rows]), src + ": max err_tracked over all rows")
    O.num("ErrTrackedMaxAllEps", nanmax([f(r, "err_tracked") for r in rows if r["init"] == "eps"]),
          src + ": max err_tracked over rows with init=eps")
    failures = max(int(r["failures"]) for r in rows)
    O.int("ExpThreeFailures", failures, src + ": max failures")
    # the firing regimes (relative eps): firing fraction over the whole run,
    # f64, order 2, beta2 = 0.99, init eps
    for reg in ("always", "sometimes", "rarely"):
        rr = [r for r in only(allrows, "regime", reg) if r["dtype"] == "f64" and int(r["order"]) == 2
              and r["init"] == "eps" and close(f(r, "beta2"), 0.99)]
        if rr and "fired_frac" in rr[0]:
            last = max(rr, key=lambda r: int(r["step"]))
            O.num("RegimeFireRate" + cap(reg), f(last, "fired_frac"),
                  "data/error-time.csv: regime=%s f64 order=2 init=eps beta2=0.99: fired_frac at the last step" % reg)
            O.text("RegimeEps" + cap(reg), "%g" % f(last, "eps"),
                   "data/error-time.csv: regime=%s: eps (multiple of ||G_1||_F^2/m)" % reg)
        else:  # results written before the regimes
            O.text("RegimeFireRate" + cap(reg), "\\NA", "data/error-time.csv: no rows of regime %s" % reg)
            O.text("RegimeEps" + cap(reg), "\\NA", "data/error-time.csv: no rows of regime %s" % reg)

    # recommendation table: configurations whose error vs the tracked root
    # stayed within each tolerance over the whole run
    tols = [float(t) for t in O.tols]
    rec = []
    for ini in inits:
        for dt in ("f64", "f32"):
            for b in betas:
                cells = [ini, dt, b]
                for k in orders:
                    emax = nanmax([f(r, "err_tracked") for r in sel(dt, b, k, ini)])
                    ok = [t for t in tols if emax <= t]
                    cells.append(m(emax, 2) + (" $\\checkmark$" if len(ok) == len(tols) else
                                               (" $\\circ$" if ok else "")))
                rec.append(cells)
    T["recommend"] = table(rec, ["init", "state", "$\\beta_2$"] + ["$k=%d$" % k for k in orders],
                           "lll" + "r" * len(orders))
    for t in tols:
        tag = "Tol" + cap(word(round(100 * t)))
        within = [(ini, dt, b, k) for ini in inits for dt in ("f64", "f32") for b in betas for k in orders
                  if nanmax([f(r, "err_tracked") for r in sel(dt, b, k, ini)]) <= t]
        total = len(inits) * 2 * len(betas) * len(orders)
        O.int("Within" + tag, len(within), src + ": configurations with max err_tracked <= %g" % t)
        O.int("WithinTotal" + tag, total, src + ": configurations")
        inis = sorted({w[0] for w in within})
        O.text("WithinInits" + tag, ", ".join(inis) if inis else "none",
               src + ": inits among them")
    O.text("BetaNN", "0.99" if "0.99" in betas else "n/a", src + ": the beta2 of the *BetaNN* macros")
    O.num("TolLow", tols[0], "gen_numbers.py --tol (first)")
    O.num("TolHigh", tols[-1], "gen_numbers.py --tol (last)")


def sec_safeguard(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "safeguard.csv"))
    rows = only(rows, "eps_mode", "abs")
    src = "data/safeguard.csv (eps_mode=abs)"
    Tn = max(int(r["step"]) for r in rows)
    O.int("ExpFourT", Tn, src + ": steps")
    epss = sorted({r["eps"] for r in rows}, key=float)
    betas = sorted({r["beta2"] for r in rows}, key=float)
    final = {(r["eps"], r["init"], r["safeguard"], r["beta2"]): r for r in rows if int(r["step"]) == Tn}
    tab = []
    for e in epss:
        cells = [m(float(e), 1)]
        for sg in ("clip", "spectral"):
            for b in betas:
                cells.append("%.2f" % f(final[(e, "eps", sg, b)], "fired_frac"))
        tab.append(cells)
    T["safeguard"] = table(tab, ["$\\epsilon$"] + ["F, $\\beta_2=%s$" % b for b in betas] +
                           ["S, $\\beta_2=%s$" % b for b in betas], "r" + "r" * 2 * len(betas))
    for e in epss:
        for sg in ("clip", "spectral"):
            for b in betas:
                r = final[(e, "eps", sg, b)]
                O.num("FiredFrac" + cap(sg) + "Eps" + cap(pow10_tok(e)) + "Beta" + beta_tok(b),
                      f(r, "fired_frac"), src + ": eps=%s init=eps safeguard=%s beta2=%s step=%d fired_frac" % (e, sg, b, Tn))
    # the smallest eps at which the Frobenius safeguard, init eps, beta2=0.99,
    # fired on fewer than half of the steps
    b99 = "0.99" if "0.99" in betas else betas[len(betas) // 2]
    below = [e for e in epss if f(final[(e, "eps", "clip", b99)], "fired_frac") < 0.5]
    O.text("EpsFiringStops", ("\\ensuremath{%s}" % fmt(float(below[0]), 1)) if below else "none of the tested values",
           src + ": smallest eps with fired_frac < 0.5 (frobenius, init eps, beta2=%s)" % b99)
    O.text("FireAlwaysPct", "99", "gen_numbers.py: threshold of EpsAlwaysFires (percent of steps)")
    O.text("FireHalfPct", "50", "gen_numbers.py: threshold of EpsFiringStops (percent of steps)")
    O.text("SafeBetaRef", b99, src + ": the beta2 of EpsFiringStops")
    always = [e for e in epss if all(f(final[(e, ini, "clip", b)], "fired_frac") >= 0.99
                                      for ini in ("eps",) for b in betas)]
    O.text("EpsAlwaysFires", ("\\ensuremath{%s}" % fmt(float(always[-1]), 1)) if always else "none of the tested values",
           src + ": largest eps with fired_frac >= 0.99 for every beta2 (frobenius, init eps)")
    # 1 - beta_eff at the default eps (1e-6 when present)
    e6 = [e for e in epss if close(e, 1e-6)]
    O.text("SafeEpsRef", ("\\ensuremath{%s}" % fmt(float(e6[0]), 1)) if e6 else "n/a", src + ": the eps of OneMinusBetaEff*EpsSix")
    if e6:
        vals = [f(final[(e6[0], "eps", "clip", b)], "one_minus_beta_eff") for b in betas]
        O.num("OneMinusBetaEffEpsSix", max(vals), src + ": eps=1e-6 init=eps frobenius: max final 1-beta_eff over beta2")
        vals = [f(final[(e6[0], "eps", "spectral", b)], "one_minus_beta_eff") for b in betas]
        O.text("SpectralStatWord", ": the statistic stops moving" if max(vals) == 0 else "",
               src + ": ': the statistic stops moving' when that 1-beta_eff is exactly 0")
        O.num("OneMinusBetaEffSpectralEpsSix", max(vals), src + ": same, spectral")


def sec_stability(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "stability.csv"))
    rows = only(rows, "eps_mode", "abs")
    src = "data/stability.csv (eps_mode=abs)"
    pd = params_dict(params)
    O.text("ExpFiveT", pd.get("T", "n/a"), src + ": params T")
    kappas = sorted({r["kappa"] for r in rows}, key=float)
    epss = sorted({r["eps"] for r in rows}, key=float, reverse=True)
    Ks = sorted({int(r["reanchor"]) for r in rows})

    def sel(kap, e, dt, v, K):
        return [r for r in rows if r["kappa"] == kap and r["eps"] == e and r["dtype"] == dt
                and r["variant"] == v and int(r["reanchor"]) == K]

    def last(rs):
        return max(rs, key=lambda r: int(r["step"]))

    tab = []
    for kap in kappas:
        for e in epss:
            pl, sy = sel(kap, e, "f64", "plain", 0), sel(kap, e, "f64", "sym", 0)
            cells = [m(float(kap), 1), m(float(e), 1), m(f(last(pl), "err_tracked"), 2),
                     m(f(last(sy), "err_tracked"), 2)]
            for K in Ks:
                if K:
                    cells.append(m(nanmax([f(r, "err_tracked") for r in sel(kap, e, "f64", "plain", K)]), 2))
            cells += [m(nanmin([f(r, "min_eig_sym") for r in pl]), 2),
                      m(nanmin([f(r, "min_eig_sym") for r in sy]), 2),
                      m(nanmax([f(r, "asymmetry") for r in pl]), 2)]
            tab.append(cells)
    T["stability"] = table(tab, ["$\\kappa$", "$\\epsilon$", "plain", "sym"] +
                           ["max, $K=%d$" % K for K in Ks if K] +
                           ["$\\lambda_{\\min}$ plain", "$\\lambda_{\\min}$ sym", "asym. plain"],
                           "rr" + "r" * (2 + len([K for K in Ks if K]) + 3))
    noK = [r for r in rows if int(r["reanchor"]) == 0]
    O.num("StabErrPlainMax", nanmax([f(r, "err_tracked") for r in noK if r["variant"] == "plain"]),
          src + ": max err_tracked, plain, no re-anchoring, all kappa/eps/dtype")
    O.num("StabErrSymMax", nanmax([f(r, "err_tracked") for r in noK if r["variant"] == "sym"]),
          src + ": same, sym")
    for K in Ks:
        if K:
            O.num("StabErrReanchorMaxK" + cap(word(K)),
                  nanmax([f(r, "err_tracked") for r in rows if int(r["reanchor"]) == K and r["variant"] == "plain"]),
                  src + ": max err_tracked, plain, reanchor=%d, all kappa/eps/dtype" % K)
            O.int("StabK" + cap(word(K)), K, src + ": a re-anchoring interval")
    sym_worse = (nanmax([f(r, "err_tracked") for r in noK if r["variant"] == "sym"]) >
                 nanmax([f(r, "err_tracked") for r in noK if r["variant"] == "plain"]))
    O.text("SymVerdict", "Symmetrising does not help" if sym_worse else "Symmetrising lowers the largest error",
           src + ": max err_tracked sym vs plain, no re-anchoring")
    O.text("SymAdvice", "Do not symmetrise" if sym_worse else "Symmetrising is an option",
           src + ": same comparison")
    O.num("StabSymMinEig", nanmin([f(r, "min_eig_sym") for r in noK if r["variant"] == "sym"]),
          src + ": min of min_eig_sym, sym, no re-anchoring")
    O.num("StabPlainMinEig", nanmin([f(r, "min_eig_sym") for r in noK if r["variant"] == "plain"]),
          src + ": min of min_eig_sym, plain, no re-anchoring")
    O.int("StabSymNegative", sum(1 for kap in kappas for e in epss
                                 if nanmin([f(r, "min_eig_sym") for r in sel(kap, e, "f64", "sym", 0)]) < 0),
          src + ": (kappa, eps) pairs where sym's min_eig_sym went negative (f64, K off)")
    O.int("StabPlainNegative", sum(1 for kap in kappas for e in epss
                                   if nanmin([f(r, "min_eig_sym") for r in sel(kap, e, "f64", "plain", 0)]) < 0),
          src + ": same, plain")
    O.int("StabPairs", len(kappas) * len(epss), src + ": (kappa, eps) pairs")
    O.num("StabAsymMax", nanmax([f(r, "asymmetry") for r in noK if r["variant"] == "plain"]),
          src + ": max asymmetry, plain, no re-anchoring")
    O.int("StabFailures", max(int(r["failures"]) for r in rows), src + ": max failures (NaN/Inf updates)")
    O.int("StabStopped", sum(int(r["stopped"]) for r in rows), src + ": configurations stopped by a numerical error")
    # corrected vs plain: identical when the Newton step is never taken
    key = lambda r: (r["kappa"], r["eps"], r["dtype"], r["reanchor"], r["step"])
    plain = {key(r): f(r, "err_tracked") for r in rows if r["variant"] == "plain"}
    d = [abs(f(r, "err_tracked") - plain[key(r)]) for r in rows
         if r["variant"] == "corrected" and key(r) in plain and not math.isnan(f(r, "err_tracked"))]
    O.num("StabCorrectedMinusPlain", max(d) if d else float("nan"),
          src + ": max |err_tracked(corrected) - err_tracked(plain)| over matching rows")
    # f32 vs f64 (no re-anchoring)
    keyd = lambda r: (r["kappa"], r["eps"], r["variant"], r["reanchor"], r["step"])
    f64 = {keyd(r): f(r, "err_tracked") for r in noK if r["dtype"] == "f64"}
    d = [abs(f(r, "err_tracked") - f64[keyd(r)]) / f64[keyd(r)] for r in noK
         if r["dtype"] == "f32" and keyd(r) in f64 and f64[keyd(r)] > 0]
    O.num("StabPrecMaxRelDiff", nanmax(d) if d else float("nan"),
          src + ": max relative difference f32 vs f64 err_tracked, no re-anchoring")
    # right after a re-anchor in f32: the floor set by the precision
    ra = [f(r, "err_tracked") for r in rows if r["dtype"] == "f32" and int(r["reanchor"]) > 0
          and int(r["step"]) % int(r["reanchor"]) == 0 and f(r, "err_tracked") > 0]
    O.num("StabFloatAnchorErr", nanmax(ra) if ra else float("nan"),
          src + ": max err_tracked of f32 at a re-anchoring step (rounding floor)")


def sec_direction(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "direction.csv"))
    rows = only(rows, "regime", "paper")
    src = "data/direction.csv (regime=paper)"
    Tn = max(int(r["step"]) for r in rows)
    betas = sorted({r["beta2"] for r in rows}, key=float)
    tab = []
    for ini in ("eps", "warm"):
        for b in betas:
            r = [r for r in rows if r["beta2"] == b and r["init"] == ini and r["order"] == "2"
                 and int(r["step"]) == Tn][0]
            tag = "Beta" + beta_tok(b) + "Init" + cap(ini)
            O.num("CosNominal" + tag, f(r, "cos_nominal"), src + ": order=2 beta2=%s init=%s step=%d" % (b, ini, Tn))
            O.num("CosTracked" + tag, f(r, "cos_tracked"), src + ": same row")
            O.num("CosIdentity" + tag, f(r, "cos_identity"), src + ": same row")
            tab.append([ini, b, "%.3f" % f(r, "cos_tracked"), m(f(r, "relerr_tracked"), 2),
                        "%.3f" % f(r, "cos_nominal"), m(f(r, "relerr_nominal"), 2),
                        "%.3f" % f(r, "cos_identity")])
    T["direction"] = table(tab, ["init", "$\\beta_2$", "cos, tracked", "rel.\\ err, tracked",
                                 "cos, nominal", "rel.\\ err, nominal", "cos($G$, nominal)"], "llrrrrr")
    fin = [r for r in rows if int(r["step"]) == Tn]
    O.num("CosNominalMin", min(f(r, "cos_nominal") for r in fin), src + ": final step: min cos_nominal")
    O.num("CosNominalMax", max(f(r, "cos_nominal") for r in fin), src + ": final step: max cos_nominal")
    O.num("CosIdentityMax", max(f(r, "cos_identity") for r in fin), src + ": final step: max cos_identity")
    O.num("CosIdentityMin", min(f(r, "cos_identity") for r in fin), src + ": final step: min cos_identity")
    further = min(f(r, "cos_nominal") for r in fin) < min(f(r, "cos_identity") for r in fin)
    O.text("DirVerdict", "In some configurations Jorge's direction is further from Shampoo's than the plain "
           "gradient is: it is a different preconditioner, not an approximation of Shampoo's" if further else
           "Jorge's direction is closer to Shampoo's than the plain gradient in every configuration",
           src + ": min cos_nominal vs min cos_identity at the last step")
    O.int("ExpSixT", Tn, src + ": steps")


def sec_track(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "track.csv"))
    rows = only(rows, "regime", "sometimes")  # jorge track's default eps, 0.1 s
    src = "data/track.csv (regime=sometimes)"
    pd = params_dict(params)
    for key, name in (("m", "TrackM"), ("cols", "TrackN"), ("T", "TrackT"), ("reanchor_K", "TrackK")):
        O.text(name, pd.get(key, "n/a"), src + ": params " + key)
    runs = []
    for r in rows:
        if r["run"] not in runs:
            runs.append(r["run"])
    by = {run: [r for r in rows if r["run"] == run] for run in runs}
    tab = []
    for sg in ("clip", "spectral"):
        for k in sorted({int(run.split(":")[1]) for run in runs if run.startswith(sg + ":")}):
            base = by.get("%s:%d:0:plain" % (sg, k))
            if not base:
                continue
            fin = max(base, key=lambda r: int(r["step"]))
            ra = [run for run in runs if run.startswith("%s:%d:" % (sg, k)) and run.endswith(":plain")
                  and run.split(":")[2] != "0"]
            ramax = nanmax([f(r, "err_tracked") for r in by[ra[0]]]) if ra else float("nan")
            tag = cap(sg) + "K" + word(k)
            O.num("TrackErrFinal" + tag, f(fin, "err_tracked"), src + ": run %s:%d:0:plain, last step" % (sg, k))
            O.num("TrackErrMax" + tag, nanmax([f(r, "err_tracked") for r in base]), src + ": same run, max")
            O.num("TrackErrNominalFinal" + tag, f(fin, "err_nominal"), src + ": same run, last step, err_nominal")
            O.num("TrackErrReanchorMax" + tag, ramax, src + ": run %s, max err_tracked" % (ra[0] if ra else "-"))
            O.num("TrackMinEig" + tag, nanmin([f(r, "min_eig_sym") for r in base]), src + ": same run, min min_eig_sym")
            tab.append([sg, "%d" % k, m(f(base[0], "err_tracked"), 2), m(f(fin, "err_tracked"), 2),
                        m(f(fin, "err_nominal"), 2), m(ramax, 2), m(nanmin([f(r, "min_eig_sym") for r in base]), 2)])
    T["track"] = table(tab, ["safeguard", "$k$", "step 1", "final", "final, nominal",
                             "max, re-anchored", "min $\\lambda_{\\min}$"], "lrrrrrr")
    # growth of the spectral error: final / at step 1, order 2
    for sg in ("clip", "spectral"):
        base = by.get("%s:2:0:plain" % sg)
        if base:
            first = min(base, key=lambda r: int(r["step"]))
            fin = max(base, key=lambda r: int(r["step"]))
            g_ = f(fin, "err_tracked") / f(first, "err_tracked")
            O.text("TrackVerdict" + cap(sg), "grows without bound" if g_ > 1e3 else
                   ("grows" if g_ > 10 else "stays bounded"),
                   src + ": run %s:2:0:plain: from last/first error (> 1e3: without bound, > 10: grows)" % sg)
            O.num("TrackGrowth" + cap(sg) + "Ktwo", g_,
                  src + ": run %s:2:0:plain: err_tracked last / first" % sg)
            O.num("TrackAXMin" + cap(sg), nanmin([f(r, "a_xnorm") for r in base]),
                  src + ": run %s:2:0:plain: min a_xnorm" % sg)
    fb, sp = by.get("clip:2:0:plain"), by.get("spectral:2:0:plain")
    if fb and sp:
        worse = nanmax([f(r, "err_tracked") for r in sp]) > nanmax([f(r, "err_tracked") for r in fb])
        O.text("NormAdvice", "Use the Frobenius norm" if worse else "Either norm is acceptable here",
               src + ": max err_tracked spectral vs frobenius, k=2, no re-anchoring")
    # the corrected variant: Newton steps taken and the residual it saw
    for sg in ("clip", "spectral"):
        c = by.get("%s:2:0:corrected" % sg)
        if c:
            O.int("TrackCorrSteps" + cap(sg), sum(int(r["corrected"]) for r in c),
                  src + ": run %s:2:0:corrected: sum of corrected" % sg)
            O.int("TrackCorrTotal" + cap(sg), len(c), src + ": its rows (steps measured)")
            O.num("TrackCorrResidMin" + cap(sg), nanmin([f(r, "residual") for r in c]),
                  src + ": its min residual ||Lhat^4 L - I||_F")
            O.num("TrackCorrErrFinal" + cap(sg), f(max(c, key=lambda r: int(r["step"])), "err_tracked"),
                  src + ": its final err_tracked")


def sec_bench(R, O, T):
    rows, params = read_csv(os.path.join(R, "data", "bench.csv"))
    src = "data/bench.csv"
    backends = sorted({r["backend"] for r in rows})
    O.text("BenchBackends", ", ".join(backends), src + ": backends measured")
    gpu = [b for b in backends if b != "cpu"]
    O.text("BenchGpuMeasured", "yes" if gpu else "no", src + ": a non-cpu backend present")
    tab = []
    ratios = {}
    for be in backends:
        for prec in sorted({r["precision"] for r in rows if r["backend"] == be}):
            ms = sorted({int(r["m"]) for r in rows if r["backend"] == be and r["precision"] == prec})
            for mm in ms:
                def get(meth, n=None, order=None):
                    c = [r for r in rows if r["backend"] == be and r["precision"] == prec and r["method"] == meth
                         and int(r["m"]) == mm and (n is None or int(r["n"]) == n)
                         and (order is None or int(r["order"]) == order)]
                    return c[0] if c else None
                g = get("gemm")
                jd = get("jorge_dense", mm, 2)
                lr = [r for r in rows if r["backend"] == be and r["precision"] == prec and r["method"] == "jorge_lowrank"
                      and int(r["m"]) == mm and int(r["order"]) == 2]
                eig, nw = get("eig"), get("newton")
                if not (g and jd and eig and nw):
                    continue
                lr0 = lr[0] if lr else None
                tab.append([be, prec, "%d" % mm, "%.0f" % f(g, "gflops"), m(f(jd, "gemm_equiv"), 3),
                            (m(f(lr0, "gemm_equiv"), 3) + " ($n=%s$)" % lr0["n"]) if lr0 else "--",
                            m(f(eig, "gemm_equiv"), 3), m(f(nw, "gemm_equiv"), 3) + " (%s it.)" % nw["iterations"],
                            m(f(eig, "median_s") / f(jd, "median_s"), 3), m(f(nw, "median_s") / f(jd, "median_s"), 3)])
                ratios[(be, prec, mm)] = (f(jd, "gemm_equiv"), f(eig, "gemm_equiv"), f(nw, "gemm_equiv"),
                                          f(eig, "median_s") / f(jd, "median_s"),
                                          f(nw, "median_s") / f(jd, "median_s"))
    T["bench"] = table(tab, ["backend", "prec.", "$m$", "GEMM GF/s", "Jorge dense", "Jorge low-rank",
                             "eig root", "Newton root", "eig/Jorge", "Newton/Jorge"], "llrrrrrrrr")
    if not ratios:
        raise Missing(src + " (no complete size)")
    # the largest CPU size, first precision
    cpu = sorted(k for k in ratios if k[0] == "cpu")
    big = max(cpu, key=lambda k: (k[2], k[1]))
    jd, eig, nw, re_, rn = ratios[big]
    O.int("BenchMaxM", big[2], src + ": largest m on the cpu")
    O.text("BenchMaxMPrec", big[1], src + ": its precision")
    O.num("BenchJorgeGE", jd, src + ": cpu %s m=%d jorge_dense order=2 gemm_equiv" % (big[1], big[2]))
    O.num("BenchEigGE", eig, src + ": same, eig")
    O.num("BenchNewtonGE", nw, src + ": same, newton")
    O.num("BenchEigOverJorge", re_, src + ": same, eig median_s / jorge median_s")
    O.num("BenchNewtonOverJorge", rn, src + ": same, newton / jorge")
    O.num("BenchEigOverJorgeMin", min(v[3] for k, v in ratios.items() if k[0] == "cpu"), src + ": min over cpu sizes")
    O.num("BenchEigOverJorgeMax", max(v[3] for k, v in ratios.items() if k[0] == "cpu"), src + ": max over cpu sizes")
    O.num("BenchNewtonOverJorgeMin", min(v[4] for k, v in ratios.items() if k[0] == "cpu"), src + ": min over cpu sizes")
    O.num("BenchNewtonOverJorgeMax", max(v[4] for k, v in ratios.items() if k[0] == "cpu"), src + ": max over cpu sizes")
    # re-anchoring every K steps adds eig/K per step: the K at which that is at
    # most one Jorge update
    nwr = [r for r in rows if r["backend"] == big[0] and r["precision"] == big[1] and r["method"] == "newton"
           and int(r["m"]) == big[2]]
    O.int("BenchNewtonIters", int(nwr[0]["iterations"]), src + ": newton iterations at the largest m")
    if gpu:
        O.text("BenchGpuSentence", "GPU rows (backend %s) are measured and listed in Table~\\ref{tab:bench}." % ", ".join(gpu),
               src + ": non-cpu backends present")
    else:
        O.text("BenchGpuSentence", "There is no GPU measurement yet: every ratio here is from the CPU backend, "
               "and nothing is claimed for the GPU.", src + ": no non-cpu backend in the CSV")
    O.int("BenchReanchorKmin", math.ceil(re_), src + ": ceil(eig/jorge time) at the largest m")
    sp = [f(r, "speedup") for r in rows if r["backend"] == "cpu" and r["method"] == "jorge_lowrank"
          and r["speedup"] not in ("", None)]
    # the low-rank sweep over m/n: the (m, precision) group with the most
    # order-2 low-rank rows (ties: larger m)
    groups = {}
    for r in rows:
        if r["backend"] == "cpu" and r["method"] == "jorge_lowrank" and int(r["order"]) == 2 \
                and r["speedup"] not in ("", None):
            groups.setdefault((int(r["m"]), r["precision"]), []).append(r)
    sweep = max(groups.items(), key=lambda kv: (len(kv[1]), kv[0][0]))[1] if groups else []
    if sweep:
        O.int("BenchSweepM", int(sweep[0]["m"]), src + ": m of the low-rank sweep")
    if sp:
        O.num("BenchLowrankSpeedupMax", max(sp), src + ": max low-rank speedup (cpu)")
        O.num("BenchLowrankSpeedupMin", min(sp), src + ": min low-rank speedup (cpu)")
    if sweep:
        best = max(sweep, key=lambda r: f(r, "speedup"))
        worst = min(sweep, key=lambda r: f(r, "speedup"))
        O.num("BenchLowrankBestRatio", int(best["m"]) / int(best["n"]), src + ": m/n of the best speedup in the sweep")
        O.num("BenchLowrankWorstRatio", int(worst["m"]) / int(worst["n"]), src + ": m/n of the smallest speedup")
        O.num("BenchLowrankWorstSpeedup", f(worst, "speedup"), src + ": the smallest speedup in the sweep")
    g = [f(r, "gflops") for r in rows if r["backend"] == "cpu" and r["method"] == "gemm"]
    O.num("BenchGemmGflopsMax", max(g), src + ": max GEMM GF/s on the cpu")


def sec_convergence(R, O, T):
    rows, params = read_csv(os.path.join(R, "convergence", "convergence_summary.csv"))
    src = "convergence/convergence_summary.csv"
    target = summary_header(os.path.join(R, "convergence", "convergence_summary.csv")).get("target", "n/a")
    O.text("ConvTarget", target, src + ": '# ... target test accuracy' line")
    opts = []
    for r in rows:
        if r["optimizer"] not in opts:
            opts.append(r["optimizer"])
    O.int("ConvSeeds", len({r["seed"] for r in rows}), src + ": seeds")
    tab = []
    pm = {}
    for o in opts:
        rs = [r for r in rows if r["optimizer"] == o]
        acc = [f(r, "final_test_acc") for r in rs]
        reached = [r for r in rs if r["epochs_to_target"] != "NA"]
        ep = statistics.mean(f(r, "epochs_to_target") for r in reached) if reached else float("nan")
        sc = statistics.mean(f(r, "seconds_to_target") for r in reached) if reached else float("nan")
        pm[o] = statistics.mean(f(r, "precond_ms_per_step") for r in rs)
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        tab.append([o, "$%.4f \\pm %.4f$" % (statistics.mean(acc), sd),
                    "%d/%d" % (len(reached), len(rs)), m(ep, 3) if reached else "--",
                    m(sc, 3) if reached else "--", m(pm[o], 3),
                    m(statistics.mean(f(r, "wall_s") for r in rs), 3)])
        O.num("ConvAcc" + cap(o), statistics.mean(acc), src + ": optimizer=%s mean final_test_acc" % o, 4)
        O.num("ConvEpochs" + cap(o), ep, src + ": optimizer=%s mean epochs_to_target (runs that reached it)" % o)
        O.num("ConvPrecondMs" + cap(o), pm[o], src + ": optimizer=%s mean precond_ms_per_step" % o)
        O.int("ConvReached" + cap(o), len(reached), src + ": optimizer=%s runs that reached the target" % o)
    T["convergence"] = table(tab, ["optimizer", "final test acc.", "reached", "epochs to target",
                                   "seconds to target", "precond.\\ ms/step", "wall s"], "lrrrrrr")
    if pm.get("shampoo", 0) > 0 and "jorge" in pm:
        O.num("ConvPrecondRatio", pm["jorge"] / pm["shampoo"], src + ": mean precond ms/step jorge / shampoo")
    else:
        O.text("ConvPrecondRatio", "n/a", src + ": shampoo or jorge missing")


def sec_real(R, O, T):
    """Experiments 3, 4 and 6 on real Fashion-MNIST gradients (real_*.csv)."""
    src = "data/real_error-time.csv"
    rows, params = read_csv(os.path.join(R, "data", "real_error-time.csv"))
    rows = only(rows, "regime", "paper")
    pd = params_dict(params)
    for key, name in (("m", "RealM"), ("n", "RealN"), ("T", "RealT")):
        O.text(name, pd.get(key, "n/a"), src + ": params " + key)
    Tn = max(int(r["step"]) for r in rows)
    fin = [r for r in rows if r["dtype"] == "f64" and abs(float(r["beta2"]) - 0.99) < 1e-12
           and int(r["order"]) == 2 and r["init"] == "eps" and int(r["step"]) == Tn][0]
    O.num("RealErrTrackedFinal", f(fin, "err_tracked"), src + ": f64 beta2=0.99 order=2 init=eps last step")
    O.num("RealErrNominalFinal", f(fin, "err_nominal"), src + ": same row, err_nominal")
    O.num("RealOneMinusBeta", 1 - f(fin, "beta_eff"), src + ": same row, 1 - beta_eff")
    srows, _ = read_csv(os.path.join(R, "data", "real_safeguard.csv"))
    srows = only(srows, "eps_mode", "abs")
    sel = [r for r in srows if abs(float(r["eps"]) - 1e-6) < 1e-18 and r["init"] == "eps"
           and r["safeguard"] == "clip" and abs(float(r["beta2"]) - 0.99) < 1e-12]
    last = max(sel, key=lambda r: int(r["step"]))
    O.num("RealFireRate", f(last, "fired_frac"),
          "data/real_safeguard.csv: eps=1e-6 init=eps frobenius beta2=0.99, fired_frac at the last step")


FRONT_STREAMS = [("power", "power-law"), ("drift", "drifting"), ("heavy", "heavy-tailed"),
                 ("rankdef", "rank-deficient"), ("real", "Fashion-MNIST"),
                 ("powerabs", "power-law, $\\epsilon=10^{-6}$ abs.")]
FRONT_TOLS = [1e-1, 1e-2, 1e-4, 1e-8]


def front_cheapest(rows, tol, cost, prec="f64", side="left"):
    """The row of least cost whose median and final errors are <= tol and
    that had no failure (as jg_compare_cheapest), or None."""
    ok = [r for r in rows if r["side"] == side and r["precision"] == prec and int(r["failures"]) == 0
          and f(r, "err_nominal_median") <= tol and f(r, "err_nominal_final") <= tol
          and not math.isnan(f(r, cost))]
    return min(ok, key=lambda r: f(r, cost)) if ok else None


def sec_front(R, O, T):
    """Experiment 8 (`jorge compare`): the cheapest method per error level,
    counted and timed, on each stream (front_*.csv)."""
    tab = []
    exact = []
    for key, label in FRONT_STREAMS:
        src = "data/front_%s.csv" % key
        rows, _ = read_csv(os.path.join(R, "data", "front_%s.csv" % key))
        e1 = [r for r in rows if r["method"] == "eig-every" and int(r["budget"]) == 1 and r["precision"] == "f64"]
        exact += [f(r, "err_nominal_max") for r in e1]
        for cost, what in (("gemm_equiv_per_step", "counted"), ("time_gemm_equiv_per_step", "timed")):
            cells = [label, what]
            for tol in FRONT_TOLS:
                b = front_cheapest(rows, tol, cost)
                sym = {"order": "k", "every": "F", "iterations": "K", "degree": "d"}.get(b["budget_name"], "b") if b else ""
                cells.append("--" if b is None else "%s $%s=%s$ (%s)" % (b["method"], sym, b["budget"], m(f(b, cost), 2)))
            tab.append(cells)
            for i, tol in enumerate(FRONT_TOLS):
                b = front_cheapest(rows, tol, cost)
                O.text("Front%s%s%s" % (cap(what), cap(key), cap(word(i + 1))), "none" if b is None else
                       "%s (%s %s)" % (b["method"], b["budget_name"], b["budget"]),
                       src + ": cheapest left f64 row by %s cost with median and final error <= %g" % (what, tol))
    O.num("FrontEigExactErrMax", max(exact), "data/front_*.csv: max err_nominal_max of eig-every F=1, f64")
    prow, _ = read_csv(os.path.join(R, "data", "front_precision.csv"))
    for prec, ptok in (("f32", "Fthirtytwo"), ("tf32", "Tfthirtytwo"), ("bf16", "Bfsixteen")):
        fails = {r["method"] for r in prow if r["precision"] == prec and int(r["failures"]) > 0}
        O.text("FrontFailing" + ptok, ", ".join(sorted(fails)) or "none",
               "data/front_precision.csv: methods with a failed update at " + prec)
        best = min((f(r, "err_nominal_median") for r in prow if r["precision"] == prec and int(r["failures"]) == 0),
                   default=float("nan"))
        O.num("FrontBestErr" + ptok, best, "data/front_precision.csv: least median error, no failure, " + prec)
    T["front"] = table(tab, ["stream", "cost", "err $\\le 10^{-1}$", "err $\\le 10^{-2}$",
                             "err $\\le 10^{-4}$", "err $\\le 10^{-8}$"], "llllll")


def sec_regime(R, O, T):
    """Experiment 9 (regime.csv, real_regime.csv): where Jorge follows Shampoo."""
    rows, params = read_csv(os.path.join(R, "data", "regime.csv"))
    src = "data/regime.csv"
    pd = params_dict(params)
    O.text("RegimeT", pd.get("T", "n/a"), src + ": params T")
    O.text("RegimeM", pd.get("m", "n/a"), src + ": params m")

    def cell(rs, sp, mode, eps, b2=0.99, rule="clip", k=2):
        c = [r for r in rs if r["spectrum"] == sp and r["eps_mode"] == mode and close(float(r["eps"]), eps)
             and close(float(r["beta2"]), b2) and int(r["order"]) == k and r["safeguard"] == rule]
        if not c:
            raise Missing("%s: no row %s %s %g beta2 %g %s k=%d" % (src, sp, mode, eps, b2, rule, k))
        return c[0]
    rels = sorted({float(r["eps"]) for r in rows if r["eps_mode"] == "rel"})
    specs = [s_ for s_ in ("power", "exp", "rankdef", "drift", "heavy") if any(r["spectrum"] == s_ for r in rows)]
    tab = []
    follow = []
    for sp in specs:
        a6 = cell(rows, sp, "abs", 1e-6)
        line = [sp, "%s / %s" % (m(f(a6, "fire_rate"), 2), m(f(a6, "err_nominal_final"), 2))]
        first = None
        for e in rels:
            c = cell(rows, sp, "rel", e)
            line.append("%s / %s" % (m(f(c, "fire_rate"), 2), m(f(c, "err_nominal_final"), 2)))
            if first is None and f(c, "fire_rate") < 0.1:
                first = (e, c)
        tab.append(line)
        tag = cap(sp)
        O.num("RegimeAbsErr" + tag, f(a6, "err_nominal_final"), src + ": %s abs 1e-6 beta2 0.99 clip k=2" % sp)
        if first:
            O.num("RegimeFollowEps" + tag, first[0], src + ": %s smallest relative eps with fire_rate < 0.1" % sp)
            O.num("RegimeFollowErr" + tag, f(first[1], "err_nominal_final"), src + ": its err_nominal_final")
            follow.append(first[0])
    frozen = [r for r in rows if r["eps_mode"] == "abs" and close(float(r["eps"]), 1e-6) and r["safeguard"] == "clip"]
    O.int("RegimeFrozenAbs", sum(int(r["frozen"]) for r in frozen), src + ": abs 1e-6 clip rows frozen")
    O.int("RegimeRowsAbs", len(frozen), src + ": abs 1e-6 clip rows")
    O.num("RegimeFollowEpsMin", min(follow) if follow else float("nan"), src + ": smallest of RegimeFollowEps*")
    O.num("RegimeFollowEpsMax", max(follow) if follow else float("nan"), src + ": largest of RegimeFollowEps*")
    T["regime"] = table(tab, ["stream", "$10^{-6}$ abs"] + ["$%g\\,s$" % e for e in rels],
                        "l" + "r" * (1 + len(rels)))
    # the adaptive rule against clip, real gradients, relative eps 0.1 and 1
    rrows, _ = read_csv(os.path.join(R, "data", "real_regime.csv"))
    rsrc = "data/real_regime.csv"
    for e, tok in ((0.1, "Tenth"), (1.0, "One")):
        O.num("RegimeRealClip" + tok, f(cell(rrows, "input", "rel", e), "err_nominal_final"),
              rsrc + ": rel %g beta2 0.99 clip k=2 err_nominal_final" % e)
        O.num("RegimeRealAdaptive" + tok, f(cell(rrows, "input", "rel", e, rule="adaptive"), "err_nominal_final"),
              rsrc + ": rel %g beta2 0.99 adaptive k=2 err_nominal_final" % e)
        O.num("RegimeRealFire" + tok, f(cell(rrows, "input", "rel", e), "fire_rate"), rsrc + ": its fire_rate (clip)")
    O.num("RegimeRealAbsErr", f(cell(rrows, "input", "abs", 1e-6), "err_nominal_final"),
          rsrc + ": abs 1e-6 clip err_nominal_final")


def sec_validate(R, O, T):
    """`jorge validate` on the real capture: the paper's eps and the default (real_validate*.json)."""
    import json
    for name, tok in (("real_validate_abs.json", "Abs"), ("real_validate.json", "Def")):
        p = os.path.join(R, "data", name)
        if not os.path.exists(p):
            raise Missing(p)
        with open(p) as fh:
            rep = json.load(fh)
        src = "data/" + name
        O.text("Val%sVerdict" % tok, rep["verdict"], src + ": verdict")
        L = rep["layers"][0]
        for sd in L["sides"]:
            st = cap(sd["side"])
            O.num("Val%sErrNom%s" % (tok, st), sd["err_nominal_max"], src + ": %s err_nominal_max" % sd["side"])
            O.num("Val%sErrTr%s" % (tok, st), sd["err_tracked_max"], src + ": %s err_tracked_max" % sd["side"])
            O.int("Val%sFired%s" % (tok, st), sd["fired"], src + ": %s fired" % sd["side"])
            O.num("Val%sWeight%s" % (tok, st), sd["weight_new_gradients"] / sd["weight_new_gradients_nominal"],
                  src + ": %s weight_new_gradients / weight_new_gradients_nominal" % sd["side"])
            O.text("Val%sFrozen%s" % (tok, st), "frozen" if sd["frozen"] else "not frozen", src + ": %s frozen" % sd["side"])
        O.int("Val%sSteps" % tok, L["T"], src + ": layer T")
        O.text("Val%sBest" % tok, (L.get("best") or "none").replace("--", "-{}-"), src + ": cheapest passing suggestion")
        O.num("Val%sEps" % tok, rep["options"]["eps"], src + ": options eps")


ALPHA = 0.05
MIB = 1048576.0  # one unit for memory everywhere: MiB (2^20 bytes), as the README


def holm_family(prs):
    """Two-sided p (scipy.stats.t, df = n - 1, from the row's t) of every
    test of a paired.csv and Holm's step-down adjustment over all of them:
    {(a, b, metric): (p, p_holm, df)} and the family's size."""
    ps = {}
    for r in prs:
        try:
            tv, n_ = float(r["t"]), int(r["n"])
        except ValueError:
            continue
        if n_ >= 2 and math.isfinite(tv):
            ps[(r["a"], r["b"], r["metric"])] = (2.0 * float(sstats.t.sf(abs(tv), n_ - 1)), n_ - 1)
    order = sorted(ps, key=lambda k: ps[k][0])
    k, run, out = len(order), 0.0, {}
    for j, key in enumerate(order):
        run = max(run, min(1.0, (k - j) * ps[key][0]))
        out[key] = (ps[key][0], run, ps[key][1])
    return out, k


def pair_macros(O, prs, src, a, b, metric, name, scale, fam=None):
    """The paired difference a - b of metric (paired.csv of convergence.sh)
    as the macros NAME, NAMESd (times scale), NAMET, NAMEN, NAMEDf, NAMEP,
    NAMEPHolm and NAMESig (significant at 5 % after Holm's correction over
    the family fam = holm_family(prs), named in the words); returns
    (mean_diff, significant), or None when the pair is absent."""
    r = [x for x in prs if x["a"] == a and x["b"] == b and x["metric"] == metric]
    if not r:
        return None
    if fam is None:
        fam = holm_family(prs)
    hf, k = fam
    r = r[0]
    n_ = int(r["n"])
    unit = " (points)" if scale == 100.0 else ""
    O.num(name, scale * f(r, "mean_diff"), src + ": %s - %s %s mean_diff%s" % (a, b, metric, unit), 2)
    O.num(name + "Sd", scale * f(r, "std_diff"), src + ": same, std_diff" + unit, 2)
    O.text(name + "T", r["t"], src + ": same, t")
    O.int(name + "N", n_, src + ": same, n")
    p, ph, df = hf.get((a, b, metric), (float("nan"), float("nan"), n_ - 1))
    sig = ph < ALPHA
    O.int(name + "Df", df, src + ": same, degrees of freedom n - 1")
    O.num(name + "P", p, src + ": same, two-sided p of t with n - 1 df (scipy.stats.t)", 2)
    O.num(name + "PHolm", ph, src + ": same, Holm-adjusted over the %d tests of the file" % k, 2)
    O.text(name + "Sig", "%s at 5\\,\\%% after Holm's correction over %d paired t tests (df~%d, adjusted $p=%s$)"
           % ("significant" if sig else "not significant", k, df, fmt(ph, 2)),
           src + ": Holm-adjusted two-sided p against 0.05, family of %d tests" % k)
    return f(r, "mean_diff"), sig


def summary_header(path):
    """The '# key: value' lines at the top of a convergence summary CSV as a
    dict, with 'target' from its '... target test accuracy X' line."""
    head = {}
    with open(path) as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            if ":" in line:
                k, v = line[1:].split(":", 1)
                head[k.strip()] = v.strip()
            if "target test accuracy" in line:
                head["target"] = line.rsplit(" ", 1)[-1].strip()
    return head


def sec_training(R, O, T):
    """The training study's paired differences and ablations (experiments/convergence.sh:
    paired.csv, ablation_summary.csv, convergence_summary.csv, threads.csv)."""
    C = os.path.join(R, "convergence")
    prs, _ = read_csv(os.path.join(C, "paired.csv"))
    src = "convergence/paired.csv"
    fam = holm_family(prs)
    got = {}
    for a, b, tag in (("jorge", "sgd", "JorgeSgd"), ("jorge", "adamw", "JorgeAdamw"), ("jorge", "shampoo", "JorgeShampoo"),
                      ("shampoo_beff", "jorge", "BeffJorge"), ("jorge_rel", "jorge", "RelJorge"),
                      ("jorge_f32", "jorge", "FthirtytwoJorge"), ("shampoo_F1", "shampoo", "FoneShampoo")):
        got[tag] = pair_macros(O, prs, src, a, b, "final_test_acc", "Pair" + tag, 100.0, fam)
        if got[tag] is None:
            raise Missing("%s: no pair %s - %s" % (src, a, b))
    # the quick set's verdicts, in words, from the same tests (Holm over the family)
    corr = "Holm-corrected over the %d paired t tests of the quick set" % fam[1]
    bd, bsig = got["BeffJorge"]
    O.text("TrainBeffVerdict",
           ("the exact root of that path's statistic changed the final accuracy significantly (%s)" % corr if bsig else
            "with these seeds the difference is not significant (%s), so this run does not separate what the root "
            "costs from what the statistic costs" % corr),
           src + ": shampoo_beff - jorge, final_test_acc, Holm-adjusted p against 0.05")
    rd, rsig = got["RelJorge"]
    O.text("TrainRelVerdict",
           ("the relative $\\epsilon$ %s the final accuracy significantly (%s)" % ("raised" if rd > 0 else "lowered", corr)
            if rsig else "the change is not significant (%s)" % corr),
           src + ": jorge_rel - jorge, final_test_acc, Holm-adjusted p against 0.05")
    runs, _ = read_csv(os.path.join(C, "convergence_summary.csv"))
    abl, _ = read_csv(os.path.join(C, "ablation_summary.csv"))
    allr = runs + abl
    csrc = "convergence/{convergence,ablation}_summary.csv"

    def mean_of(opt, col):
        v = [f(x, col) for x in allr if x["optimizer"] == opt and x[col] not in ("NA", "")]
        if not v:
            raise Missing("%s: no %s for %s" % (csrc, col, opt))
        return statistics.mean(v)
    for opt, tag in (("jorge", "Jorge"), ("jorge_rel", "JorgeRel"), ("shampoo_beff", "ShampooBeff")):
        O.num("TrainFire" + tag, 100 * mean_of(opt, "fire_rate"), csrc + ": %s mean fire_rate (percent)" % opt, 2)
    O.num("TrainOmbJorge", mean_of("jorge", "median_one_minus_beta_last"), csrc + ": jorge mean median_one_minus_beta_last")
    for opt, tag in (("jorge", "Jorge"), ("shampoo", "Shampoo"), ("jorge_f32", "JorgeF"), ("shampoo_F1", "ShampooFone"),
                     ("shampoo_F50", "ShampooFfifty")):
        O.num("TrainMs" + tag, mean_of(opt, "precond_ms_per_step"), csrc + ": %s mean precond_ms_per_step" % opt, 2)
    for opt, tag in (("sgd", "Sgd"), ("shampoo", "Shampoo"), ("jorge", "Jorge")):
        O.num("TrainStateMB" + tag, mean_of(opt, "opt_state_bytes") / MIB, csrc + ": %s opt_state_bytes / 2^20 (MiB)" % opt, 2)
    th, _ = read_csv(os.path.join(C, "threads.csv"))
    best = min(th, key=lambda x: f(x, "precond_ms_per_step"))
    O.text("TrainThreadsBest", best["threads"], "convergence/threads.csv: threads of the fastest row")
    worst_ratio = max(f(x, "precond_ms_per_step") / min(f(y, "precond_ms_per_step") for y in th
                      if y["optimizer"] == x["optimizer"] and y["state_precision"] == x["state_precision"]) for x in th)
    O.num("TrainThreadsWorst", worst_ratio, "convergence/threads.csv: largest slowdown against the fastest thread count", 2)
    pd = summary_header(os.path.join(C, "convergence_summary.csv"))
    O.text("TrainData", pd.get("data options", "n/a").replace("--", "-{}-"), "convergence/convergence_summary.csv: '# data options'")


def sec_stability_map(R, O, T):
    """Experiment 10 (stability_map.csv): divergence from the fixed point
    against the linearised boundary a sum kappa^{s/4} < 8, and what the clip
    rule controls (||X||_F / rho(X), rho(a_eff X) on fired steps)."""
    rows, params = read_csv(os.path.join(R, "data", "stability_map.csv"))
    src = "data/stability_map.csv"
    TT = max(int(r["steps"]) for r in rows)
    last = [r for r in rows if int(r["steps"]) == TT]
    O.int("SmapT", TT, src + ": largest steps")
    O.text("SmapM", params_dict(params).get("m", "n/a"), src + ": params m")
    for b2, tag in (("0.9", "N"), ("0.99", "NN"), ("0.999", "NNN")):
        kb = [f(r, "kappa_boundary") for r in last if r["beta2"] == b2]
        if not kb:
            raise Missing("%s: no beta2 %s" % (src, b2))
        O.num("SmapBound" + tag, kb[0], src + ": kappa_boundary at beta2 %s" % b2, 3)
    for rule, tag in (("none", "None"), ("spectral", "Spectral"), ("clip", "Clip"), ("adaptive", "Adaptive")):
        rs = [r for r in last if r["safeguard"] == rule]
        agree = sum(1 for r in rs if (r["predicted_stable"] == "1") == (r["diverged"] == "0"))
        unst = [r for r in rs if r["predicted_stable"] == "0"]
        O.int("SmapAgree" + tag, agree, src + ": %s cells at T where divergence = not predicted_stable" % rule)
        O.int("SmapCells" + tag, len(rs), src + ": %s cells at T" % rule)
        O.int("SmapUnstable" + tag, len(unst), src + ": %s cells predicted unstable" % rule)
        O.int("SmapSurvived" + tag, sum(1 for r in unst if r["diverged"] == "0"),
              src + ": %s cells predicted unstable that did not diverge" % rule)
        dv = [int(r["diverged_step"]) for r in unst if r["diverged"] == "1"]
        O.int("SmapDivStepMax" + tag, max(dv) if dv else 0, src + ": %s largest diverged_step of the unstable cells" % rule)
    ref = [r for r in last if r["safeguard"] == "clip" and r["order"] == "2" and r["beta2"] == "0.99"
           and r["kappa"] == "1000"]
    if not ref:
        raise Missing("%s: no clip, order 2, beta2 0.99, kappa 1000 row" % src)
    r = ref[0]
    O.num("SmapRatioClip", f(r, "fro_over_rho_median"), src + ": clip k=2 beta2 0.99 kappa 1000 fro_over_rho_median", 2)
    O.num("SmapRhoAxClip", f(r, "rho_ax_fired_median"), src + ": same, rho_ax_fired_median", 2)
    O.num("SmapFireClip", 100 * f(r, "fire_rate"), src + ": same, fire_rate (percent)", 2)
    O.num("SmapErrClip", f(r, "err_final"), src + ": same, err_final", 2)
    agree_n = sum(1 for r in last if r["safeguard"] == "none" and (r["predicted_stable"] == "1") == (r["diverged"] == "0"))
    n_n = sum(1 for r in last if r["safeguard"] == "none")
    O.text("SmapVerdict", ("the bound predicts the rule ``none'' in every one of its %d cells" % n_n if agree_n == n_n else
                           "the bound predicts the rule ``none'' in %d of its %d cells" % (agree_n, n_n)),
           src + ": none cells where the prediction and the run agree, in words")


def sec_ridge(R, O, T):
    """The persistent ridge against the decaying start (data/ridge.csv of
    experiments/ridge.sh): firing and final errors per setting, left side."""
    rows, _ = read_csv(os.path.join(R, "data", "ridge.csv"))
    src = "data/ridge.csv"
    left = {r["setting"]: r for r in rows if r["side"] == "left"}
    O.int("RidgeT", int(rows[0]["steps"]), src + ": steps")
    for name, tag in (("decay-rel0.1", "DecayRel"), ("decay-abs1e-6", "DecayAbs"), ("ridge-rel0.01", "RidgeRelSmall"),
                      ("ridge-rel0.1", "RidgeRel"), ("ridge-lmax", "RidgeLmax")):
        if name not in left:
            raise Missing("%s: no setting %s" % (src, name))
        r = left[name]
        O.num("Ridge" + tag + "Fire", 100 * f(r, "fire_rate"), src + ": %s left fire_rate (percent)" % name, 2)
        O.num("Ridge" + tag + "Err", f(r, "err_final"), src + ": %s left err_final" % name, 2)
        O.num("Ridge" + tag + "Dir", f(r, "dir_err_graft_final"), src + ": %s dir_err_graft_final" % name, 2)


# JG_FULL_DIR replaces it (tests/test_paper_numbers.sh)
FULL_DIR = os.environ.get("JG_FULL_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "measured",
                                                         "convergence_full")


def sec_training_full(R, O, T):
    """The training study's full protocol, measured once and kept in the
    repository (paper/measured/convergence_full/, copied from
    results/full/convergence by experiments/convergence.sh --full): all
    runs of the four optimizers and the ablations, paired differences,
    tuning on the validation split.  Independent of --results."""
    D = FULL_DIR
    src = "measured/convergence_full/"
    runs, _ = read_csv(os.path.join(D, "convergence_summary.csv"))
    abl, _ = read_csv(os.path.join(D, "ablation_summary.csv"))
    prs, _ = read_csv(os.path.join(D, "paired.csv"))
    head = summary_header(os.path.join(D, "convergence_summary.csv"))
    O.text("FullTarget", head.get("target", "n/a"), src + "convergence_summary.csv: target line")
    O.text("FullData", head.get("data options", "n/a").replace("--", "-{}-"), src + "convergence_summary.csv: '# data options'")
    hp = head.get("sgd", "n/a").split(" (tuned")[0]
    O.text("FullHp", hp.replace("--", "-{}-").replace("; adamw", "; AdamW"), src + "convergence_summary.csv: '# sgd: ...; adamw: ...'")
    with open(os.path.join(D, "tuning.md")) as fh:
        tun = fh.read()
    O.int("FullTuneRuns", sum(1 for l in tun.splitlines() if l.startswith("| sgd") or l.startswith("| adamw")),
          src + "tuning.md: rows of the tuning table")
    allr = runs + abl
    order = []
    for r in allr:
        if r["optimizer"] not in order:
            order.append(r["optimizer"])
    O.int("FullSeeds", len({r["seed"] for r in runs}), src + "convergence_summary.csv: seeds of the main runs")
    O.int("FullAblSeeds", len({r["seed"] for r in abl}), src + "ablation_summary.csv: seeds of the ablation runs")
    O.num("FullEpochs", statistics.mean(f(r, "epochs") for r in runs), src + "convergence_summary.csv: mean epochs", 3)
    O.int("FullSteps", int(statistics.mean(f(r, "steps") for r in runs)), src + "convergence_summary.csv: steps per run")
    tab = []
    for o in order:
        rs = [r for r in allr if r["optimizer"] == o]
        acc = [f(r, "final_test_acc") for r in rs]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        reached = [r for r in rs if r["epochs_to_target"] != "NA"]
        ep = [f(r, "epochs_to_target") for r in reached]
        sc = [f(r, "seconds_to_target") for r in reached]
        pm = statistics.mean(f(r, "precond_ms_per_step") for r in rs)
        tm = statistics.mean(1000 * f(r, "wall_s") / f(r, "steps") for r in rs)
        mb = statistics.mean(f(r, "opt_state_bytes") for r in rs) / MIB
        rss = statistics.mean(f(r, "peak_rss_bytes") for r in rs) / MIB
        fr = [f(r, "fire_rate") for r in rs if r["fire_rate"] != "NA"]

        def ms(xs):
            if not xs:
                return "--"
            return "$%s \\pm %s$" % (fmt(statistics.mean(xs), 3), fmt(statistics.stdev(xs) if len(xs) > 1 else 0.0, 2))
        tab.append([o.replace("_", "\\_"), "$%.4f \\pm %.4f$" % (statistics.mean(acc), sd), "%d/%d" % (len(reached), len(rs)),
                    ms(ep), ms(sc), m(pm, 3), m(tm, 3), m(mb, 3), m(rss, 3), m(statistics.mean(fr), 2) if fr else "--"])
        t = cap(o.replace("_", "").replace("F1", "Fone").replace("F50", "Ffifty").replace("f32", "Fthirtytwo"))
        O.num("FullAcc" + t, 100 * statistics.mean(acc), src + "summary: %s mean final_test_acc (percent)" % o, 4)
        O.num("FullAccSd" + t, 100 * sd, src + "summary: %s std final_test_acc (points)" % o, 2)
        O.num("FullMs" + t, pm, src + "summary: %s mean precond_ms_per_step" % o, 3)
        O.num("FullTotalMs" + t, tm, src + "summary: %s mean 1000 wall_s / steps" % o, 3)
        O.num("FullStateMB" + t, mb, src + "summary: %s mean opt_state_bytes / 2^20 (MiB)" % o, 3)
        O.num("FullRssMB" + t, rss, src + "summary: %s mean peak_rss_bytes / 2^20 (MiB)" % o, 3)
        O.text("FullReached" + t, "%d of %d" % (len(reached), len(rs)), src + "summary: %s runs that reached the target" % o)
        O.num("FullEpTarget" + t, statistics.mean(ep) if ep else float("nan"), src + "summary: %s mean epochs_to_target" % o, 3)
        O.num("FullSecTarget" + t, statistics.mean(sc) if sc else float("nan"), src + "summary: %s mean seconds_to_target" % o, 3)
        if fr:
            O.num("FullFire" + t, 100 * statistics.mean(fr), src + "summary: %s mean fire_rate (percent)" % o, 2)
    T["convergence_full"] = table(tab, ["variant", "final test acc.", "reached", "epochs to target", "seconds to target",
                                        "precond.\\ ms/step", "ms/step", "state MiB", "peak RSS MiB", "fire rate"],
                                  "lrrrrrrrrr")
    verdict = {}
    fam = holm_family(prs)
    O.int("FullFamily", fam[1], src + "paired.csv: tests in the family (Holm's correction)")
    for a_, b_, tag in (("jorge", "sgd", "JorgeSgd"), ("jorge", "adamw", "JorgeAdamw"), ("jorge", "shampoo", "JorgeShampoo"),
                        ("shampoo", "sgd", "ShampooSgd"), ("shampoo_beff", "jorge", "BeffJorge"), ("jorge_rel", "jorge", "RelJorge")):
        for metric, mt, scale in (("final_test_acc", "", 100.0), ("epochs_to_target", "Ep", 1.0), ("seconds_to_target", "Sec", 1.0)):
            name = "FullPair" + mt + tag
            got = pair_macros(O, prs, src + "paired.csv", a_, b_, metric, name, scale, fam)
            if got is not None:
                verdict[(a_, b_, metric)] = got
            elif metric == "final_test_acc":
                raise Missing("%spaired.csv: no pair %s - %s" % (src, a_, b_))
            else:
                for suf in ("", "Sd", "T", "N", "Df", "P", "PHolm", "Sig"):
                    O.text(name + suf, "n/a", src + "paired.csv: no %s pair %s - %s (a run did not reach the target)" % (metric, a_, b_))

    def cmp(a_, b_, metric, better, worse, same):
        d, sig = verdict.get((a_, b_, metric), (float("nan"), False))
        if not sig:
            return same
        lower_is_better = metric != "final_test_acc"
        return better if (d < 0) == lower_is_better else worse
    epochs = lambda b_: cmp("jorge", b_, "epochs_to_target", "ahead of", "behind", "not distinguishable from")
    secs = lambda b_: cmp("jorge", b_, "seconds_to_target", "ahead of", "behind", "not distinguishable from")
    acc = lambda b_: cmp("jorge", b_, "final_test_acc", "above", "below", "not distinguishable from")
    O.text("FullVerdict", "In short, on this model and CPU: per epoch Jorge is %s SGD and %s AdamW; per second it is %s "
           "SGD and %s AdamW; its final accuracy is %s SGD's and %s AdamW's; against Shampoo it is %s per epoch, %s per "
           "second, and its final accuracy is %s Shampoo's (two-sided paired t tests over the seeds, df = seeds $-$ 1, "
           "judged at 5\\,\\%% after Holm's correction over the %d tests of the protocol)."
           % (epochs("sgd"), epochs("adamw"), secs("sgd"), secs("adamw"), acc("sgd"), acc("adamw"),
              cmp("jorge", "shampoo", "epochs_to_target", "ahead", "behind", "level within the noise"),
              cmp("jorge", "shampoo", "seconds_to_target", "ahead", "behind", "level within the noise"), acc("shampoo"),
              fam[1]),
           src + "paired.csv: the signs and significance of the jorge pairs, in words")
    aseeds = {r["seed"] for r in abl}
    accs = {(r["optimizer"], r["seed"]): f(r, "final_test_acc") for r in allr}
    gap = statistics.mean(accs[("shampoo", x)] - accs[("jorge", x)] for x in aseeds
                          if ("shampoo", x) in accs and ("jorge", x) in accs)
    O.num("FullGapAbl", 100 * gap, src + "summary: shampoo - jorge final_test_acc on the ablation seeds (points)", 2)
    bd, bsig = verdict[("shampoo_beff", "jorge", "final_test_acc")]
    rd, rsig = verdict[("jorge_rel", "jorge", "final_test_acc")]
    txt = ("On the ablation seeds Jorge trails Shampoo by %s points; the exact root of Jorge's own statistic recovers "
           "%s of them" % (fmt(100 * gap, 2), fmt(100 * bd, 2)))
    corr = "after Holm's correction over the %d tests" % fam[1]
    txt += ((", significantly (%s): Jorge's rule with Shampoo's exact root trains better here; as that run's "
             "statistic takes its own path, it changes the root and the statistic together." % corr) if bsig and bd > 0 else
            ", which is not significant with %d seeds (%s); as that run's statistic takes its own path (its rule "
            "is evaluated with the exact root), it changes the root and the statistic together, so these runs "
            "cannot say whether the root or the statistic accounts for the gap." % (len(aseeds), corr))
    rfire = [f(r, "fire_rate") for r in abl if r["optimizer"] == "jorge_rel" and r["fire_rate"] != "NA"]
    txt += ("  The relative $\\epsilon$ %s the final accuracy (%s points; %s)" %
            ("raised" if rsig and rd > 0 else "lowered" if rsig else "did not significantly change",
             fmt(100 * rd, 2), corr))
    if rfire and statistics.mean(rfire) > 0.1:
        txt += (", although its safeguard still fired on %s\\,\\%% of the updates over these %d steps: the regime "
                "a relative $\\epsilon$ selects on a short stream (Section~\\ref{sec:regime}) did not hold over the "
                "whole run, so Jorge's statistic did not follow Shampoo's here either." %
                (fmt(100 * statistics.mean(rfire), 2), int(statistics.mean(f(r, "steps") for r in abl))))
    else:
        txt += "; its safeguard then rarely fired, and Jorge's statistic followed Shampoo's."
    O.text("FullAblVerdict", txt, src + "paired.csv: shampoo_beff - jorge and jorge_rel - jorge, in words")
    # the ablation figure's caption: where the +-1 sd bands of Jorge and Shampoo separate (curves/*.csv)
    cj, _ = read_csv(os.path.join(D, "curves", "jorge.csv"))
    cs, _ = read_csv(os.path.join(D, "curves", "shampoo.csv"))
    after = [(x, y) for x, y in zip(cj, cs) if f(x, "epochs") > 3.0 + 1e-9]
    apart = [x for x, y in after if f(x, "acc_hi") < f(y, "acc_lo") or f(y, "acc_hi") < f(x, "acc_lo")]
    first_apart = None
    for i, (x, y) in enumerate(after):
        if all(f(u, "acc_hi") < f(v, "acc_lo") or f(v, "acc_hi") < f(u, "acc_lo") for u, v in after[i:]):
            first_apart = f(x, "epochs")
            break
    band = ("After the third epoch Jorge's $\\pm1$ standard deviation band misses Shampoo's at %d of the %d "
            "evaluations" % (len(apart), len(after)))
    band += (", at every one from epoch %s on" % fmt(first_apart, 3) if first_apart is not None else "") + (
        "; elsewhere they overlap" if apart else "; the bands overlap at every one of them")
    O.text("FullBandVerdict", band, src + "curves/{jorge,shampoo}.csv: evaluations with epochs > 3 whose acc_lo..acc_hi "
           "bands do not overlap")


# --strict on the report: hand-typed numbers and verdicts.  The prose of
# report.tex (comments, display maths, tables, \label/\ref/\cite, file and
# command names in \texttt, figure file names stripped) may hold a number only
# as a macro of numbers.tex, or as a value the report declares on a
# "% strict-settings:" line (the experiments' inputs: beta2, grid values, data
# sizes) or a "% strict-constants:" line (mathematics: the 1/4 of the root,
# the 8 of the stability bound); integers below 11 (counts, orders, section
# and experiment numbers) pass.  Words that judge (significance, "better",
# the bands' overlap) and the unsupported attributions to the paper may not
# be typed at all: they come from macros that name the test and its
# correction.
BANNED = [r"significan", r"costs nothing", r"did not train better", r"within each other", r"the statistic, not the root",
          r"\bbetter\b", r"\bworse\b", r"paper's (?:absolute )?\$?\\epsilon", r"paper's warm start",
          r"paper's setting", r"paper's \$?\\epsilon"]
NUM = re.compile(r"(?<![A-Za-z\\@\d.])(\d+(?:\\,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?)")


def _strip_groups(text, cmds):
    """Remove \cmd{...} (balanced braces) for each cmd, and its arguments."""
    for c in cmds:
        pat = "\\" + c
        out, i = [], 0
        while True:
            j = text.find(pat, i)
            if j < 0 or (j + len(pat) < len(text) and text[j + len(pat)].isalpha()):
                if j < 0:
                    out.append(text[i:])
                    break
                out.append(text[i:j + len(pat)])
                i = j + len(pat)
                continue
            out.append(text[i:j])
            k = j + len(pat)
            while k < len(text) and text[k] in "*[": # options
                if text[k] == "[":
                    k = text.find("]", k) + 1
                else:
                    k += 1
            while k < len(text) and text[k] == "{":
                depth, k = 1, k + 1
                while k < len(text) and depth:
                    depth += {"{": 1, "}": -1}.get(text[k], 0)
                    k += 1
            i = k
    return text


def check_report(path):
    """The hand-typed numbers and verdict words of report.tex (see above), as
    a list of 'FILE:LINE: what' messages."""
    with open(path) as fh:
        lines = fh.read().split("\n")
    allowed = set()
    for l in lines:
        m_ = re.match(r"%\s*strict-(?:settings|constants):(.*)", l.strip())
        if m_:
            allowed.update(x.strip() for x in m_.group(1).split() if x.strip())
    body_start = next((i for i, l in enumerate(lines) if "\\begin{document}" in l), 0)
    text = "\n".join(re.sub(r"(?<!\\)%.*", "", l) for l in lines[body_start:])
    for env in ("equation", "equation*", "align", "align*", "tabular", "verbatim"):
        text = re.sub(r"\\begin\{%s\}.*?\\end\{%s\}" % (re.escape(env), re.escape(env)),
                      lambda m_: "\n" * m_.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"\\\[.*?\\\]", lambda m_: "\n" * m_.group(0).count("\n"), text, flags=re.S)
    text = _strip_groups(text, ["label", "ref", "eqref", "cite", "input", "includegraphics", "gentab", "texttt",
                                "figpage", "url", "href", "begin", "end", "hspace", "vspace", "resizebox"])
    bad = []
    for no, l in enumerate(text.split("\n"), body_start + 1):
        for pat in BANNED:
            if re.search(pat, l, flags=re.I):
                bad.append("%s:%d: hand-typed verdict or attribution /%s/: %s" % (path, no, pat, l.strip()[:100]))
        for m_ in NUM.finditer(l):
            tok = m_.group(1)
            val = tok.replace("\\,", "")
            if val in allowed or ("." not in val and "e" not in val.lower() and int(val) <= 10):
                continue
            bad.append("%s:%d: hand-typed number %s: %s" % (path, no, tok, l.strip()[:100]))
    return bad


SECTIONS = [("truncation", sec_truncation), ("commutator", sec_commutator), ("error-time", sec_error_time),
            ("safeguard", sec_safeguard), ("stability", sec_stability), ("direction", sec_direction),
            ("track", sec_track), ("bench", sec_bench), ("convergence", sec_convergence), ("real", sec_real),
            ("regime", sec_regime), ("validate", sec_validate), ("front", sec_front),
            ("training", sec_training), ("training-full", sec_training_full),
            ("stability-map", sec_stability_map), ("ridge", sec_ridge)]
TABLES = ["truncation", "commutator", "error_time", "recommend", "safeguard", "stability", "direction",
          "track", "bench", "convergence", "regime", "front", "convergence_full"]


def tex_escape(s):
    """Text from a CSV's provenance, safe in LaTeX's text mode."""
    for a, b in (("\\", "/"), ("_", "\\_"), ("&", "\\&"), ("%", "\\%"), ("#", "\\#"), ("$", "\\$"),
                 ("{", "("), ("}", ")"), ("~", "-"), ("^", "")):
        s = s.replace(a, b)
    return s


def provenance(R):
    """Mode, commit, the BLAS kernel and the CPU from the first CSV's
    provenance lines (experiments/csv.c: '# blas:' names the library, its
    version and the kernel that ran; '# cpu:' the CPU and its extensions)."""
    commit, mode = "unknown", os.path.basename(os.path.normpath(R))
    blas, cpu = "unknown", "unknown"
    for name in ("error-time.csv", "truncation.csv", "bench.csv"):
        p = os.path.join(R, "data", name)
        if os.path.exists(p):
            with open(p) as fh:
                for line in fh:
                    if not line.startswith("#"):
                        break
                    if line.startswith("# commit:"):
                        commit = line.split(":", 1)[1].strip()
                    elif line.startswith("# blas:"):
                        b = line.split(":", 1)[1].strip()
                        # "cpu: OpenBLAS 0.3.21, kernel SkylakeX (AVX-512 kernels, chosen by OpenBLAS; config), ..."
                        if b.startswith("cpu: "):
                            b = b[5:]
                        blas = b.split(";")[0] + (")" if "(" in b.split(";")[0] else "")
                    elif line.startswith("# cpu:"):
                        cpu = line.split(":", 1)[1].strip()
            break
    return mode, commit, tex_escape(blas), tex_escape(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True, help="results/<mode> directory")
    ap.add_argument("--out", required=True, help="output directory (numbers.tex, tab_*.tex)")
    ap.add_argument("--tol", default="0.05,0.1", help="error tolerances for the recommendations")
    ap.add_argument("--strict", action="store_true",
                    help="a missing CSV, or a number or verdict of the report typed by hand (--report), is an error")
    ap.add_argument("--report", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.tex"),
                    help="the report --strict checks for hand-typed numbers and verdicts (default paper/report.tex)")
    a = ap.parse_args()
    if a.strict:
        bad = check_report(a.report)
        if bad:
            print("\n".join(bad), file=sys.stderr)
            print("gen_numbers.py: --strict: %d hand-typed number(s) or verdict(s) in %s: make each a macro written "
                  "here from a CSV, or declare an input on a '%% strict-settings:' line" % (len(bad), a.report),
                  file=sys.stderr)
            return 2
    O = Out()
    O.tols = [t for t in a.tol.split(",") if t]
    T = {}
    missing = []
    mode, commit, blas, cpu = provenance(a.results)
    O.text("ResultsMode", mode.replace("_", "\\_"), "the results directory's name")
    O.text("ResultsCommit", commit, "'# commit:' of the first CSV")
    O.text("ResultsBlas", blas, "'# blas:' of the first CSV: library, version, the kernel that ran")
    O.text("ResultsCpu", cpu, "'# cpu:' of the first CSV: the CPU and its vector extensions")
    for name, fn in SECTIONS:
        try:
            fn(a.results, O, T)
            O.text("Have" + cap(name.replace("-", "")), "yes", "section %s read" % name)
        except (Missing, KeyError, IndexError, ValueError, ZeroDivisionError) as e:
            if a.strict:
                print("gen_numbers.py: %s: %s: %s" % (name, type(e).__name__, e), file=sys.stderr)
                return 2
            print("gen_numbers.py: warning: %s skipped (%s: %s)" % (name, type(e).__name__, e), file=sys.stderr)
            missing.append(name)
            O.text("Have" + cap(name.replace("-", "")), "no", "section %s missing" % name)
    os.makedirs(a.out, exist_ok=True)
    tmp = os.path.join(a.out, "numbers.tex.tmp")
    with open(tmp, "w") as fh:
        fh.write("%% generated by paper/gen_numbers.py from %s -- do not edit\n" % a.results)
        fh.write("% every macro is a number from the CSV named in the comment above it\n")
        fh.write("\\providecommand{\\NA}{\\textit{n/a}}\n")
        fh.write("\n".join(O.lines) + "\n")
        fh.write("% 'at most X' phrases (X = 0 reads '0 (they are identical)'), one per number\n")
        for name, phrase in O.atmost.items():
            fh.write("\\newcommand{\\%sAtMost}{%s}\n" % (name, phrase))
        # macros of skipped sections, so the report still compiles (and shows n/a)
        fh.write("% missing sections: " + (", ".join(missing) or "none") + "\n")
    os.replace(tmp, os.path.join(a.out, "numbers.tex"))
    for t in TABLES:
        body = T.get(t, "\\begin{tabular}{l}\\textit{no data (CSV missing)}\\end{tabular}\n")
        with open(os.path.join(a.out, "tab_%s.tex" % t), "w") as fh:
            fh.write("%% generated by paper/gen_numbers.py -- do not edit\n" + body)
    print("gen_numbers.py: %d macros, %d tables -> %s%s" % (len(O.macros), len(T), a.out,
          (" (missing: %s)" % ", ".join(missing)) if missing else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
