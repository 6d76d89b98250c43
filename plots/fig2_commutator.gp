# Figure 2: one Jorge step from the exact root when L_0 and S = G G^T do not
# commute.  Top: error against the exact root of L_1 vs the Givens angle
# theta that rotates S's eigenbasis away from L_0's, one panel per x (the
# size of S), one colour per order k; dashed: the same k at theta = 0 (the
# commuting remainder).  Bottom: what theta does - the normalised commutator
# and a||X|| (which theta also changes) against theta.
# Call (from any directory):
#   gnuplot -e "data='commutator.csv'; out='fig2_commutator'" plots/fig2_commutator.gp
plotdir = system("dirname '".ARG0."'")
load plotdir."/common.gp"
eval usage_check
need = "order x theta commutator a_xnorm err err_commuting"
eval check_columns
array xs[3] = [0.05, 0.3, 0.9]
array ks[5] = [1, 2, 3, 4, 8]
# one y range for the three top panels (positive errors)
stats data using (col("theta") > 0 ? col("err") : NaN) nooutput
ymax = STATS_max
stats data using (col("err_commuting") > 0 ? col("err_commuting") : NaN) nooutput
ymin = STATS_min < ymax ? STATS_min : ymax
stats data using (col("theta") > 0 ? col("err") : NaN) nooutput
ymin = STATS_min < ymin ? STATS_min : ymin
stats data using (col("theta") > 0 ? col("theta") : NaN) nooutput
tmin = STATS_min
tmax = STATS_max
m = param("m")
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png_wide : out_pdf_wide)
  set multiplot title sprintf("Experiment 2: one step from the exact root, L_0 = diag(power law, κ = 100), m = %s, S = Γ(θ) diag(x λ) Γ(θ)^T (Givens rotations by θ), β_2 = 1/2, no safeguard\n{/*0.85 colour: order k (same in every panel); dashed: the same k at θ = 0, where L_0 and S commute and the error is the series remainder; the same y range in the three top panels;}\n{/*0.85 line width falls with k, so curves that coincide (the commutator term dominates the truncation) show as nested lines}", m) font ",12"
  do for [ix=1:3] {
    set origin (ix-1)/3.0*0.86, 0.36
    set size 0.86/3, 0.56
    set logscale xy
    set format x "10^{%L}"
    set format y "10^{%L}"
    set xrange [tmin/1.3:tmax*1.3]
    set yrange [ymin/3:ymax*3]
    set xlabel "Givens angle θ (rad)"
    set ylabel ix == 1 ? "relative error of L̂_1 vs exact L_1^{-1/4} (Frobenius)" : ""
    set title sprintf("(%s) x = %g: error vs θ", word("a b c", ix), xs[ix])
    unset key
    plot for [i=1:5] data using (col("theta")):(sel(col("order")==ks[i] && abs(col("x")-xs[ix])<1e-9 && col("theta")>0, col("err"))) \
           with linespoints ls i lw (6-i)*0.8, \
         for [i=1:5] data using (col("theta")):(sel(col("order")==ks[i] && abs(col("x")-xs[ix])<1e-9 && col("theta")>0, col("err_commuting"))) \
           with lines ls i dt 2 lw 1
  }
  do for [ix=1:3] {
    set origin (ix-1)/3.0*0.86, 0.0
    set size 0.86/3, 0.36
    set title sprintf("(%s) x = %g: what θ changes", word("d e f", ix), xs[ix])
    set yrange [*:*]
    set ylabel ix == 1 ? "commutator / a||X||_2" : ""
    plot data using (col("theta")):(sel(col("order")==1 && abs(col("x")-xs[ix])<1e-9 && col("theta")>0, col("commutator"))) \
           with linespoints lc rgb "black" lw 2 pt 7 ps 0.5, \
         data using (col("theta")):(sel(col("order")==1 && abs(col("x")-xs[ix])<1e-9 && col("theta")>0, col("a_xnorm"))) \
           with linespoints lc rgb "#888888" lw 2 dt 4 pt 5 ps 0.5
  }
  # the legend, in its own column right of the panels
  set origin 0.86, 0.0
  set size 0.14, 0.92
  unset title
  unset xlabel
  unset ylabel
  unset logscale
  unset border
  unset tics
  unset grid
  set xrange [0:1]
  set yrange [0:1]
  set lmargin 0
  set rmargin 0
  set key inside left top reverse Left box opaque spacing 1.4 width -8 font ",10"
  plot for [i=1:5] NaN with linespoints ls i lw (6-i)*0.8 title sprintf("order k = %d", ks[i]), \
       NaN with lines lc rgb "black" dt 2 lw 1 title "dashed: same k, θ = 0", \
       NaN with lines lt -2 title " ", \
       NaN with linespoints lc rgb "black" lw 2 pt 7 title "||L_0 S - S L_0||_F / (||L_0||_F ||S||_F)", \
       NaN with linespoints lc rgb "#888888" lw 2 dt 4 pt 5 title "a ||X||_2 (series converges < 1)"
  unset multiplot
  set output
  reset
  load plotdir."/common.gp"
}
