# Figure 3: error of Jorge's root over time against the exact inverse fourth
# root of (a) the statistic Jorge tracks (beta_eff recurrence) and (b) the
# statistic Shampoo nominally uses (beta2 recurrence), both from L_0 = eps I.
load 'plots/common.gp'
if (!exists("source")) source = "power-law stream"
array bs[3] = [0.9, 0.99, 0.999]
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set multiplot layout 2,2 title sprintf("Experiment 3: relative error ||L̂_t - L_t^{-1/4}||_F / ||L_t^{-1/4}||_F over time (left side, %s, eps = 1e-6, Frobenius safeguard)", source)
  set logscale xy
  set format x "10^{%L}"
  set xlabel "step t (updates)"
  set key right bottom
  do for [p=1:2] {
    ini = p == 1 ? "eps" : "warm"
    set title sprintf("(%s) vs exact root of the TRACKED statistic (beta_{eff}), f64, init = %s", p == 1 ? "a" : "b", ini)
    set ylabel "relative error vs tracked-statistic root"
    plot for [b=1:3] for [k=1:3] data using (col("step")):(sel(strcol("dtype") eq "f64" && strcol("init") eq ini && col("order")==k && abs(col("beta2")-bs[b])<1e-12, col("err_tracked"))) \
         with lines ls k dt b title sprintf("k = %d, β_2 = %g", k, bs[b])
  }
  set title "(c) vs exact root of Shampoo's NOMINAL statistic (β_2 recurrence), f64, k = 2"
  set ylabel "relative error vs nominal-statistic root"
  plot for [b=1:3] data using (col("step")):(sel(strcol("dtype") eq "f64" && strcol("init") eq "eps" && col("order")==2 && abs(col("beta2")-bs[b])<1e-12, col("err_nominal"))) \
         with lines ls b title sprintf("init eps^{-1/4} I, β_2 = %g", bs[b]), \
       for [b=1:3] data using (col("step")):(sel(strcol("dtype") eq "f64" && strcol("init") eq "warm" && col("order")==2 && abs(col("beta2")-bs[b])<1e-12, col("err_nominal"))) \
         with lines ls b dt 2 title sprintf("init warm, β_2 = %g", bs[b])
  set title "(d) f32 vs f64 state, vs tracked-statistic root, k = 2, β_2 = 0.99"
  set ylabel "relative error vs tracked-statistic root"
  plot for [p=1:2] data using (col("step")):(sel(strcol("dtype") eq "f64" && strcol("init") eq (p==1?"eps":"warm") && col("order")==2 && abs(col("beta2")-0.99)<1e-12, col("err_tracked"))) \
         with lines ls p title sprintf("f64, init %s", p==1?"eps":"warm"), \
       for [p=1:2] data using (col("step")):(sel(strcol("dtype") eq "f32" && strcol("init") eq (p==1?"eps":"warm") && col("order")==2 && abs(col("beta2")-0.99)<1e-12, col("err_tracked"))) \
         with points ls p pt 6 ps 1 title sprintf("f32, init %s", p==1?"eps":"warm")
  unset multiplot
  set output
}
