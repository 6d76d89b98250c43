# Figure 1: truncation error of the order-k binomial series in the commuting
# (diagonal) case, measured from one Jorge update (points) against the closed
# form |p_k(x) - (1+x)^{-1/4}| on each eigenvalue (lines).
load 'plots/common.gp'
stats data using (col("order")) nooutput
kmax = int(STATS_max)
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set title "Experiment 1: series truncation, commuting case (L_0 = I, a X = diag(x, x/10, x/100), one step)"
  set xlabel "a ||X||_2 = x (dimensionless; series converges for x < 1)"
  set ylabel "relative error ||L̂_1 - L_1^{-1/4}||_F / ||L_1^{-1/4}||_F"
  set logscale xy
  set format x "10^{%L}"
  set key left top
  set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb "black"
  set label 1 "radius of convergence" at 1.05, graph 0.06 font ",9"
  plot for [k=1:kmax] data using (col("x")):(sel(col("order")==k, col("err_closed"))) \
         with lines ls k title sprintf("order k = %d: closed form (line), Jorge update f64 (points)", k), \
       for [k=1:kmax] data using (col("x")):(sel(col("order")==k, col("err_measured"))) \
         with points ls k notitle
  set output
}
