# Figure 2: one Jorge step from the exact root when L_0 and S = G G^T do not
# commute: error against the exact root of L_1 vs the commutator size, one
# panel per a||X|| level; dashed: the commuting-case (theta = 0) remainder.
load 'plots/common.gp'
array xs[3] = [0.05, 0.3, 0.9]
array ks[5] = [1, 2, 3, 4, 8]
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set multiplot layout 1,3 title "Experiment 2: one step, non-commuting L_0 and G G^T (L_0 = diag power law, κ = 100; S rotated by Givens angle θ)"
  set logscale xy
  set format x "10^{%L}"
  set xlabel "commutator ||L_0 S - S L_0||_F / (||L_0||_F ||S||_F)"
  set ylabel "relative error of L̂_1 vs exact L_1^{-1/4} (Frobenius)"
  set key right bottom
  do for [ix=1:3] {
    set title sprintf("S = Γ(θ) diag(x λ) Γ(θ)^T,  x = %g", xs[ix])
    plot for [i=1:5] data using (col("commutator")):(sel(col("order")==ks[i] && abs(col("x")-xs[ix])<1e-9 && col("theta")>0, col("err"))) \
           with linespoints ls i title sprintf("order k = %d", ks[i]), \
         for [i=1:5] data using (col("commutator")):(sel(col("order")==ks[i] && abs(col("x")-xs[ix])<1e-9 && col("theta")>0, col("err_commuting"))) \
           with lines ls i dt 2 lw 1 notitle
  }
  unset multiplot
  set output
}
