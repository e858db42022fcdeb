# Reference values for hearten.stats.stepped_wedge_fit: a simulated cross-sectional stepped-wedge
# trial (12 clusters in 4 sequences, 5 periods, 8 people per cluster-period, a period trend,
# cluster intercepts, effect 0.3) analysed by the Hussey and Hughes model,
#   lmer(y ~ treated + factor(period) + (1 | cluster)), REML, Satterthwaite df (lmerTest).
# and by least squares with the same period fixed effects and CR2 SEs by cluster,
#   estimatr::lm_robust(y ~ treated + factor(period), clusters = cluster, se_type = "CR2").
# Run from this folder:  Rscript make_stepped_wedge_fit.R
# Needs r-base-core, r-cran-lme4, r-cran-lmertest and estimatr. Writes stepped_wedge_data.csv and
# stepped_wedge_fit.csv.
suppressMessages({ library(lme4); library(lmerTest); library(estimatr) })
set.seed(2025)
clusters <- 12; steps <- 4; m <- 8
seq_of <- rep(1:steps, length.out = clusters)
d <- expand.grid(k = 1:m, period = 0:steps, cluster = 1:clusters)
d$treated <- as.integer(d$period >= seq_of[d$cluster])
u <- rnorm(clusters, 0, 0.35)
d$y <- round(0.1 * d$period + 0.3 * d$treated + u[d$cluster] + rnorm(nrow(d)), 6)
d$cluster <- sprintf("C%02d", d$cluster)
write.csv(d[, c("cluster", "period", "treated", "y")], "stepped_wedge_data.csv", row.names = FALSE)
ctrl <- lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14))
fit <- lmer(y ~ treated + factor(period) + (1 | cluster), d, REML = TRUE, control = ctrl)
s <- summary(fit)$coefficients
vc <- as.data.frame(VarCorr(fit))$vcov
ci <- s["treated", "Estimate"] + c(-1, 1) * qt(0.975, s["treated", "df"]) * s["treated", "Std. Error"]
out <- data.frame(method = "lmer", estimate = s["treated", "Estimate"], std_error = s["treated", "Std. Error"],
  df = s["treated", "df"], p_value = s["treated", "Pr(>|t|)"], conf_low = ci[1],
  conf_high = ci[2], tau2 = vc[1], sigma2 = vc[2])
r <- lm_robust(y ~ treated + factor(period), d, clusters = cluster, se_type = "CR2")
k <- which(names(coef(r)) == "treated")
out <- rbind(out, data.frame(method = "cr2", estimate = coef(r)[k], std_error = r$std.error[k],
  df = r$df[k], p_value = r$p.value[k], conf_low = r$conf.low[k], conf_high = r$conf.high[k],
  tau2 = NA, sigma2 = NA))
write.csv(out, "stepped_wedge_fit.csv", row.names = FALSE)
writeLines(sprintf("lme4 %s, lmerTest %s, estimatr %s, %s", packageVersion("lme4"),
  packageVersion("lmerTest"), packageVersion("estimatr"), R.version.string),
  "r_versions_stepped_wedge_fit.txt")
print(out)
