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
array clr[5] = ["#000000", "#1b9e77", "#66a61e", "#d95f02", "#7570b3"]
# the square rows: n = m for gemm/dense/eig/newton, the low-rank rows n = m/8
isrow(i, p) = strcol("method") eq meth[i] && strcol("precision") eq p && \
              ((i == 2 || i == 3) ? col("order") == 2 : 1) && (i == 3 ? col("n") * 8 == col("m") : col("n") == col("m"))
backend_name = system(sprintf("awk -F, '!/^#/ && $1!=\"backend\" {print $1; exit}' '%s'", data))
# the precisions present (a panel per precision; an absent one is not drawn)
# the low-rank sweep runs at the largest m
mmax = real(system(sprintf("awk -F, '!/^#/ && $1!=\"backend\" && $4+0>m {m=$4+0} END {print m}' '%s'", data)))
precs = system(sprintf("awk -F, '!/^#/ && $1!=\"backend\" {print $2}' '%s' | sort -u | tr '\\n' ' '", data))

do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 1400,700 font ",11" enhanced } else { set term pdfcairo size 14in,7in font ",11" enhanced }
  set output out."_time.".fmt
  set multiplot layout 1,words(precs) title sprintf("jorge bench (%s backend): median time of one call against the preconditioner size m", backend_name)
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
  set title sprintf("Low-rank Jorge step: speed-up over the dense step on the same gradient (k = 2, %s backend)", backend_name)
  set xlabel "m / n (preconditioner size over gradient columns)"
  set ylabel "speed-up: dense time / low-rank time"
  set key left top
  lr(p) = strcol("method") eq "jorge_lowrank" && col("order") == 2 && strcol("precision") eq p && col("m") == mmax
  plot for [pi=1:words(precs)] data using (sel(lr(word(precs, pi)), col("m") / col("n"))):(col("speedup")) \
         smooth unique with linespoints lw 2 pt 7 ps 1.3 lc pi title sprintf("%s, m = %d", word(precs, pi) eq "f32" ? "float32" : "float64", mmax), \
       1 with lines dt 2 lc rgb "#888888" title "no speed-up"
  set output
}
