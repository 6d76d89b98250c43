# Figure 10: the stability map (`jorge experiment stability-map`).  Jorge's
# left side starts at the fixed point Sigma^{-1/4} of a stream with a fixed
# covariance and runs T steps; rows 1-2: each cell (kappa, a = (1-beta2)/beta2)
# stable to the end (green circle) or diverged (cross, coloured by the step it
# diverged at), per safeguard rule, order 2 (row 1) and 8 (row 2), against the
# linearised boundary a (kappa + kappa^{3/4} + kappa^{1/2} + kappa^{1/4}) = 8
# (solid) and its large-kappa form a kappa = 8 (dashed).  Row 3: what the clip
# rule controls: the median of ||X||_F / rho(X) (left) and of rho(a_eff X) on
# the steps where it fired (right), against kappa, per beta2.
# Call: gnuplot -e "data='stability_map.csv'; out='fig10_stability_map'" plots/fig10_stability_map.gp
if (!exists("data") || !exists("out")) {
  print "fig10_stability_map.gp: call with -e \"data='stability_map.csv'; out='fig10_stability_map'\""
  exit status 2
}
load system("dirname '".ARG0."'")."/common.gp"
need = "kappa beta2 a safeguard order steps diverged diverged_step fro_over_rho_median rho_ax_fired_median"
eval check_columns
if (!exists("source")) source = "power-law spectrum, m = 16, n = 32"
stats data using (col("steps")) nooutput
TMAX = STATS_max
last(r, k) = (col("steps") == TMAX) && (strcol("safeguard") eq r) && (col("order") == k)
bnd(x) = 8.0 / (x + x**0.75 + x**0.5 + x**0.25)
rules = "clip adaptive spectral none"
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png_wide : out_pdf_wide)
  set multiplot layout 3, 4 title sprintf("Experiment 10: stability of Jorge's update from its fixed point Σ^{-1/4} (%s, T = %d)\nlinearised boundary (uncoupled Newton for Σ^{-1/4} with step a): a·(κ + κ^{3/4} + κ^{1/2} + κ^{1/4}) < 8, about a·κ < 8", source, TMAX) font ",12"
  do for [k in "2 8"] {
    do for [i=1:4] {
      r = word(rules, i)
      set title sprintf("rule %s, order %s", r, k) font ",10"
      set logscale xy
      set format x "10^{%L}"
      set format y "10^{%L}"
      set xlabel "κ = λ_{max}/λ_{min} of Σ"
      set ylabel "a = (1-β_2)/β_2"
      set xrange [1:3e5]
      set yrange [5e-4:200]
      set cbrange [0:log10(TMAX)]
      set palette defined (0 "#b30000", 0.5 "#fc8d59", 1 "#fee08b")
      set cblabel "log_{10} step diverged"
      set key top right vertical font ",8" samplen 1.5 spacing 0.9
      plot bnd(x) with lines lc rgb "black" lw 2 title "a Σκ^{s/4} = 8", \
           8.0 / x with lines lc rgb "black" dt 2 lw 1 title "a κ = 8", \
           data using (sel(last(r, k + 0) && col("diverged") == 0, col("kappa"))):(col("a")) \
             with points pt 7 ps 1.6 lc rgb "#1a9850" title "stable to T", \
           data using (sel(last(r, k + 0) && col("diverged") == 1, col("kappa"))):(col("a")):(log10(col("diverged_step"))) \
             with points pt 2 ps 2 lw 2 lc palette title "diverged (×; colour: step)"
    }
  }
  unset logscale
  set logscale xy
  set key top left
  b2s = "0.9 0.99 0.999"
  greys = "#000000 #555555 #999999"
  set ylabel "median ||X||_F / ρ(X)"
  set title "clip, order 2: how much ||X||_F overstates ρ(X)" font ",10"
  set yrange [*:*]
  # greys and point shapes for beta2: colour means stable/diverged above
  plot for [i = 1:3] data using (sel(last("clip", 2) && abs(col("beta2") - real(word(b2s, i))) < 1e-9, col("kappa"))):(col("fro_over_rho_median")) \
         with linespoints lw 2 lc rgb word(greys, i) pt (2 * i + 2) ps 1.4 title "β_2 = ".word(b2s, i)
  set ylabel "median ρ(a_{eff} X) on fired steps"
  set title "clip, order 2: the series' ρ(a_{eff} X) when the rule fired" font ",10"
  # greys and point shapes for beta2: colour means stable/diverged above
  plot for [i = 1:3] data using (sel(last("clip", 2) && abs(col("beta2") - real(word(b2s, i))) < 1e-9, col("kappa"))):(col("rho_ax_fired_median")) \
         with linespoints lw 2 lc rgb word(greys, i) pt (2 * i + 2) ps 1.4 title "β_2 = ".word(b2s, i)
  unset multiplot
}
