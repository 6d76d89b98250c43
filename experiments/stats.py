#!/usr/bin/python3
"""stats.py - the statistics of experiments/convergence.sh, from scipy.stats.

    stats.py curves RUN.csv...            mean and sample std per evaluation (stdout)
    stats.py paired ALL.csv A:B[,A:B...]  paired t tests, Holm-corrected (stdout)
    stats.py table ALL.csv                the summary table's rows (Markdown, stdout)
    stats.py holm P1 P2 ...               Holm-adjusted p values, one per line

curves: the runs of one variant evaluate at the same steps; for each
evaluation the mean and the sample standard deviation (ddof = 1) of
test_acc and wall_s over the runs, the mean of val_acc, and n.

paired: for each pair A:B and each metric (final_test_acc,
epochs_to_target, seconds_to_target) the differences A - B over the seeds
both have (NA skipped), their mean and sample standard deviation, and
scipy.stats.ttest_1samp's t, degrees of freedom (n - 1) and two-sided p;
p_holm is Holm's step-down adjustment over every test of the file (the
family), so "significant" means p_holm < 0.05.  The first seven columns
are those the awk version wrote (a,b,metric,n,mean_diff,std_diff,t).
"""
import csv
import math
import sys

try:
    from scipy import stats
except ImportError:  # the one dependency: Debian python3-scipy (setup.sh)
    sys.exit("stats.py: scipy is not installed (apt-get install python3-scipy)")

METRICS = ("final_test_acc", "epochs_to_target", "seconds_to_target")


def rows(path):
    with open(path) as fh:
        return list(csv.DictReader(l for l in fh if not l.startswith("#")))


def sd(xs):
    return stats.tstd(xs) if len(xs) > 1 else 0.0


def curves(files):
    runs = [rows(p) for p in files]
    print("epochs,acc_mean,acc_std,acc_lo,acc_hi,wall_mean,wall_std,val_mean,n")
    for i in range(max(len(r) for r in runs)):
        at = [r[i] for r in runs if i < len(r)]
        a = [float(x["test_acc"]) for x in at]
        w = [float(x["wall_s"]) for x in at]
        v = [float(x["val_acc"]) for x in at if x.get("val_acc") not in (None, "", "NA")]
        m, s = sum(a) / len(a), sd(a)
        print("%s,%.5f,%.5f,%.5f,%.5f,%.3f,%.3f,%.5f,%d" % (at[0]["epochs"], m, s, m - s, m + s, sum(w) / len(w), sd(w),
                                                            sum(v) / len(v) if v else float("nan"), len(a)))


def holm(ps):
    """Holm's step-down adjusted p values (NaN stays NaN, not counted)."""
    idx = sorted((p, i) for i, p in enumerate(ps) if not math.isnan(p))
    k, out, run = len(idx), [float("nan")] * len(ps), 0.0
    for j, (p, i) in enumerate(idx):
        run = max(run, min(1.0, (k - j) * p))
        out[i] = run
    return out


def paired(path, pairs):
    allr = rows(path)
    res = []
    for pr in pairs:
        A, B = pr.split(":")
        for metric in METRICS:
            a = {r["seed"]: r[metric] for r in allr if r["optimizer"] == A}
            b = {r["seed"]: r[metric] for r in allr if r["optimizer"] == B}
            d = [float(a[s]) - float(b[s]) for s in a if s in b and a[s] != "NA" and b[s] != "NA"]
            if not d:
                continue
            n, m = len(d), sum(d) / len(d)
            s = sd(d)
            if n > 1 and s > 0:
                t = stats.ttest_1samp(d, 0.0)
                tv, p = float(t.statistic), float(t.pvalue)
            else:
                tv = p = float("nan")
            res.append([A, B, metric, n, m, s, tv, n - 1, p])
    ph = holm([r[8] for r in res])
    print("a,b,metric,n,mean_diff,std_diff,t,df,p,p_holm")
    for r, q in zip(res, ph):
        t = "NA" if math.isnan(r[6]) else "%.2f" % r[6]
        p = "NA" if math.isnan(r[8]) else "%.4g" % r[8]
        qh = "NA" if math.isnan(q) else "%.4g" % q
        print("%s,%s,%s,%d,%.4f,%.4f,%s,%d,%s,%s" % (r[0], r[1], r[2], r[3], r[4], r[5], t, r[7], p, qh))


def table(path):
    """One Markdown row per variant: mean +- sample std over the seeds
    (to-target columns over the runs that reached it), bytes in MiB."""
    allr = rows(path)
    order = []
    for r in allr:
        if r["optimizer"] not in order:
            order.append(r["optimizer"])

    def ms(xs, prec):
        return "%.*f +- %.*f" % (prec, sum(xs) / len(xs), prec, sd(xs))
    for o in order:
        rs = [r for r in allr if r["optimizer"] == o]
        m = len(rs)
        col = lambda k: [float(r[k]) for r in rs]
        reached = [r for r in rs if r["epochs_to_target"] != "NA"]
        fr = [float(r["fire_rate"]) for r in rs if r["fire_rate"] != "NA"]
        md = " ".join(r["median_one_minus_beta_last"] for r in rs if r["fire_rate"] != "NA")
        mean = lambda xs: sum(xs) / len(xs)
        print("| %s | %d | %s | %s | %d/%d | %s | %s | %.2f | %.2f | %.2f | %.2f | %.0f | %s | %s |" % (
            o, m, ms(col("final_test_acc"), 4), ms(col("final_val_acc"), 4), len(reached), m,
            ms([float(r["epochs_to_target"]) for r in reached], 2) if reached else "not reached",
            ms([float(r["seconds_to_target"]) for r in reached], 2) if reached else "not reached",
            mean(col("precond_ms_per_step")), mean(col("grad_ms_per_step")),
            mean([1000 * float(r["wall_s"]) / float(r["steps"]) for r in rs]),
            mean(col("opt_state_bytes")) / 1048576, mean(col("peak_rss_bytes")) / 1048576,
            "%.3f" % mean(fr) if fr else "-", md if fr else "-"))


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    cmd = argv[1]
    if cmd == "curves" and len(argv) > 2:
        curves(argv[2:])
    elif cmd == "paired" and len(argv) == 4:
        paired(argv[2], argv[3].split(","))
    elif cmd == "table" and len(argv) == 3:
        table(argv[2])
    elif cmd == "holm" and len(argv) > 2:
        for q in holm([float(x) for x in argv[2:]]):
            print("%.6g" % q)
    else:
        print("stats.py: usage: curves FILES... | paired ALL.csv A:B[,A:B...] | table ALL.csv | holm P...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
