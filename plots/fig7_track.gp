# Figure 7: the safeguard's norm (Frobenius clip vs spectral), the order k,
# re-anchoring and the corrected variant over a power-law stream
# (experiments/track.sh, `jorge track` every step) in three eps regimes
# (columns; eps relative to s = ||G_1||_F^2 / m): error against the exact
# root of the tracked statistic.  The `run` column is
# "safeguard:order:reanchor:variant", `regime` the eps regime.
# Colour: the order k in every panel.
# Call (from any directory):
#   gnuplot -e "data='track.csv'; out='fig7_track'" plots/fig7_track.gp
plotdir = system("dirname '".ARG0."'")
load plotdir."/common.gp"
eval usage_check
need = "run regime step err_tracked fire_rate eps eps_mode"
eval check_columns
array ks[3] = [2, 3, 8]
array klw[3] = [4, 2.5, 1.2]
K = param("reanchor_K")
M = param("m")
C = param("cols")
stats data using (col("step")) nooutput
Tn = STATS_max
fl = floor_below("err_tracked")
# the regimes present, in the order always, sometimes, rarely
nr = 0
have = ""
do for [w in "always sometimes rarely"] {
  if (first_of("run", "regime", w) ne "") { nr = nr + 1; have = have." ".w }
}
if (nr == 0) {
  print sprintf("%s: %s: no rows with regime always, sometimes or rarely (a CSV of experiments/track.sh is needed)", ARG0, data)
  exit status 2
}
runrows(rg, name) = where(data, eq("regime", rg)." && ".eq("run", name))
rate(rg, name) = last_of(eq("regime", rg)." && ".eq("run", name), "fire_rate")
W = 0.86
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 2000,1800 font ',11' enhanced; set output out.'.png' }
  if (fmt eq "pdf") { set term pdfcairo size 20in,18in font ',11' enhanced; set output out.'.pdf' }
  set multiplot title sprintf("Experiment 7: safeguard norm, order and re-anchoring (jorge track every step, left side, power-law stream m = %s, %s columns, %d steps)\n{/*0.85 Relative error of L̂_t against the exact root of the TRACKED statistic.  Colour: order k; dashed: the corrected variant (k = 2).  Line width falls with k: where only the thickest line shows, the orders coincide.}\n{/*0.85 Rows (c), (d): re-anchored to the exact root every K = %s steps, linear step axis; ▽ on the bottom edge: error ≤ the floor (0 right after a re-anchor).}", M, C, Tn, K) font ",12"
  do for [j=1:nr] {
    r = word(have, j)
    do for [row=1:4] {
      sg = (row == 1 || row == 3) ? "clip" : "spectral"
      set origin (j-1)*W/nr, 0.925 - row*0.225
      set size W/nr, 0.225
      set logscale y
      set format y "10^{%L}"
      set yrange [*:*]
      set offsets 0, 0, graph 0.04, graph 0.04
      set xlabel row == 4 ? "step t (updates)" : ""
      set ylabel j == 1 ? "error vs tracked root" : ""
      unset key
      if (row <= 2) {
        set logscale x
        set format x "10^{%L}"
        set xrange [0.8:Tn*1.25]
      } else {
        unset logscale x
        set format x "%g"
        set xrange [0:Tn + 1]
      }
      top = row == 1 ? sprintf("{/:Bold %s}: eps = %s\nfired (k = 2, no re-anchoring): clip %s, spectral %s\n", r, regime_eps(r), \
             pct(rate(r, "clip:2:0:plain")), pct(rate(r, "spectral:2:0:plain"))) : ""
      if (row <= 2) {
        set title top.sprintf("(%s%d) %s safeguard, no re-anchoring", row == 1 ? "a" : "b", j, sg eq "clip" ? "Frobenius (clip)" : "spectral") font ",10"
        plot for [i=1:3] runrows(r, sprintf("%s:%d:0:plain", sg, ks[i])) using (col("step")):(lifted(col("err_tracked"), fl)) \
               with lines ls i lw klw[i], \
             runrows(r, sprintf("%s:2:0:corrected", sg)) using (col("step")):(lifted(col("err_tracked"), fl)) \
               with lines ls 1 lw 1.5 dt 2, \
             where(data, eq("regime", r)." && ".sprintf("$C[\"run\"] ~ /^%s:.*:0:/", sg)) using (col("step")):(at_floor(col("err_tracked"), fl)) \
               with points lc rgb "black" pt 10 ps 1.8
      } else {
        set title sprintf("(%s%d) %s safeguard, re-anchored every K = %s steps", row == 3 ? "c" : "d", j, sg eq "clip" ? "Frobenius (clip)" : "spectral", K) font ",10"
        plot for [i=1:3] runrows(r, sprintf("%s:%d:%s:plain", sg, ks[i], K)) using (col("step")):(lifted(col("err_tracked"), fl)) \
               with lines ls i lw klw[i], \
             where(data, eq("regime", r)." && ".sprintf("$C[\"run\"] ~ /^%s:.*:%s:plain$/", sg, K)) using (col("step")):(at_floor(col("err_tracked"), fl)) \
               with points lc rgb "black" pt 10 ps 1.8
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
  plot for [i=1:3] NaN with lines ls i lw klw[i] title sprintf("k = %d", ks[i]), \
       NaN with lines ls 1 lw 1.5 dt 2 title "k = 2, corrected", \
       NaN with points lc rgb "black" pt 10 ps 1.8 title "≤ floor (or 0)"
  unset multiplot
  set output
  reset
  load plotdir."/common.gp"
}
