# Figure 5: stability under ill-conditioning: error, asymmetry and the
# smallest eigenvalue of the symmetric part over time, for the variants
# (plain, sym, corrected), re-anchoring intervals K and f32 vs f64.
load 'plots/common.gp'
array Ks[3] = [0, 10, 100]
array vs[3] = ["plain", "sym", "corrected"]
array ks[3] = [100, 1e6, 1e12]
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set multiplot layout 2,2 title "Experiment 5: stability (left side, exp-spectrum stream, warm init, k = 2, β_2 = 0.99; missing points: NaN/Inf or a failed exact anchor)"
  set logscale x
  set format x "10^{%L}"
  set xlabel "step t (updates)"
  set logscale y
  set key left top
  set title "(a) error by variant, K off, κ = 1e6, eps = 1e-6 (corrected: Newton step only when the residual < 1)"
  set yrange [1e-4:1e3]
  set ylabel "relative error ||L̂_t - L_t^{-1/4}||_F / ||L_t^{-1/4}||_F"
  plot for [v=1:3] for [d=1:2] data using (col("step")):(sel(abs(col("kappa")/1e6-1)<1e-9 && abs(col("eps")/1e-6-1)<1e-9 && strcol("variant") eq vs[v] && col("reanchor")==0 && strcol("dtype") eq (d==1?"f64":"f32"), col("err_tracked"))) \
       with linespoints ls v dt d title sprintf("%s, %s", vs[v], d==1?"f64":"f32")
  set yrange [*:*]
  set title "(b) error vs re-anchoring interval K (plain, κ = 1e6, eps = 1e-6)"
  plot for [i=1:3] for [d=1:2] data using (col("step")):(sel(abs(col("kappa")/1e6-1)<1e-9 && abs(col("eps")/1e-6-1)<1e-9 && strcol("variant") eq "plain" && col("reanchor")==Ks[i] && strcol("dtype") eq (d==1?"f64":"f32"), col("err_tracked"))) \
       with linespoints ls i dt d title sprintf("K = %s, %s", Ks[i]==0?"off":sprintf("%d",Ks[i]), d==1?"f64":"f32")
  set title "(c) asymmetry ||L̂ - L̂^T||_F / ||L̂||_F (plain, no re-anchoring, eps = 1e-6)"
  set ylabel "asymmetry (relative)"
  plot for [i=1:3] for [d=1:2] data using (col("step")):(sel(abs(col("kappa")/ks[i]-1)<1e-9 && abs(col("eps")/1e-6-1)<1e-9 && strcol("variant") eq "plain" && col("reanchor")==0 && strcol("dtype") eq (d==1?"f64":"f32"), col("asymmetry"))) \
       with linespoints ls i dt d title sprintf("κ = %g, %s", ks[i], d==1?"f64":"f32")
  set title "(d) smallest eigenvalue of (L̂ + L̂^T)/2 (no re-anchoring, κ = 1e6, eps = 1e-6)"
  set ylabel "λ_{min}((L̂ + L̂^T)/2)  (symlog: sign(λ) log_{10}(1 + |λ|))"
  unset logscale y
  set format y "%g"
  set key left bottom
  symlog(v) = v > 0 ? log10(1 + v) : -log10(1 - v)
  plot for [v=1:3] for [d=1:2] data using (col("step")):(sel(abs(col("kappa")/1e6-1)<1e-9 && abs(col("eps")/1e-6-1)<1e-9 && strcol("variant") eq vs[v] && col("reanchor")==0 && strcol("dtype") eq (d==1?"f64":"f32"), symlog(col("min_eig_sym")))) \
       with linespoints ls v dt d title sprintf("%s, %s", vs[v], d==1?"f64":"f32"), 0 with lines lc rgb "black" dt 3 notitle
  unset multiplot
  set output
}
