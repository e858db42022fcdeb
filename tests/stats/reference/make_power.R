# An independent computation of the PowerUp! closed forms (Dong & Maynard 2013) with R's own
# qt/pt, for hearten.stats.power. Run from this folder:  Rscript make_power.R
# Needs only r-base-core. Writes power.csv.
mdes <- function(sse, df, power, alpha, two) {
  t1 <- if (two) abs(qt(alpha / 2, df)) else abs(qt(alpha, df))
  t2 <- abs(qt(power, df))
  (if (power >= 0.5) t1 + t2 else t1 - t2) * sse
}
pow <- function(es, sse, df, alpha, two) {
  crit <- qt(if (two) alpha / 2 else alpha, df, lower.tail = FALSE)
  1 - pt(crit, df, es / sse) + if (two) pt(-crit, df, es / sse) else 0
}
p <- 0.5; rows <- list()
add <- function(case, sse, df, two = TRUE, alpha = 0.05) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, sse = sse, df = df,
    mdes = mdes(sse, df, 0.8, alpha, two), power = pow(0.25, sse, df, alpha, two))
}
add("ira_n300_r2.3_g2", sqrt((1 - .3) / (p * (1 - p) * 300)), 300 - 2 - 2)
add("ira_onesided_n120", sqrt(1 / (p * (1 - p) * 120)), 118, two = FALSE)
add("bira_n40_K4_r2.2", sqrt((1 - .2) / (p * (1 - p) * 4 * 40)), 4 * (40 - 2))
add("cra2_n12_J80_icc.05_r2", sqrt(.05 * (1 - .4) / (p * (1 - p) * 80) +
    (1 - .05) * (1 - .5) / (p * (1 - p) * 80 * 12)), 80 - 1 - 2)
add("bcra3f2_n11_J20_K4_icc.08", sqrt(.08 / (p * (1 - p) * 20 * 4) +
    (1 - .08) / (p * (1 - p) * 20 * 4 * 11)), 4 * (20 - 2))
add("cra3_n10_J20_K6_icc.05_.02", sqrt(.02 / (p * (1 - p) * 6) + .05 / (p * (1 - p) * 20 * 6) +
    (1 - .07) / (p * (1 - p) * 20 * 6 * 10)), 6 - 2, alpha = 0.10)
write.csv(do.call(rbind, rows), "power.csv", row.names = FALSE)
cat(sprintf("%s\n", R.version.string))
