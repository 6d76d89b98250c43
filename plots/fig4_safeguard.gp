# Figure 4: the safeguard beta_eff = max(beta2, ||X|| / (1 + ||X||)): how
# often it fires over the run against eps (absolute, and relative to
# s = ||G_1||_F^2 / m), and 1 - beta_eff per step in the four eps regimes
# of experiments 3-7 (paper, always, sometimes, rarely).
# Colour: the safeguard's norm and the initialisation, in every panel.
# Call (from any directory):
#   gnuplot -e "data='safeguard.csv'; out='fig4_safeguard'" plots/fig4_safeguard.gp
plotdir = system("dirname '".ARG0."'")
load plotdir."/common.gp"
eval usage_check
need = "eps eps_mode regime init safeguard beta2 step one_minus_beta_eff fired fired_frac"
eval check_columns
if (!exists("source")) source = "power-law stream"
array bs[3] = [0.9, 0.99, 0.999]
array bdt[3] = [2, 1, 4]
array sgs[2] = ["clip", "spectral"]
array inis[2] = ["eps", "warm"]
array pts[4] = [7, 5, 9, 11]
array pss[4] = [1.8, 1.3, 1.0, 0.6]
lsn(s, p) = 2 * (s - 1) + p     # colour: norm s, init p
name(s, p) = sprintf("%s, init %s", s == 1 ? "Frobenius" : "spectral", p == 1 ? "eps^{-1/4} I" : "warm")
stats data using (col("step")) nooutput
Tn = STATS_max
fl = floor_below("one_minus_beta_eff")
is(r, s, p, b) = strcol("regime") eq r && strcol("safeguard") eq sgs[s] && strcol("init") eq inis[p] && abs(col("beta2") - b) < 1e-12
# measured firing fractions per regime (beta2 = 0.99)
array rate[16]
do for [j=1:4] {
  do for [s=1:2] {
    do for [p=1:2] {
      rate[4*(j-1) + lsn(s, p)] = last_of(eq("regime", word(regimes, j))." && ".eq("safeguard", sgs[s])." && ".eq("init", inis[p])." && ".eqn("beta2", 0.99), "fired_frac")
    }
  }
}
paper_eps = first_of("eps", "regime", "paper")
paper_mode = first_of("eps_mode", "regime", "paper")
W = 0.86
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set term pngcairo size 2200,1650 font ',11' enhanced; set output out.'.png' }
  if (fmt eq "pdf") { set term pdfcairo size 22in,16.5in font ',11' enhanced; set output out.'.pdf' }
  set multiplot title sprintf("Experiment 4: the safeguard β_{eff} = max(β_2, ||X|| / (1 + ||X||)) (left side, %s, order k = 2, f64, %d steps)\n{/*0.85 Colour: the norm of the safeguard and the initialisation (all panels); line style: β_2 (dashed 0.9, solid 0.99, dash-dot 0.999).  Markers shrink along the legend, so curves that coincide (at 0 or 1) show as nested markers.}", source, Tn) font ",12"
  # (a), (b): firing fraction over the whole run vs eps
  do for [q=1:2] {
    set origin (q-1)*W/2, 0.6
    set size W/2, 0.33
    set logscale x
    set format x "10^{%L}"
    unset logscale y
    set format y "%g"
    set yrange [-0.07:1.07]
    set ytics 0.2
    set ylabel "fraction of the steps fired"
    set xlabel q == 1 ? "eps (absolute)" : "eps / s   (s = ||G_1||_F^2 / m, the gradients' scale)"
    unset key
    unset arrow
    unset label
    if (q == 1) {
      set title "(a) firing fraction over the run vs absolute eps" font ",11"
      set xrange [3e-9:3]
      set arrow 1 from 1e-6, graph 0 to 1e-6, graph 1 nohead dt 3 lc rgb "black"
      set label 1 "paper" at 1e-6, graph 1.03 center font ",9"
    } else {
      set title "(b) firing fraction over the run vs relative eps: the three regimes of experiments 3-7" font ",11"
      set xrange [6e-4:5]
      do for [j=2:4] {
        e = j == 2 ? 0.01 : (j == 3 ? 0.1 : 1.0)
        set arrow j from e, graph 0 to e, graph 1 nohead dt 3 lc rgb "black"
        set label j word(regimes, j) at e, graph 1.03 center font ",9"
      }
    }
    mode = q == 1 ? "abs" : "rel"
    plot for [s=1:2] for [p=1:2] for [b=1:3] where(data, eqn("step", Tn)." && ".eq("eps_mode", mode)." && ".eq("safeguard", sgs[s])." && ".eq("init", inis[p])." && ".eqn("beta2", bs[b])) using (col("eps")):(col("fired_frac")) \
           with linespoints ls lsn(s, p) dt bdt[b] lw (b == 2 ? 2 : 1) pt pts[lsn(s, p)] ps pss[lsn(s, p)]
  }
  unset arrow
  unset label
  set ytics autofreq
  set title offset 0, -0.5
  # (c), (d): 1 - beta_eff per step in each regime
  do for [j=1:4] {
    r = word(regimes, j)
    do for [row=1:2] {
      set origin (j-1)*W/4, 0.6 - row*0.29
      set size W/4, 0.29
      set logscale xy
      set format x "10^{%L}"
      set format y "10^{%L}"
      set xrange [0.8:Tn*1.25]
      set yrange [*:*]
      set offsets 0, 0, graph 0.06, graph 0.06
      set xlabel row == 2 ? "step t (updates)" : ""
      set ylabel j == 1 ? "1 - β_{eff} (weight of the new gradient)" : ""
      mm = minmax(eq("regime", r).(row == 1 ? " && ".eqn("beta2", 0.99) : " && ".eq("safeguard", "clip")." && ".eq("init", "eps")), "one_minus_beta_eff")
      lo = real(word(mm, 1))
      hi = real(word(mm, 2))
      if (row == 1 && lo == hi) { set yrange [lo/3:hi*3] }
      if (row == 1) {
        set title sprintf("{/:Bold %s}: eps = %s\nfired, β_2 = 0.99 (init eps / warm):\nFrobenius %s / %s, spectral %s / %s\n(c%d) 1 - β_{eff} per step, β_2 = 0.99 (dotted: 1 - β_2)", \
          r, j == 1 ? paper_eps.(paper_mode eq "rel" ? "·s" : " (absolute)") : regime_eps(r), \
          pct(rate[4*(j-1)+1]), pct(rate[4*(j-1)+2]), pct(rate[4*(j-1)+3]), pct(rate[4*(j-1)+4]), j) font ",10"
        plot for [s=1:2] for [p=1:2] data using (col("step")):(sel(is(r, s, p, 0.99), lifted(col("one_minus_beta_eff"), fl))) \
               with lines ls lsn(s, p) lw (5 - lsn(s, p)) , \
             data using (col("step")):(sel(strcol("regime") eq r && abs(col("beta2") - 0.99) < 1e-12, at_floor(col("one_minus_beta_eff"), fl))) \
               with points lc rgb "black" pt 10 ps 1.8, \
             0.01 with lines lc rgb "black" dt 3 lw 1
      } else {
        set title sprintf("(d%d) does β_2 matter? Frobenius, init eps\n(dotted: 1 - β_2 of each)", j) font ",10"
        plot for [b=1:3] data using (col("step")):(sel(is(r, 1, 1, bs[b]), lifted(col("one_minus_beta_eff"), fl))) \
               with lines ls 1 dt bdt[b] lw (5 - b), \
             data using (col("step")):(sel(strcol("regime") eq r && strcol("safeguard") eq "clip" && strcol("init") eq "eps", at_floor(col("one_minus_beta_eff"), fl))) \
               with points lc rgb "black" pt 10 ps 1.8, \
             for [b=1:3] (1 - bs[b]) with lines lc rgb "black" dt 3 lw 1
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
  set key inside left top reverse Left box opaque spacing 1.5 width -4 font ",10"
  plot for [s=1:2] for [p=1:2] NaN with linespoints ls lsn(s, p) pt pts[lsn(s, p)] ps pss[lsn(s, p)] title name(s, p), \
       for [b=1:3] NaN with lines lc rgb "black" dt bdt[b] title sprintf("β_2 = %g", bs[b]), \
       NaN with lines lc rgb "black" dt 3 lw 1 title "1 - β_2 (dotted)", \
       NaN with points lc rgb "black" pt 10 ps 1.8 title "≤ floor (or 0)"
  unset multiplot
  set output
  reset
  load plotdir."/common.gp"
}
