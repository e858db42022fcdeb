# Reference values for hearten.stats.cluster_period and the stepped-wedge options of
# hearten.stats.stepped_wedge_fit: a simulated cross-sectional stepped-wedge trial (12 clusters
# in 4 sequences, 5 periods, 10 people per cluster-period, a period trend, cluster intercepts,
# cluster-by-period intercepts, an effect that grows with the time since the change) analysed
#   (a) with random cluster and cluster-by-period intercepts (Hooper et al. 2016):
#       lmer(y ~ treated + factor(period) + (1 | cluster) + (1 | cluster:period));
#   (b) by exposure time (Kenny et al. 2022; Maleyeff et al. 2023): a fixed effect for each
#       period since the change, lmer(y ~ factor(period) + factor(exposure) + (1 | cluster)),
#       each exposure's effect and their average, contest1D(fit, L) with L = (1/4, ..., 1/4);
# REML, Satterthwaite df (lmerTest).
# Run from this folder:  Rscript make_cluster_period.R
# Needs r-base-core, r-cran-lme4 and r-cran-lmertest. Writes cluster_period_data.csv and
# cluster_period.csv.
suppressMessages({ library(lme4); library(lmerTest) })
set.seed(2026)
clusters <- 12; steps <- 4; m <- 10
seq_of <- rep(1:steps, length.out = clusters)
d <- expand.grid(k = 1:m, period = 0:steps, cluster = 1:clusters)
start <- seq_of[d$cluster]
d$treated <- as.integer(d$period >= start)
d$exposure <- ifelse(d$treated == 1, d$period - start + 1, 0)
u <- rnorm(clusters, 0, 0.4)
v <- matrix(rnorm(clusters * (steps + 1), 0, 0.4), clusters)
d$y <- round(0.1 * d$period + 0.15 * d$exposure + u[d$cluster] +
  v[cbind(d$cluster, d$period + 1)] + rnorm(nrow(d)), 6)
d$cluster <- sprintf("C%02d", d$cluster)
write.csv(d[, c("cluster", "period", "treated", "exposure", "y")], "cluster_period_data.csv",
  row.names = FALSE)
ctrl <- lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14))
row <- function(method, term, est, se, df, p, lo, hi, tau2, gamma2, sigma2)
  data.frame(method = method, term = term, estimate = est, std_error = se, df = df,
    p_value = p, conf_low = lo, conf_high = hi, tau2 = tau2, gamma2 = gamma2, sigma2 = sigma2)
fit <- lmer(y ~ treated + factor(period) + (1 | cluster) + (1 | cluster:period), d,
  REML = TRUE, control = ctrl)
vc <- as.data.frame(VarCorr(fit))
vcv <- setNames(vc$vcov, vc$grp)
s <- summary(fit)$coefficients
ci <- s["treated", "Estimate"] + c(-1, 1) * qt(0.975, s["treated", "df"]) * s["treated", "Std. Error"]
out <- row("cluster-period", "treated", s["treated", "Estimate"], s["treated", "Std. Error"],
  s["treated", "df"], s["treated", "Pr(>|t|)"], ci[1], ci[2], vcv[["cluster"]],
  vcv[["cluster:period"]], vcv[["Residual"]])
et <- lmer(y ~ factor(period) + factor(exposure) + (1 | cluster), d, REML = TRUE, control = ctrl)
vc <- as.data.frame(VarCorr(et))
vcv <- setNames(vc$vcov, vc$grp)
beta <- fixef(et)
for (e in 1:steps) {
  L <- as.numeric(names(beta) == paste0("factor(exposure)", e))
  t <- contest1D(et, L, confint = TRUE)
  out <- rbind(out, row("exposure", paste0("exposure", e), t$Estimate, t$`Std. Error`, t$df,
    t$`Pr(>|t|)`, t$lower, t$upper, vcv[["cluster"]], NA, vcv[["Residual"]]))
}
L <- as.numeric(grepl("^factor\\(exposure\\)", names(beta))) / steps
t <- contest1D(et, L, confint = TRUE)
out <- rbind(out, row("exposure", "average", t$Estimate, t$`Std. Error`, t$df, t$`Pr(>|t|)`,
  t$lower, t$upper, vcv[["cluster"]], NA, vcv[["Residual"]]))
write.csv(out, "cluster_period.csv", row.names = FALSE)
writeLines(sprintf("lme4 %s, lmerTest %s, %s", packageVersion("lme4"),
  packageVersion("lmerTest"), R.version.string), "r_versions_cluster_period.txt")
print(out)
