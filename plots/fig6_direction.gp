# Figure 6: quality of the preconditioned direction Lhat G Rhat against the
# exact two-sided Shampoo direction L^{-1/4} G R^{-1/4} of the nominal (and of
# the tracked) statistics, in four eps regimes (columns).  Direction and
# scale apart: 1 - cosine (scale-free; what survives grafting) and the norm
# ratio ||Lhat G Rhat||_F / ||D||_F (what grafting removes).
# Colour: beta2 in every panel; solid: init eps^{-1/4} I, dashed: warm start.
# Call (from any directory):
#   gnuplot -e "data='direction.csv'; out='fig6_direction'" plots/fig6_direction.gp
plotdir = system("dirname '".ARG0."'")
load plotdir."/common.gp"
eval usage_check
need = "beta2 order init step cos_nominal cos_tracked cos_identity regime eps eps_mode fired_frac_left fired_frac_right norm_ratio_nominal"
eval check_columns
if (!exists("source")) source = "power-law stream"
array bs[3] = [0.9, 0.99, 0.999]
array lws[3] = [4.5, 2.8, 1.3]
array pts[3] = [7, 5, 9]
stats data using (col("step")) nooutput
Tn = STATS_max
fl = 1e-12     # 1 - cos at or below (f64 rounding of the cosine): on the floor
omc(c) = lifted(1 - c, fl)
run(r, b, k, ini) = where(data, eq("regime", r)." && ".eqn("beta2", b)." && ".eqn("order", k)." && ".eq("init", ini))
paper_eps = first_of("eps", "regime", "paper")
paper_mode = first_of("eps_mode", "regime", "paper")
array rl[8]
array rr[8]
do for [j=1:4] {
  do for [p=1:2] {
    c = eq("regime", word(regimes, j))." && ".eqn("beta2", 0.99)." && ".eqn("order", 2)." && ".eq("init", p == 1 ? "eps" : "warm")
    rl[2*(j-1)+p] = last_of(c, "fired_frac_left")
    rr[2*(j-1)+p] = last_of(c, "fired_frac_right")
  }
}
W = 0.86
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 2200,1800 font ',11' enhanced; set output out.'.png' }
  if (fmt eq "pdf") { set term pdfcairo size 22in,18in font ',11' enhanced; set output out.'.pdf' }
  set multiplot title sprintf("Experiment 6: direction quality, L̂ G R̂ against Shampoo's exact L^{-1/4} G R^{-1/4} (both sides, %s, Frobenius safeguard, f64, %d steps)\n{/*0.85 Colour: β_2; solid: init eps^{-1/4} I, dashed: warm start; black: the plain gradient G against the same Shampoo direction.  Line width falls with β_2: where only the thickest line shows, the β_2 coincide.}\n{/*0.85 Direction (1 - cosine, scale-free: what grafting keeps) and scale (norm ratio: what grafting removes) are drawn apart.  ▽ on the bottom edge: 1 - cos ≤ 10^{-12} (equal directions up to rounding).}", source, Tn) font ",12"
  do for [j=1:4] {
    r = word(regimes, j)
    do for [row=1:4] {
      set origin (j-1)*W/4, 0.925 - row*0.225
      set size W/4, 0.225
      set logscale xy
      set format x "10^{%L}"
      set format y "10^{%L}"
      set xrange [0.8:Tn*1.25]
      set yrange [*:*]
      set offsets 0, 0, graph 0.04, graph 0.04
      set xlabel row == 4 ? "step t (updates)" : ""
      unset key
      top = row == 1 ? sprintf("{/:Bold %s}: eps = %s\nfired (β_2 = 0.99, k = 2; left / right side):\ninit eps %s / %s, warm %s / %s\n", r, \
             j == 1 ? paper_eps.(paper_mode eq "rel" ? "·s" : " (absolute)") : regime_eps(r), \
             pct(rl[2*j-1]), pct(rr[2*j-1]), pct(rl[2*j]), pct(rr[2*j])) : ""
      if (row == 1 || row == 2) {
        ccol = row == 1 ? "cos_nominal" : "cos_tracked"
        set title top.sprintf("(%s%d) 1 - cos with the %s direction, k = 2", row == 1 ? "a" : "b", j, row == 1 ? "NOMINAL (β_2)" : "TRACKED (β_{eff})") font ",10"
        set ylabel j == 1 ? (row == 1 ? "1 - cos(L̂ G R̂, nominal D)" : "1 - cos(L̂ G R̂, tracked D)") : ""
        plot for [b=1:3] for [p=1:2] run(r, bs[b], 2, p == 1 ? "eps" : "warm") using (col("step")):(omc(col(ccol))) \
               with lines ls b lw lws[b] dt p, \
             run(r, 0.99, 2, "eps") using (col("step")):(row == 1 ? omc(col("cos_identity")) : NaN) with lines lc rgb "black" lw 1.5, \
             where(data, eq("regime", r)." && ".eqn("order", 2)) using (col("step")):(at_floor(1 - col(ccol), fl)) with points lc rgb "black" pt 10 ps 1.8
      }
      if (row == 3) {
        set title sprintf("(c%d) order k = 1, 2, 3: 1 - cos, nominal, β_2 = 0.99, init eps", j) font ",10"
        set ylabel j == 1 ? "1 - cos(L̂ G R̂, nominal D)" : ""
        plot for [k=1:3] run(r, 0.99, k, "eps") using (col("step")):(omc(col("cos_nominal"))) \
               with linespoints ls 2 lw (4 - k) pt pts[k] ps 0.9
      }
      if (row == 4) {
        set title sprintf("(d%d) scale: ||L̂ G R̂||_F / ||nominal D||_F, k = 2 (dotted: 1)", j) font ",10"
        set ylabel j == 1 ? "norm ratio" : ""
        plot for [b=1:3] for [p=1:2] run(r, bs[b], 2, p == 1 ? "eps" : "warm") using (col("step")):(col("norm_ratio_nominal")) \
               with lines ls b lw lws[b] dt p, \
             1 with lines lc rgb "black" dt 3 lw 1
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
  plot for [b=1:3] NaN with lines ls b lw lws[b] title sprintf("β_2 = %g", bs[b]), \
       NaN with lines lc rgb "black" dt 1 title "init eps^{-1/4} I", \
       NaN with lines lc rgb "black" dt 2 title "warm start", \
       NaN with lines lc rgb "black" lw 1.5 title "(a) G itself (β_2 = 0.99)", \
       for [k=1:3] NaN with linespoints ls 2 lw (4 - k) pt pts[k] title sprintf("(c) k = %d", k), \
       NaN with points lc rgb "black" pt 10 ps 1.8 title "≤ floor"
  unset multiplot
  set output
  reset
  load plotdir."/common.gp"
}
