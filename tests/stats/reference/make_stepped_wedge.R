# An independent computation of the stepped-wedge GLS variance of the treatment effect (period
# fixed effects; cluster-period means with a block-exchangeable or decaying cluster correlation
# and, for closed cohorts, an individual autocorrelation), for hearten.stats.stepped_wedge.
# Written in base R from the model (Hussey & Hughes 2007; Hooper et al. 2016; Kasza et al.
# 2019). When the swCRTdesign package is installed it also records swPwr's variance and power
# for the designs swPwr can express (all but decay and transition periods), as a second check.
# Run from this folder:  Rscript make_stepped_wedge.R      Writes stepped_wedge.csv.
gls_var <- function(seqs, m, icc, cac, iac, decay, transition) {
  S <- length(seqs); Tn <- S + 1 + transition
  lag <- abs(outer(1:Tn, 1:Tn, "-"))
  C <- if (decay) cac^lag else ifelse(lag == 0, 1, cac)
  V <- icc * C + (1 - icc) * ifelse(lag == 0, 1, iac) / m
  info <- matrix(0, Tn + 1, Tn + 1)
  for (k in 1:S) {
    x <- as.numeric(1:Tn > k)            # sequence k starts at period k (periods 0..Tn-1)
    keep <- !(x == 1 & (1:Tn - 1) < k + transition)
    Z <- cbind(diag(Tn), x)[keep, , drop = FALSE]
    info <- info + seqs[k] * t(Z) %*% solve(V[keep, keep], Z)
  }
  solve(info)[Tn + 1, Tn + 1]
}
pow <- function(es, v, alpha) {
  z <- qnorm(1 - alpha / 2)
  pnorm(es / sqrt(v) - z) + pnorm(-es / sqrt(v) - z)
}
have_sw <- requireNamespace("swCRTdesign", quietly = TRUE)
sw <- function(seqs, m, icc, cac, iac, es, alpha) {
  # swPwr's sigma is the individual residual SD: choose it so the total variance is 1.
  sigma <- sqrt((1 - icc) * (1 - iac))
  r <- if (iac > 0) {
    swCRTdesign::swPwr(swCRTdesign::swDsn(seqs), distn = "gaussian", n = m, mu0 = 0, mu1 = es,
      sigma = sigma, icc = icc, cac = cac, iac = iac, alpha = alpha, retDATA = TRUE, silent = TRUE)
  } else {
    swCRTdesign::swPwr(swCRTdesign::swDsn(seqs), distn = "gaussian", n = m, mu0 = 0, mu1 = es,
      sigma = sigma, icc = icc, cac = cac, alpha = alpha, retDATA = TRUE, silent = TRUE)
  }
  c(as.numeric(r$var.theta.WLS), as.numeric(r$pwrWLS))
}
rows <- list()
add <- function(case, seqs, m, icc, es, cac = 1, iac = 0, decay = FALSE, transition = 0,
                alpha = 0.05) {
  v <- gls_var(seqs, m, icc, cac, iac, decay, transition)
  ref <- if (have_sw && !decay && transition == 0) sw(seqs, m, icc, cac, iac, es, alpha) else
    c(NA, NA)
  rows[[length(rows) + 1]] <<- data.frame(case = case, sequences = paste(seqs, collapse = "-"),
    cluster_size = m, icc = icc, cac = cac, iac = iac, decay = decay, transition = transition,
    alpha = alpha, es = es, variance = v, power = pow(es, v, alpha),
    swpwr_variance = ref[1], swpwr_power = ref[2])
}
add("hh_4x6_m20_icc.05", c(6, 6, 6, 6), 20, 0.05, 0.2)
add("hh_4x2_m20_icc.05", c(2, 2, 2, 2), 20, 0.05, 0.3)
add("hh_uneven_3-3-2_m10_icc.1", c(3, 3, 2), 10, 0.1, 0.4)
add("cs_cac.8_4x3_m15_icc.05", c(3, 3, 3, 3), 15, 0.05, 0.3, cac = 0.8)
add("cs_cac.125_4x6_m120_icc.02", c(6, 6, 6, 6), 120, 0.02, 0.15, cac = 0.125)
add("cohort_cac.8_iac.5_4x6_m20", c(6, 6, 6, 6), 20, 0.05, 0.3, cac = 0.8, iac = 0.5)
add("cohort_cac.9_iac.7_5x2_m8", c(2, 2, 2, 2, 2), 8, 0.1, 0.4, cac = 0.9, iac = 0.7)
add("decay_.8_4x3_m15_icc.05", c(3, 3, 3, 3), 15, 0.05, 0.3, cac = 0.8, decay = TRUE)
add("transition1_4x3_m15_icc.05", c(3, 3, 3, 3), 15, 0.05, 0.3, transition = 1)
add("cohort_decay_.7_iac.4_3x4_m12", c(4, 4, 4), 12, 0.08, 0.3, cac = 0.7, iac = 0.4,
    decay = TRUE)
write.csv(do.call(rbind, rows), "stepped_wedge.csv", row.names = FALSE)
cat(sprintf("%s\n", R.version.string))
if (have_sw) cat(sprintf("swCRTdesign %s\n", packageVersion("swCRTdesign")))
