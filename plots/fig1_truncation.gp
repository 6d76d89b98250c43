# Figure 1: truncation error of the order-k binomial series in the commuting
# (diagonal) case, measured from one Jorge update (points) against the closed
# form |p_k(x) - (1+x)^{-1/4}| on each eigenvalue (lines).
# Call (from any directory):
#   gnuplot -e "data='truncation.csv'; out='fig1_truncation'" plots/fig1_truncation.gp
load system("dirname '".ARG0."'")."/common.gp"
eval usage_check
need = "order x err_measured err_closed"
eval check_columns
stats data using (col("order")) nooutput
kmax = int(STATS_max)
stats data using (col("x")) nooutput
xmin = STATS_min
xmax = STATS_max
# errors at or below the floor (rounding in f64 is ~1e-16; zero included)
fl = 1e-17
stats data using (col("err_measured") <= fl || col("err_closed") <= fl ? 1 : 0) nooutput
nfloor = int(STATS_sum)
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set title "Experiment 1: series truncation, commuting case (L_0 = I, a X = diag(x, x/10, x/100), one step)\n{/*0.8 lines: closed form sqrt(Σ_i (p_k(x w_i) - (1+x w_i)^{-1/4})^2 / Σ_i (1+x w_i)^{-1/2}); points: one Jorge update in f64 (they lie on the lines); below about 10^{-15} both are f64 rounding}"
  set xlabel "a ||X||_2 = x (dimensionless; the series converges for x < 1)"
  set ylabel "relative error ||L̂_1 - L_1^{-1/4}||_F / ||L_1^{-1/4}||_F"
  set logscale xy
  set format x "10^{%L}"
  set xrange [xmin/1.15:xmax*1.15]
  set yrange [fl/5:*]
  set key outside right top spacing 1.3 width 2
  set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb "black"
  set label 1 "radius of\nconvergence" at 1.08, graph 0.1 font ",9"
  if (nfloor > 0) {
    set arrow 2 from graph 0, first fl to graph 1, first fl nohead dt 3 lc rgb "#888888"
  }
  plot for [k=1:kmax] data using (col("x")):(sel(col("order")==k, lifted(col("err_closed"), fl))) \
         with lines ls k title sprintf("k = %d", k), \
       for [k=1:kmax] data using (col("x")):(sel(col("order")==k, lifted(col("err_measured"), fl))) \
         with points ls k ps 0.9 notitle, \
       data using (col("x")):(at_floor(col("err_measured"), fl)) with points lc rgb "black" pt 10 ps 1.6 notitle, \
       NaN with lines lc rgb "black" lw 2 title "closed form", \
       NaN with points lc rgb "black" pt 7 ps 0.9 title "Jorge, f64", \
       NaN with linespoints lc rgb "black" dt 3 pt 10 ps 1.6 title (nfloor > 0 ? "≤ 10^{-17} (or 0)" : "")
  set output
}
