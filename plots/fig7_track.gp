# Figure 7: the safeguard's norm (Frobenius vs spectral), the order k and
# re-anchoring over a power-law stream (experiments/track.sh, `jorge track`
# every step): error against the exact root of the tracked statistic.
# The `run` column is "safeguard:order:reanchor:variant".
load 'plots/common.gp'
array ks[3] = [2, 3, 8]
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set multiplot layout 2,2 title "Experiment 7: safeguard norm, order and re-anchoring (jorge track, left side, power-law stream)"
  set logscale xy
  set format x "10^{%L}"
  set xlabel "step t (updates)"
  set ylabel "relative error vs tracked-statistic root"
  set key left top
  do for [p=1:2] {
    sg = p == 1 ? "clip" : "spectral"
    set title sprintf("(%s) %s safeguard, no re-anchoring", p == 1 ? "a" : "b", sg)
    plot for [i=1:3] data using (col("step")):(sel(strcol("run") eq sprintf("%s:%d:0:plain", sg, ks[i]), col("err_tracked"))) \
         with lines ls i title sprintf("k = %d", ks[i]), \
         data using (col("step")):(sel(strcol("run") eq sprintf("%s:2:0:corrected", sg), col("err_tracked"))) \
         with lines ls 4 dt 2 title "k = 2, corrected"
  }
  do for [p=1:2] {
    sg = p == 1 ? "clip" : "spectral"
    set title sprintf("(%s) %s safeguard, re-anchored to the exact root every K steps (K: params line of track.csv)", p == 1 ? "c" : "d", sg)
    plot for [i=1:3] data using (col("step")):(sel(strcol("run") ne sprintf("%s:%d:0:plain", sg, ks[i]) && strcol("run")[1:strlen(sg)+3] eq sprintf("%s:%d:", sg, ks[i]) && strcol("variant") eq "plain", col("err_tracked") > 0 ? col("err_tracked") : NaN)) \
         with linespoints ls i title sprintf("k = %d, re-anchored", ks[i])
  }
  unset multiplot
  set output
}
