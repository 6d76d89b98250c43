# Figure 9: the regime map - where Jorge follows Shampoo.  Heat maps over
# eps (absolute, then relative to ||G_1||_F^2/m) x beta2, one column per
# gradient stream: (top) fraction of steps on which the rule raised beta
# above beta2 (clip), (middle) final error against Shampoo's nominal root
# (clip), (bottom) the same with the adaptive rule.  Order k = 2, left side.
# A cell marked F: Jorge's statistic froze (sum 1-beta_eff < 0.1 sum 1-beta2).
# Call: gnuplot -e "data='regime.csv'; out='fig9_regime'" plots/fig9_regime.gp
# (from any directory; data must have the columns of `jorge experiment regime`).
if (!exists("data") || !exists("out")) {
  print "fig9_regime.gp: call with -e \"data='regime.csv'; out='fig9_regime'\""
  exit status 2
}
load system("dirname '".ARG0."'")."/common.gp"
need = "spectrum eps_mode eps beta2 order safeguard fire_rate frozen err_nominal_final"
eval check_columns
if (!exists("source")) source = "synthetic streams, m = 32, n = 16, T = 100"
# x index of an eps setting, y index of beta2
ex(m, e) = (m eq "abs") ? (e < 1e-5 ? 0 : (e < 1e-1 ? 1 : 2)) : \
           (e < 5e-3 ? 3 : (e < 5e-2 ? 4 : (e < 0.2 ? 5 : (e < 0.5 ? 6 : (e < 2 ? 7 : 8)))))
ok(sp, rl) = (strcol("spectrum") eq sp) && (col("order") == 2) && (strcol("safeguard") eq rl)
by(b) = b < 0.95 ? 0 : (b < 0.995 ? 1 : (b < 0.9995 ? 2 : 3))
specs = "power exp rankdef drift heavy input"
# which spectra are in the file (input: a user's stream)
nsp = 0
array have[6]
do for [i=1:6] {
  stats data using (strcol("spectrum") eq word(specs, i) ? 1 : 0) nooutput
  have[i] = STATS_sum > 0 ? 1 : 0
  nsp = nsp + have[i]
}
set xtics ("1e-6" 0, "1e-3" 1, "1" 2, "1e-3·s" 3, "1e-2·s" 4, "0.1·s" 5, "0.3·s" 6, "s" 7, "3·s" 8) rotate by 45 right font ",8"
set ytics ("0.9" 0, "0.99" 1, "0.999" 2, "0.9999" 3)
set xrange [-0.5:8.5]
set yrange [-0.5:3.5]
set grid noxtics noytics
set style fill solid 1.0 noborder
unset key
set format y "%g"
set arrow 1 from 2.5, -0.5 to 2.5, 3.5 nohead lc rgb "black" lw 2 front
do for [fmt in "png pdf"] {
  eval(nsp > 2 ? (fmt eq "png" ? out_png_wide : out_pdf_wide) : (fmt eq "png" ? out_png : out_pdf))
  set multiplot layout 3, nsp title sprintf("Experiment 9: where Jorge follows Shampoo (%s; left side, order k = 2)\nx: eps absolute (left of the bar) | relative to s = ||G_1||_F^2/m (right); F: Jorge's statistic froze (sum 1-β_{eff} < 0.1 sum 1-β_2)", source) font ",12"
  do for [row=1:3] {
    if (row == 1) { set palette defined (0 "#ffffff", 0.1 "#fee8c8", 0.5 "#fdbb84", 1 "#b30000"); set cbrange [0:1]; set cbtics 0.2; set format cb "%g"; set cblabel "fraction of steps fired (clip)" }
    if (row >= 2) { set palette defined (0 "#1a9850", 0.33 "#ffffbf", 0.66 "#fc8d59", 1 "#67001f"); set cbrange [-3:1]; set cbtics 1; set format cb "10^{%.0f}"; set cblabel (row == 2 ? "final error vs Shampoo's root (clip)" : "final error vs Shampoo's root (adaptive)") }
    rule = row == 3 ? "adaptive" : "clip"
    do for [i=1:6] {
      if (have[i]) {
        set title sprintf("%s: %s", word(specs, i), row == 1 ? "firing rate" : "error vs nominal, ".rule) font ",10"
        set ylabel "β_2"
        plot data using (sel(ok(word(specs, i), rule), ex(strcol("eps_mode"), col("eps")))):(by(col("beta2"))):(0.5):(0.5): \
               (row == 1 ? col("fire_rate") : (col("err_nominal_final") < 1e-3 ? -3 : (col("err_nominal_final") > 10 ? 1 : log10(col("err_nominal_final"))))) \
               with boxxyerror fs solid 1.0 noborder lc palette, \
             data using (sel(ok(word(specs, i), rule) && (col("frozen") == 1), ex(strcol("eps_mode"), col("eps")))):(by(col("beta2"))):("F") \
               with labels font ",9" tc rgb "#000000"
      }
    }
  }
  unset multiplot
}
