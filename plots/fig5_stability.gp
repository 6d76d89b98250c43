# Figure 5: stability under ill-conditioning (exp-spectrum stream, warm
# start, k = 2, beta2 = 0.99): error, asymmetry and the smallest eigenvalue
# of the symmetric part over time for the variants (plain, sym, corrected),
# re-anchoring intervals K and f32 vs f64, in four eps regimes (columns; the
# CSV's eps = 1e-10 rows are not drawn).  Colour: the variant, in every panel.
# Call (from any directory):
#   gnuplot -e "data='stability.csv'; out='fig5_stability'" plots/fig5_stability.gp
plotdir = system("dirname '".ARG0."'")
load plotdir."/common.gp"
eval usage_check
need = "kappa eps dtype variant reanchor step asymmetry min_eig_sym err_tracked regime eps_mode fired_frac"
eval check_columns
array vs[3] = ["plain", "sym", "corrected"]
array vlw[3] = [4.5, 2.5, 1.2]
array Ks[3] = [0, 10, 100]
array kps[3] = [100, 1e6, 1e12]
array kpt[3] = [7, 5, 9]
stats data using (col("step")) nooutput
Tn = STATS_max
fl = floor_below("err_tracked")
afl = floor_below("asymmetry")
is(r, kap, v, K, dt) = strcol("regime") eq r && abs(col("kappa") / kap - 1) < 1e-9 && strcol("variant") eq v && col("reanchor") == K && strcol("dtype") eq dt
run(r, kap, v, K, dt) = where(data, eq("regime", r)." && ".eqn("kappa", kap)." && ".eq("variant", v)." && ".eqn("reanchor", K)." && ".eq("dtype", dt))
paper_eps = first_of("eps", "regime", "paper")
paper_mode = first_of("eps_mode", "regime", "paper")
array rate[12]
do for [j=1:4] {
  do for [v=1:3] {
    rate[3*(j-1)+v] = last_of(eq("regime", word(regimes, j))." && ".eqn("kappa", 1e6)." && ".eq("variant", vs[v])." && ".eqn("reanchor", 0)." && ".eq("dtype", "f64"), "fired_frac")
  }
}
W = 0.86
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 2200,1900 font ',11' enhanced; set output out.'.png' }
  if (fmt eq "pdf") { set term pdfcairo size 22in,19in font ',11' enhanced; set output out.'.pdf' }
  set multiplot title sprintf("Experiment 5: stability (left side, exp-spectrum stream, warm start, k = 2, β_2 = 0.99, Frobenius safeguard, %d steps)\n{/*0.85 Colour: the variant; solid f64, dashed f32.  Line width falls plain > sym > corrected: corrected is drawn over plain and hides it where its Newton step was never taken (it is then identical).}\n{/*0.85 Re-anchored runs are measured at every step (the sawtooth is the error's); ▽ on the bottom edge: error ≤ the floor (0 right after the exact warm start or a re-anchor).  Missing points: NaN/Inf or a failed exact anchor.}", Tn) font ",12"
  do for [j=1:4] {
    r = word(regimes, j)
    do for [row=1:4] {
      set origin (j-1)*W/4, 0.925 - row*0.225
      set size W/4, 0.225
      set logscale x
      set format x "10^{%L}"
      set xrange [0.8:Tn*1.25]
      set xlabel row == 4 ? "step t (updates)" : ""
      unset key
      set offsets 0, 0, graph 0.04, graph 0.04
      top = row == 1 ? sprintf("{/:Bold %s}: eps = %s\nfired (κ = 10^6, f64, K off): plain %s, sym %s, corrected %s\n", r, \
             j == 1 ? paper_eps.(paper_mode eq "rel" ? "·s" : " (absolute)") : regime_eps(r), pct(rate[3*(j-1)+1]), pct(rate[3*(j-1)+2]), pct(rate[3*(j-1)+3])) : ""
      if (row == 1) {
        set title top.sprintf("(a%d) error vs tracked root by variant, κ = 10^6, K off", j) font ",10"
        set logscale y
        set format y "10^{%L}"
        set ylabel j == 1 ? "relative error vs tracked root" : ""
        plot for [v=1:3] for [d=1:2] run(r, 1e6, vs[v], 0, d == 1 ? "f64" : "f32") using (col("step")):(lifted(col("err_tracked"), fl)) \
               with lines ls v lw vlw[v] dt d, \
             where(data, eq("regime", r)." && ".eqn("kappa", 1e6)." && ".eqn("reanchor", 0)) using (col("step")):(at_floor(col("err_tracked"), fl)) \
               with points lc rgb "black" pt 10 ps 1.8
      }
      if (row == 2) {
        set title sprintf("(b%d) re-anchored every K steps, plain, κ = 10^6 (linear t)", j) font ",10"
        unset logscale x
        set format x "%g"
        set xrange [0:Tn + 1]
        plot for [i=1:3] for [d=1:2] run(r, 1e6, "plain", Ks[i], d == 1 ? "f64" : "f32") using (col("step")):(lifted(col("err_tracked"), fl)) \
               with linespoints ls 1 lw (i == 1 ? 3 : (i == 2 ? 0.8 : 1.6)) dt d pt (i == 1 ? -1 : (i == 2 ? 6 : 4)) pi 7 ps 1.0, \
             where(data, eq("regime", r)." && ".eqn("kappa", 1e6)." && ".eq("variant", "plain")) using (col("step")):(at_floor(col("err_tracked"), fl)) \
               with points lc rgb "black" pt 10 ps 1.8
      }
      if (row == 3) {
        set logscale x
        set format x "10^{%L}"
        set xrange [0.8:Tn*1.25]
        set title sprintf("(c%d) asymmetry ||L̂ - L̂^T||_F / ||L̂||_F, plain, K off, three κ", j) font ",10"
        set ylabel j == 1 ? "asymmetry (relative)" : ""
        plot for [i=1:3] for [d=1:2] run(r, kps[i], "plain", 0, d == 1 ? "f64" : "f32") using (col("step")):(lifted(col("asymmetry"), afl)) \
               with linespoints ls 1 lw 1.5 dt d pt kpt[i] ps (1.6 - 0.4 * i) , \
             where(data, eq("regime", r)." && ".eq("variant", "plain")." && ".eqn("reanchor", 0)) using (col("step")):(at_floor(col("asymmetry"), afl)) \
               with points lc rgb "black" pt 10 ps 1.8
      }
      if (row == 4) {
        set title sprintf("(d%d) smallest eigenvalue of (L̂ + L̂^T)/2, κ = 10^6, K off", j) font ",10"
        set ylabel j == 1 ? "λ_{min}((L̂ + L̂^T)/2)" : ""
        unset logscale y
        set format y "%g"
        plot for [v=1:3] for [d=1:2] run(r, 1e6, vs[v], 0, d == 1 ? "f64" : "f32") using (col("step")):(col("min_eig_sym")) \
               with lines ls v lw vlw[v] dt d, \
             0 with lines lc rgb "black" dt 3 lw 1
      }
    }
  }
  set origin W, 0.05
  set size 1 - W, 0.85
  unset title
  unset xlabel
  unset ylabel
  unset logscale
  unset border
  unset tics
  unset grid
  set offsets 0, 0, 0, 0
  set lmargin 0
  set rmargin 0
  set xrange [0:1]
  set yrange [0:1]
  set key inside left top reverse Left box opaque spacing 1.5 width -4 font ",10"
  plot for [v=1:3] NaN with lines ls v lw vlw[v] title vs[v], \
       NaN with lines lc rgb "black" dt 1 title "f64 state", \
       NaN with lines lc rgb "black" dt 2 title "f32 state", \
       NaN with lines ls 1 lw 3 title "(b) K off", \
       NaN with linespoints ls 1 lw 0.8 pt 6 title "(b) K = 10", \
       NaN with linespoints ls 1 lw 1.6 pt 4 title "(b) K = 100", \
       for [i=1:3] NaN with linespoints ls 1 lw 1.5 pt kpt[i] ps (1.6 - 0.4 * i) title sprintf("(c) κ = 10^{%d}", int(log10(kps[i]) + 0.5)), \
       NaN with points lc rgb "black" pt 10 ps 1.8 title "≤ floor (or 0)", \
       NaN with lines lc rgb "black" dt 3 title "(d) zero"
  unset multiplot
  set output
  reset
  load plotdir."/common.gp"
}
