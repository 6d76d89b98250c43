# Benchmark figures from `jorge bench --out FILE.csv` (columns by name).
# Call:  gnuplot -e "data='results/data/bench.csv'; out='results/figures/bench'" plots/bench.gp
# Writes OUT_time.{png,pdf}: median time against m (log-log) per method,
# float32 and float64, with the one-GEMM line as the floor; and
# OUT_lowrank.{png,pdf}: speed-up of the low-rank over the dense Jorge step
# against m/n at the sweep's m.
set datafile separator ","
set datafile commentschars "#"
set datafile missing NaN
col(name) = column(name)
sel(c, v) = c ? v : NaN
set grid lc rgb "#dddddd"
set key box opaque samplen 2 spacing 1.1 font ",10" left top
array meth[5] = ["gemm", "jorge_dense", "jorge_lowrank", "eig", "newton"]
array lab[5] = ["one GEMM m×m×m (floor)", "Jorge step, dense, k = 2, n = m", "Jorge step, low-rank, k = 2, n = m/8", \
                "exact root: eig (syevd + products)", "exact root: coupled Newton"]
array flab[5] = ["", "flop count: dense (k + 3.5)", "flop count: low-rank", "flop count: eig (about 10 m^3)", "flop count: Newton (4 per iteration + 2)"]
array clr[5] = ["#000000", "#1b9e77", "#66a61e", "#d95f02", "#7570b3"]
# the square rows: n = m for gemm/dense/eig/newton, the low-rank rows n = m/8
isrow(i, p) = strcol("method") eq meth[i] && strcol("precision") eq p && \
              ((i == 2 || i == 3) ? col("order") == 2 : 1) && (i == 3 ? col("n") * 8 == col("m") : col("n") == col("m"))
# rows of precision p, method me and order k (k < 0: any), square (n = m) but
# for the low-rank step (n = m/8), through awk so that lines connect although
# other methods' rows come between them
filt(p, me, k) = sprintf("< awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; print; h = 1; next } $c[\"precision\"] == \"%s\" && $c[\"method\"] == \"%s\" && (%d < 0 || $c[\"order\"] == %d) && ($c[\"method\"] == \"jorge_lowrank\" ? $c[\"n\"] * 8 == $c[\"m\"] : $c[\"n\"] == $c[\"m\"])' '%s'", p, me, k, k, data)
has_spread = int(system(sprintf("awk -F, '!/^#/ { print (index($0, \"gemm_equiv_flops\") > 0); exit }' '%s'", data)))
# the machine: the BLAS kernel that ran (src/core/blas_info.h) and the CPU, from the CSV's provenance
machine = system(sprintf("sed -n 's/^# backend: cpu: \\(.*kernel [A-Za-z0-9]*\\).*/\\1/p; s/^# cpu: \\(.*\\) (family.*/ on \\1/p' '%s' | tr -d '\\n'", data))
machine = machine eq "" ? "" : "\n".machine.", one run (timings on a shared machine vary)"
backend_name = system(sprintf("awk -F, '!/^#/ && $1!=\"backend\" {print $1; exit}' '%s'", data))
# the precisions present (a panel per precision; an absent one is not drawn)
# the low-rank sweep runs at the largest m
mmax = real(system(sprintf("awk -F, '!/^#/ && $1!=\"backend\" && $4+0>m {m=$4+0} END {print m}' '%s'", data)))
precs = system(sprintf("awk -F, '!/^#/ && $1!=\"backend\" {print $2}' '%s' | sort -u | tr '\\n' ' '", data))

do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 1400,700 font ",11" enhanced } else { set term pdfcairo size 14in,7in font ",11" enhanced }
  set output out."_time.".fmt
  set multiplot layout 1,words(precs) title sprintf("jorge bench (%s backend): median time of one call against the preconditioner size m%s", backend_name, machine)
  set logscale xy 2
  set logscale y 10
  set format y "10^{%L}"
  set xlabel "preconditioner size m (rows of L̂)"
  set ylabel "median time per call (s)"
  do for [pi=1:words(precs)] {
    p = word(precs, pi)
    set title (p eq "f32" ? "float32" : "float64")
    plot for [i=1:5] data using (sel(isrow(i, p), col("m"))):(col("median_s")) \
         smooth unique with linespoints lw 2 pt 7 lc rgb clr[i] title lab[i]
  }
  unset multiplot
  set output

  if (fmt eq "png") { set term pngcairo size 900,650 font ",11" enhanced } else { set term pdfcairo size 9in,6.5in font ",11" enhanced }
  set output out."_lowrank.".fmt
  unset logscale
  set logscale x 2
  set format y "%g"
  set title sprintf("Low-rank Jorge step: speed-up over the dense step on the same gradient (k = 2, %s backend)%s", backend_name, machine)
  set xlabel "m / n (preconditioner size over gradient columns)"
  set ylabel "speed-up: dense time / low-rank time"
  set key left top
  lr(p) = strcol("method") eq "jorge_lowrank" && col("order") == 2 && strcol("precision") eq p && col("m") == mmax
  plot for [pi=1:words(precs)] data using (sel(lr(word(precs, pi)), col("m") / col("n"))):(col("speedup")) \
         smooth unique with linespoints lw 2 pt 7 ps 1.3 lc pi title sprintf("%s, m = %d", word(precs, pi) eq "f32" ? "float32" : "float64", mmax), \
       1 with lines dt 2 lc rgb "#888888" title "no speed-up"
  set output

  # GEMM-equivalents: median (points, lines) with the spread of the runs
  # (min..max, error bars), beside the flop-count prediction (dashed)
  if (has_spread) {
  if (fmt eq "png") { set term pngcairo size 1400,700 font ",11" enhanced } else { set term pdfcairo size 14in,7in font ",11" enhanced }
  set output out."_gemm_equiv.".fmt
  set multiplot layout 1,words(precs) margins 0.06,0.70,0.12,0.88 spacing 0.07,0.1 title sprintf("jorge bench (%s backend): cost in GEMM-equivalents (time / one m×m×m GEMM's median, same run); bars: min..max of the runs; dashed: predicted from flop counts%s", backend_name, machine)
  unset logscale
  set logscale x 2
  set logscale y 10
  set format y "10^{%L}"
  set xlabel "preconditioner size m (rows of L̂)"
  set ylabel "GEMM-equivalents per call"
  do for [pi=1:words(precs)] {
    p = word(precs, pi)
    set title (p eq "f32" ? "float32" : "float64")
    if (pi == 1) { set key at screen 0.715, 0.5 left center vertical font ",10" } else { unset key }
    plot for [i=1:5] filt(p, meth[i], i == 2 || i == 3 ? 2 : -1) using (col("m")):(col("gemm_equiv")):(col("gemm_equiv_min")):(col("gemm_equiv_max")) \
           with yerrorlines lw 2 pt 7 lc rgb clr[i] title lab[i], \
         for [i=2:5] filt(p, meth[i], i == 2 || i == 3 ? 2 : -1) using (col("m")):(col("gemm_equiv_flops")) \
           with lines dt 2 lw 1.5 lc rgb clr[i] title flab[i]
  }
  unset multiplot
  }
  set output
}
