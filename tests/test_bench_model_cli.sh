# test_bench_model_cli.sh JORGE TMPDIR - `jorge bench --model` end to end:
# a shape file with a remainder block, the CSV (header, the methods, rows
# F = 1 .. 1000, counted flops equal to the documented formula), the
# figure, and bad input (exit 2, one line, no CSV left).
set -u
JORGE=$1
TMP=$2
source "$(dirname "$0")/lib.sh"

cat >"$TMP/m.txt" <<'EOM'
# a layer cut in two at --max-dim 48, and a bias (skipped)
40 x 60  fc1
1 x 40   bias
12 x 40  fc2
EOM
"$JORGE" bench --model "$TMP/m.txt" --max-dim 48 --steps 1 --budget 5 --out "$TMP/b.csv" >"$TMP/log.txt" 2>&1 ||
    bad "bench --model failed: $(tail -3 "$TMP/log.txt")"
grep -q '3 blocks' "$TMP/log.txt" && grep -q '1 1-D parameters skipped' "$TMP/log.txt" && ok ||
    bad "blocks / skipped not reported: $(head -2 "$TMP/log.txt")"
grep -q '^break-even F (Jorge k=2 vs Shampoo eig' "$TMP/log.txt" && ok || bad "no break-even line"
awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1
          if (!("amortised_ms" in c) || !("counted_flops" in c)) { print "header"; exit 1 }; next }
     { n[$c["method"] "/" $c["mode"]]++
       f = $c["flops"]; g = $c["counted_flops"]
       if ($c["method"] != "gemm" && (f - g > 1e-9 * f || g - f > 1e-9 * f)) { print "flops " $0; bad = 1 } }
     END { if (bad) exit 1
           if (n["jorge/sequential"] != 20 || n["jorge/batched"] != 20 || n["eig/sequential"] != 10 ||
               n["newton/batched"] != 10 || n["gemm/sequential"] != 1) { for (k in n) print k, n[k]; exit 1 } }' \
    "$TMP/b.csv" && ok || bad "CSV rows"
if command -v gnuplot >/dev/null; then
    gnuplot -e "data='$TMP/b.csv'; out='$TMP/fig'" "$(dirname "$0")/../plots/bench_model.gp" 2>"$TMP/gp.txt" &&
        [ -s "$TMP/fig.png" ] && ok || bad "figure: $(cat "$TMP/gp.txt")"
fi
printf '40 x 60\n40 by 60\n' >"$TMP/bad.txt"
expect 2 "$TMP/x.csv" bench --model "$TMP/bad.txt" --out "$TMP/x.csv"
grep -q 'bad.txt:2:' "$TMP/err.txt" && ok || bad "message without file:line: $(cat "$TMP/err.txt")"
expect 2 "$TMP/x.csv" bench --model no-such-model --out "$TMP/x.csv"
expect 2 "$TMP/x.csv" bench --model mlp --precision both --out "$TMP/x.csv"
finish test_bench_model_cli
