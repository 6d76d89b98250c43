# track.gp - the figure of a `jorge track` run (or of `jorge validate --csv`
# rows): one curve per side.  From any directory:
#   gnuplot -e "data='track.csv'; out='track'" plots/track.gp
# (a) relative error of Lhat against the exact root of Shampoo's nominal
#     statistic (solid) and of Jorge's tracked one (dashed);
# (b) fraction of the steps so far on which the rule raised beta;
# (c) 1 - beta_eff per step beside 1 - beta2 (dotted): the weight of each new
#     gradient in the statistic Jorge follows.
if (!exists("data") || !exists("out")) {
  print "track.gp: call with -e \"data='track.csv'; out='track'\""
  exit status 2
}
load system("dirname '".ARG0."'")."/common.gp"
need = "step side err_nominal err_tracked fire_rate one_minus_beta"
eval check_columns
hdr = ",".system("sed -n '/^[^#]/{p;q}' '".data."'").","
src = system("sed -n 's/^# command: //p' '".data."' | head -n 1")
if (strlen(src) == 0) src = system("sed -n 's/^# //p' '".data."' | head -n 1")
if (strlen(src) > 110) src = src[1:107]."..."
# beta2 of the run: 1 - beta2 from a column when present
has_b2 = strstrt(hdr, ",one_minus_beta2,") > 0
has_beta2 = strstrt(hdr, ",beta2,") > 0
do for [fmt in "png pdf"] {
  eval(fmt eq "png" ? out_png : out_pdf)
  set multiplot layout 3,1 title sprintf("Jorge over a gradient stream: %s", src) noenhanced
  set xlabel "step t"
  set logscale y
  set format y "10^{%L}"
  set key outside right top
  set lmargin at screen 0.07
  set rmargin at screen 0.84
  set title "(a) relative error of Lhat against the exact inverse 4th root: Shampoo's nominal statistic (solid), Jorge's tracked one (dashed)"
  set ylabel "relative Frobenius error"
  plot rows(data, "side", "left") using (col("step")):(col("err_nominal")) with lines ls 1 title "left, nominal", \
       rows(data, "side", "left") using (col("step")):(col("err_tracked")) with lines ls 1 dt 2 title "left, tracked", \
       rows(data, "side", "right") using (col("step")):(col("err_nominal")) with lines ls 2 title "right, nominal", \
       rows(data, "side", "right") using (col("step")):(col("err_tracked")) with lines ls 2 dt 2 title "right, tracked"
  unset logscale y
  set format y "%g"
  set yrange [-0.05:1.05]
  set title "(b) fraction of the steps so far on which the safeguard rule raised β above β_2"
  set ylabel "firing fraction"
  plot rows(data, "side", "left") using (col("step")):(col("fire_rate")) with lines ls 1 title "left", \
       rows(data, "side", "right") using (col("step")):(col("fire_rate")) with lines ls 2 title "right"
  set autoscale y
  set logscale y
  set format y "10^{%L}"
  set title "(c) 1 - β_{eff} per step (weight of the new gradient); dotted: 1 - β_2 (a side on it: the rule kept β_2)"
  set ylabel "1 - β_{eff}"
  plot rows(data, "side", "left") using (col("step")):(col("one_minus_beta")) with lines ls 1 title "left", \
       rows(data, "side", "right") using (col("step")):(col("one_minus_beta")) with lines ls 2 title "right", \
       rows(data, "side", "left") using (col("step")):(has_b2 ? col("one_minus_beta2") : (has_beta2 ? 1 - col("beta2") : NaN)) with lines lc rgb "black" dt 3 title "1 - β_2"
  unset multiplot
  unset yrange
}
