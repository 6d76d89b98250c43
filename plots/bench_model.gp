# The whole-model step from `jorge bench --model NAME --out FILE.csv`
# (columns by name).
# Call:  gnuplot -e "data='results/data/bench_model.csv'; out='results/figures/bench_model'" plots/bench_model.gp
# Writes OUT.{png,pdf}: milliseconds per step against the refresh interval
# F (log-log), one line per method: Jorge k = 1, 2 (flat: no refresh),
# Shampoo eig and coupled Newton amortised (statistic step + refresh / F);
# batched solid, sequential dashed.
set datafile separator ","
set datafile commentschars "#"
filt(me, mo, k) = sprintf("< awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; print; h = 1; next } $c[\"method\"] == \"%s\" && $c[\"mode\"] == \"%s\" && $c[\"order\"] == %d' '%s'", me, mo, k, data)
hdr(name) = system(sprintf("awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next } { print $c[\"%s\"]; exit }' '%s'", name, data))
model = hdr("model"); maxd = hdr("max_dim"); nblk = hdr("blocks"); be = hdr("backend"); prec = hdr("precision")
wk = system(sprintf("awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next } $c[\"mode\"] == \"batched\" { print $c[\"workers\"]; exit }' '%s'", data))
array me[4] = ["jorge", "jorge", "eig", "newton"]
array ko[4] = [1, 2, 0, 0]
array lab[4] = ["Jorge k = 1", "Jorge k = 2", "Shampoo, eig root every F", "Shampoo, coupled Newton every F"]
array clr[4] = ["#66a61e", "#1b9e77", "#d95f02", "#7570b3"]
set grid lc rgb "#dddddd"
set logscale xy 10
set xrange [1:1000]
set xlabel "refresh interval F of Shampoo's root (steps)"
set ylabel "milliseconds per optimizer step (preconditioner part, amortised)"
set key box opaque right top font ",10" spacing 1.1
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 1000,680 font ",11" enhanced } else { set term pdfcairo size 10in,6.8in font ",11" enhanced }
  set output out.".".fmt
  how = (wk eq "0") ? "strided-batched GEMMs per same-shape group" : sprintf("%s worker thread%s x 1 BLAS thread", wk, (wk eq "1") ? "" : "s")
  set title sprintf("Whole-model preconditioner step: %s, blocks of at most %s (%s blocks), %s, %s backend\nbatched = %s (solid); sequential = blocks in order on the BLAS's threads (dashed)", model, maxd, nblk, prec, be, how) font ",11"
  plot for [i=1:4] filt(me[i], "batched", ko[i]) using (column("every")):(column("amortised_ms")) with linespoints lw 2 pt 7 ps 0.7 lc rgb clr[i] title lab[i]." (batched)", \
       for [i=1:4] filt(me[i], "sequential", ko[i]) using (column("every")):(column("amortised_ms")) with linespoints lw 1.5 dt 2 pt 6 ps 0.7 lc rgb clr[i] title lab[i]." (sequential)"
  set output
}
