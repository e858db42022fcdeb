# Reference values for hearten.stats.imputation: multiple imputation by chained equations
# (predictive mean matching, by arm) with R's mice, each completed data set analysed by
# estimatr's lm_robust (CR2, Satterthwaite df), pooled by Rubin's rules with Barnard-Rubin
# df (mice::pool.scalar and mice::pool). Run from this folder:
#   Rscript make_imputation.R
# Needs r-base-core, r-cran-mice and r-cran-estimatr. Reads trial_data.csv (24 teams in 3
# strata); writes imputation_data.csv (its outcome and baseline with values removed),
# imputation_draws.csv (each imputation's estimate, variance and df) and imputation.csv
# (the pooled results over all of them and over the first 20).
suppressMessages({ library(mice); library(estimatr) })
d <- read.csv("trial_data.csv")
set.seed(20)
n <- nrow(d)
# Missing at random: people with low baseline scores answer the follow-up less often, more
# so in the control arm; a tenth of baselines are missing completely at random.
gone <- runif(n) < plogis(-1.3 - 0.15 * (d$baseline - mean(d$baseline)) - 0.4 * d$treat)
d$y[gone] <- NA
d$baseline[runif(n) < 0.1] <- NA
write.csv(d, "imputation_data.csv", row.names = FALSE, na = "")

M <- 1000  # imputations: the Monte Carlo error of the pooled values is about sqrt(b / M)
impute_arm <- function(a) {
  da <- d[d$treat == a, ]
  x <- data.frame(y = da$y, baseline = da$baseline,
                  sB = as.numeric(da$stratum == "B"), sC = as.numeric(da$stratum == "C"))
  list(rows = which(d$treat == a),
       imp = mice(x, m = M, maxit = 10, method = "pmm", seed = 2026 + a, printFlag = FALSE))
}
arms <- lapply(c(0, 1), impute_arm)
fits <- vector("list", M)
draws <- data.frame(imputation = seq_len(M), estimate = NA, variance = NA, df = NA)
for (i in seq_len(M)) {
  di <- d
  for (arm in arms) {
    done <- complete(arm$imp, i)
    di$y[arm$rows] <- done$y
    di$baseline[arm$rows] <- done$baseline
  }
  f <- lm_robust(y ~ treat + baseline + factor(stratum), data = di, clusters = team,
                 se_type = "CR2")
  fits[[i]] <- f
  draws$estimate[i] <- coef(f)["treat"]
  draws$variance[i] <- f$std.error["treat"]^2
  draws$df[i] <- f$df["treat"]
}
write.csv(draws, "imputation_draws.csv", row.names = FALSE)

rows <- list()
for (m in c(20, M)) {
  s <- draws[seq_len(m), ]
  dfcom <- mean(s$df)
  p <- pool.scalar(s$estimate, s$variance, n = dfcom + 1, k = 1)
  # mice::pool on the fitted models (broom's tidy of lm_robust) must agree with pool.scalar.
  pooled <- pool(as.mira(fits[seq_len(m)]), dfcom = dfcom)$pooled
  pooled <- pooled[pooled$term == "treat", ]
  stopifnot(abs(pooled$estimate - p$qbar) < 1e-12, abs(pooled$t - p$t) < 1e-12,
            abs(pooled$df - p$df) < 1e-9, abs(pooled$fmi - p$fmi) < 1e-9)
  se <- sqrt(p$t)
  rows[[length(rows) + 1]] <- data.frame(
    m = m, df_complete = dfcom, estimate = p$qbar, std_error = se, df = p$df,
    within = p$ubar, between = p$b, total = p$t, riv = p$r, lambda = pooled$lambda,
    fmi = p$fmi, p_value = 2 * pt(-abs(p$qbar / se), p$df),
    conf_low = p$qbar - qt(0.975, p$df) * se, conf_high = p$qbar + qt(0.975, p$df) * se,
    sd_variance = sd(s$variance))
}
write.csv(do.call(rbind, rows), "imputation.csv", row.names = FALSE)
writeLines(sprintf("mice %s, estimatr %s, %s", packageVersion("mice"),
                   packageVersion("estimatr"), R.version.string), "r_versions_imputation.txt")
print(do.call(rbind, rows))
