# Figure 4: the safeguard beta_eff = max(beta2, ||X|| / (1 + ||X||)): how
# often it fires, how far it pushes beta_eff towards 1, and whether eps,
# the initialisation, the norm or beta2 change that.
load 'plots/common.gp'
if (!exists("source")) source = "power-law stream"
array es[5] = [1e-8, 1e-6, 1e-4, 1e-2, 1.0]
array bs[3] = [0.9, 0.99, 0.999]
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set multiplot layout 2,2 title sprintf("Experiment 4: the safeguard (left side, %s, order k = 2, f64)", source)
  set xlabel "step t (updates)"
  set logscale x
  set format x "10^{%L}"
  set title "(a) fraction of steps so far on which the safeguard fired (Frobenius, β_2 = 0.99)"
  set ylabel "firing fraction (steps fired / steps)"
  unset logscale y
  set format y "%g"
  set yrange [-0.05:1.05]
  set key right center
  plot for [e=1:5] for [p=1:2] data using (col("step")):(sel(abs(col("eps")/es[e]-1)<1e-9 && strcol("init") eq (p==1?"eps":"warm") && strcol("safeguard") eq "clip" && abs(col("beta2")-0.99)<1e-12, col("fired_frac"))) \
       with lines ls e dt p title sprintf("eps = %g, init %s", es[e], p==1?"eps^{-1/4} I":"warm")
  set autoscale y
  set logscale y
  set format y "10^{%L}"
  set title "(b) 1 - β_{eff} per step vs eps (Frobenius, init eps^{-1/4} I, β_2 = 0.99; dotted: 1 - β_2)"
  set ylabel "1 - β_{eff} (weight of the new gradient)"
  set key right top
  plot for [e=1:5] data using (col("step")):(sel(abs(col("eps")/es[e]-1)<1e-9 && strcol("init") eq "eps" && strcol("safeguard") eq "clip" && abs(col("beta2")-0.99)<1e-12, col("one_minus_beta_eff"))) \
       with lines ls e title sprintf("eps = %g", es[e]), 0.01 with lines lc rgb "black" dt 3 title "1 - β_2 = 0.01"
  set title "(c) 1 - β_{eff}: Frobenius vs spectral norm, init eps^{-1/4} I vs warm (eps = 1e-6, β_2 = 0.99)"
  plot for [s=1:2] for [p=1:2] data using (col("step")):(sel(abs(col("eps")/1e-6-1)<1e-9 && strcol("init") eq (p==1?"eps":"warm") && strcol("safeguard") eq (s==1?"clip":"spectral") && abs(col("beta2")-0.99)<1e-12, col("one_minus_beta_eff"))) \
       with lines ls (2*s+p-2) title sprintf("%s norm, init %s", s==1?"Frobenius":"spectral", p==1?"eps":"warm")
  set title "(d) does β_2 matter? 1 - β_{eff} for three β_2 (Frobenius, eps = 1e-6; dotted: 1 - β_2)"
  plot for [b=1:3] for [p=1:2] data using (col("step")):(sel(abs(col("eps")/1e-6-1)<1e-9 && strcol("init") eq (p==1?"eps":"warm") && strcol("safeguard") eq "clip" && abs(col("beta2")-bs[b])<1e-12, col("one_minus_beta_eff"))) \
       with lines ls b dt p lw (4-b) title sprintf("β_2 = %g, init %s", bs[b], p==1?"eps":"warm"), \
       for [b=1:3] (1-bs[b]) with lines ls b dt 3 lw 1 notitle
  unset multiplot
  set output
}
