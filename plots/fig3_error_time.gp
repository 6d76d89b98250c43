# Figure 3: error of Jorge's root over time against the exact inverse fourth
# root of the statistic Jorge tracks (beta_eff recurrence) and of the one
# Shampoo nominally uses (beta2 recurrence), in four eps regimes (columns):
# the paper's eps and three relative ones in which the safeguard fires
# always / sometimes / rarely (the measured firing rates are in the titles).
# Colour: beta2 everywhere; solid: init eps^{-1/4} I, dashed: warm start.
# Call (from any directory):
#   gnuplot -e "data='error-time.csv'; out='fig3_error_time'" plots/fig3_error_time.gp
plotdir = system("dirname '".ARG0."'")
load plotdir."/common.gp"
eval usage_check
need = "dtype beta2 order init step err_tracked err_nominal regime eps eps_mode fired_frac"
eval check_columns
if (!exists("source")) source = "power-law stream"
array bs[3] = [0.9, 0.99, 0.999]
array lws[3] = [4.5, 2.8, 1.3]
array pts[3] = [7, 5, 9]
# errors at or below fl are drawn on the floor (the warm start's 0 at step 1):
# a power of ten under the smallest positive error
fl1 = floor_below("err_tracked")
fl2 = floor_below("err_nominal")
fl = fl1 < fl2 ? fl1 : fl2
dfl = 1e-16        # the same for the f32 - f64 difference
stats data using (col("step")) nooutput
Tn = STATS_max
# |err_tracked(f32) - err_tracked(f64)| per configuration and step
diffs = sprintf("< awk -F, '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; print \"regime,init,beta2,order,step,diff\"; next } { k = $c[\"regime\"] \",\" $c[\"init\"] \",\" $c[\"beta2\"] \",\" $c[\"order\"] \",\" $c[\"step\"]; v[$c[\"dtype\"], k] = $c[\"err_tracked\"]; if (!(k in seen)) { seen[k] = 1; keys[n++] = k } } END { for (j = 0; j < n; j++) if ((\"f64\", keys[j]) in v && (\"f32\", keys[j]) in v) { d = v[\"f32\", keys[j]] - v[\"f64\", keys[j]]; print keys[j] \",\" (d < 0 ? -d : d) } }' '%s'", data)
is(r, dt, ini, k, b) = strcol("regime") eq r && strcol("dtype") eq dt && strcol("init") eq ini && col("order") == k && abs(col("beta2") - b) < 1e-12
# measured firing rate (fraction of all steps) per regime: f64, k = 2, beta2 = 0.99
array rate_eps[4]
array rate_warm[4]
do for [j=1:4] {
  c = eq("regime", word(regimes, j))." && ".eq("dtype", "f64")." && ".eqn("order", 2)." && ".eqn("beta2", 0.99)
  rate_eps[j] = last_of(c." && ".eq("init", "eps"), "fired_frac")
  rate_warm[j] = last_of(c." && ".eq("init", "warm"), "fired_frac")
}
paper_eps = first_of("eps", "regime", "paper")
paper_mode = first_of("eps_mode", "regime", "paper")
rtitle(j) = sprintf("%s: eps = %s\nfired on %s (init eps), %s (warm) of %d steps", \
   word(regimes, j), j == 1 ? paper_eps.(paper_mode eq "rel" ? "·s" : " (absolute)") : regime_eps(word(regimes, j)), \
   pct(rate_eps[j]), pct(rate_warm[j]), Tn)
