# test_full_recipe.sh JORGE TMPDIR - `./run.sh --full`'s recipe, every step
# of it (experiments/Makefile MODE=full: the experiments, the real-gradient
# captures from jorge train, the benchmark, the convergence study with its
# tuning, the comparison of methods, the regime map, validate on the real
# capture, every figure), at toy sizes (SMOKE=1), then the report's numbers
# with --strict (every CSV the report reads must exist) and, when TeX is
# installed, the report itself compiled in a temporary directory.  A step
# that breaks fails here in a minute or two, not after a long full run.
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }
[ -d /usr/share/datasets/fashion-mnist ] || { echo "SKIP: dataset-fashion-mnist not installed"; exit 77; }
[ -d /usr/share/games/fortunes ] || { echo "SKIP: fortunes (the transformer's text) not installed"; exit 77; }
R=$TMP/full
rm -rf "$R"
t0=$(date +%s)
if make -s -C "$ROOT/experiments" MODE=full SMOKE=1 RESULTS="$R" JORGE="$JORGE" >"$TMP/make.log" 2>&1; then
    ok
else
    tail -30 "$TMP/make.log"
    bad "the full recipe (SMOKE=1) failed; see above"
fi
echo "  full recipe at toy sizes: $(( $(date +%s) - t0 )) s"
# every figure the Makefile promises is there, as PNG and PDF
nfig=$(ls "$R"/figures/*.png 2>/dev/null | wc -l)
[ "$nfig" -ge 20 ] && ok || bad "only $nfig figures under $R/figures"
for png in "$R"/figures/*.png; do
    [ -s "$png" ] && [ -s "${png%.png}.pdf" ] || bad "$(basename "$png"): empty or without its PDF"
done
# the report's numbers: every section present (--strict)
if /usr/bin/python3 "$ROOT/paper/gen_numbers.py" --strict --results "$R" --out "$TMP/gen" 2>"$TMP/gen.err"; then
    ok
else
    cat "$TMP/gen.err"
    bad "gen_numbers.py --strict on the full recipe's results"
fi
# the report compiles (in a temporary directory: nothing written under paper/)
if command -v pdflatex >/dev/null; then
    mkdir -p "$TMP/tex/generated"
    cp "$ROOT/paper/report.tex" "$TMP/tex/"
    cp "$TMP"/gen/*.tex "$TMP/tex/generated/"
    # as paper/build.sh: the results' figures, then the published full protocol's
    printf '\\graphicspath{{%s/figures/}{%s/paper/measured/convergence_full/}}\n' "$R" "$ROOT" >"$TMP/tex/generated/paths.tex"
    (cd "$TMP/tex" && pdflatex -interaction=nonstopmode -halt-on-error report.tex >build.log 2>&1 &&
        pdflatex -interaction=nonstopmode -halt-on-error report.tex >>build.log 2>&1) && [ -s "$TMP/tex/report.pdf" ] && ok ||
        { tail -20 "$TMP/tex/report.log"; bad "report.tex does not compile on the full recipe's results"; }
    grep -q "undefined" "$TMP/tex/report.log" && bad "undefined references or macros: $(grep -m3 undefined "$TMP/tex/report.log")"
else
    echo "SKIP (report part): pdflatex not installed (setup.sh: jg_install_report_packages)"
fi
finish test_full_recipe
