# Figure 6: quality of the preconditioned direction Lhat G Rhat against the
# exact two-sided Shampoo direction L^{-1/4} G R^{-1/4} of the nominal (and
# of the tracked) statistics.
load 'plots/common.gp'
if (!exists("source")) source = "power-law stream"
array bs[3] = [0.9, 0.99, 0.999]
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set multiplot layout 2,2 title sprintf("Experiment 6: direction quality, L̂ G R̂ vs exact L^{-1/4} G R^{-1/4} (both sides, %s, eps = 1e-6, f64)", source)
  set logscale x
  set format x "10^{%L}"
  set xlabel "step t (updates)"
  unset logscale y
  set format y "%g"
  set key right bottom
  do for [p=1:2] {
    ini = p == 1 ? "eps" : "warm"
    set title sprintf("(%s) cosine with the NOMINAL-statistic Shampoo direction, init %s (black: plain G)", p==1?"a":"b", ini)
    set ylabel "cos(L̂ G R̂, L^{-1/4} G R^{-1/4})"
    set yrange [-0.05:1.05]
    plot for [b=1:3] for [k=1:3] data using (col("step")):(sel(strcol("init") eq ini && col("order")==k && abs(col("beta2")-bs[b])<1e-12, col("cos_nominal"))) \
         with lines ls k dt b title sprintf("k = %d, β_2 = %g", k, bs[b]), \
         data using (col("step")):(sel(strcol("init") eq ini && col("order")==2 && abs(col("beta2")-0.99)<1e-12, col("cos_identity"))) \
         with lines lc rgb "black" lw 1 title "G itself (β_2 = 0.99)"
  }
  set title "(c) cosine with the TRACKED-statistic (β_{eff}) direction, k = 2"
  plot for [b=1:3] for [p=1:2] data using (col("step")):(sel(strcol("init") eq (p==1?"eps":"warm") && col("order")==2 && abs(col("beta2")-bs[b])<1e-12, col("cos_tracked"))) \
         with lines ls b dt p title sprintf("β_2 = %g, init %s", bs[b], p==1?"eps":"warm")
  set autoscale y
  set logscale y
  set format y "10^{%L}"
  set title "(d) relative error ||L̂ G R̂ - D||_F / ||D||_F, k = 2 (solid: D nominal, dashed: D tracked)"
  set ylabel "relative error of the direction"
  set yrange [1e-3:1e3]
  set key left bottom
  plot for [b=1:3] for [p=1:2] data using (col("step")):(sel(strcol("init") eq (p==1?"eps":"warm") && col("order")==2 && abs(col("beta2")-bs[b])<1e-12, col("relerr_nominal"))) \
         with lines ls (2*b+p-2) title sprintf("nominal, β_2 = %g, init %s", bs[b], p==1?"eps":"warm"), \
       for [b=1:3] for [p=1:2] data using (col("step")):(sel(strcol("init") eq (p==1?"eps":"warm") && col("order")==2 && abs(col("beta2")-bs[b])<1e-12, col("relerr_tracked"))) \
         with lines ls (2*b+p-2) dt 2 notitle
  unset multiplot
  set output
}