W = 0.87
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 2200,1800 font ',11' enhanced; set output out.'.png' }
  if (fmt eq "pdf") { set term pdfcairo size 22in,18in font ',11' enhanced; set output out.'.pdf' }
  set multiplot title sprintf("Experiment 3: relative error ||L̂_t - L_t^{-1/4}||_F / ||L_t^{-1/4}||_F over time (left side, %s, Frobenius safeguard)\n{/*0.85 columns: eps regime (s = ||G_1||_F^2 / m; firing: fraction of steps on which the safeguard raised β above β_2, f64, k = 2, β_2 = 0.99).  Colour: β_2; solid: init eps^{-1/4} I, dashed: warm start (exact root of G_1 G_1^T).}\n{/*0.85 Line width falls with β_2: where only the thickest line shows, the three β_2 coincide (the safeguard fired on every step, β_2 has no effect).  ▽ on the bottom edge: error ≤ the floor (0 at the warm start's first step).}", source) font ",12"
  do for [j=1:4] {
    r = word(regimes, j)
    do for [row=1:4] {
      set origin (j-1)*W/4, 0.93 - row*0.225
      set size W/4, 0.225
      set logscale xy
      set format x "10^{%L}"
      set format y "10^{%L}"
      set xrange [0.8:Tn*1.25]
      set xlabel row == 4 ? "step t (updates)" : ""
      unset key
      set title (row == 1 ? rtitle(j)."\n" : "").sprintf("(%s%d) %s", word("a b c d", row), j, \
        row == 1 ? "vs the TRACKED statistic's root, f64, k = 2" : \
        row == 2 ? "vs Shampoo's NOMINAL statistic's root, f64, k = 2" : \
        row == 3 ? "order k = 1, 2, 3 (markers), f64, β_2 = 0.99, init eps" : \
                   "|error(f32 state) - error(f64 state)|, k = 2") font ",10"
      set ylabel (j == 1 ? (row == 1 ? "error vs tracked root" : row == 2 ? "error vs nominal root" : row == 3 ? "error vs tracked root" : "f32 - f64 difference of the error") : "")
      if (row <= 2) { set yrange [fl/2:*] }
      if (row == 3) { set yrange [*:*] }
      if (row == 4) { set yrange [*:*] }
      if (row == 1 || row == 2) {
        ecol = row == 1 ? "err_tracked" : "err_nominal"
        plot for [b=1:3] for [p=1:2] data using (col("step")):(sel(is(r, "f64", p == 1 ? "eps" : "warm", 2, bs[b]), lifted(col(ecol), fl))) \
               with lines ls b lw lws[b] dt p, \
             data using (col("step")):(sel(strcol("regime") eq r && strcol("dtype") eq "f64" && col("order") == 2, at_floor(col(ecol), fl))) \
               with points lc rgb "black" pt 10 ps 1.8
      }
      if (row == 3) {
        plot for [k=1:3] data using (col("step")):(sel(is(r, "f64", "eps", k, 0.99), lifted(col("err_tracked"), fl))) \
               with linespoints ls 2 lw (4 - k) pt pts[k] ps 0.9
      }
      if (row == 4) {
        plot for [b=1:3] for [p=1:2] diffs using (col("step")):(sel(strcol("regime") eq r && strcol("init") eq (p == 1 ? "eps" : "warm") && col("order") == 2 && abs(col("beta2") - bs[b]) < 1e-12, lifted(col("diff"), dfl))) \
               with lines ls b lw lws[b] dt p, \
             diffs using (col("step")):(sel(strcol("regime") eq r && col("order") == 2, at_floor(col("diff"), dfl))) \
               with points lc rgb "black" pt 10 ps 1.8
      }
    }
  }
  # legend column
  set origin W, 0.05
  set size 1 - W, 0.85
  unset title
  unset xlabel
  unset ylabel
  unset logscale
  unset border
  unset tics
  unset grid
  set lmargin 0
  set rmargin 0
  set xrange [0:1]
  set yrange [0:1]
  set key inside left top reverse Left box opaque spacing 1.5 width -6 font ",10"
  plot for [b=1:3] NaN with lines ls b lw lws[b] title sprintf("β_2 = %g", bs[b]), \
       NaN with lines lc rgb "black" dt 1 title "init eps^{-1/4} I", \
       NaN with lines lc rgb "black" dt 2 title "warm start", \
       for [k=1:3] NaN with linespoints ls 2 lw (4 - k) pt pts[k] title sprintf("(c) k = %d", k), \
       NaN with points lc rgb "black" pt 10 ps 1.8 title "error ≤ floor (or 0)"
  unset multiplot
  set output
  reset
  load plotdir."/common.gp"
}
