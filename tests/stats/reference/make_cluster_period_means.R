# Reference values for hearten.stats.cluster_period_means: a simulated stepped-wedge trial's
# cluster-period means (40 clusters in 4 sequences, 5 periods, a period trend, effect 0.3),
# each cluster's periods correlated by an exponentially decaying cluster-by-period effect, a
# residual and (the closed-cohort model) a constant part, fitted by REML with nlme:
#   decay:        gls(ybar ~ treated + factor(period),
#                     correlation = corExp(form = ~ period | cluster, nugget = TRUE))
#                 V = a I + c R(r): a = sigma^2 nugget, c = sigma^2 (1 - nugget), r = exp(-1/range)
#   decay-cohort: lme(the same, random = ~ 1 | cluster), adding b J with b the cluster variance
#   exchangeable: gls(the same, correlation = corCompSymm(form = ~ 1 | cluster)), V = a I + b J
# Run from this folder:  Rscript make_cluster_period_means.R
# Needs r-base-core and nlme (installed with r-cran-lme4). Writes cluster_period_means_data.csv
# and cluster_period_means.csv.
suppressMessages(library(nlme))
set.seed(2026)
clusters <- 40; steps <- 4; periods <- steps + 1
seq_of <- rep(1:steps, length.out = clusters)
d <- expand.grid(period = 0:steps, cluster = 1:clusters)
d$treated <- as.integer(d$period >= seq_of[d$cluster])
ar <- function() { z <- numeric(periods); z[1] <- rnorm(1)
  for (t in 2:periods) z[t] <- 0.5 * z[t - 1] + sqrt(1 - 0.5^2) * rnorm(1); z }
cp <- unlist(lapply(1:clusters, function(i) ar()))
const <- rnorm(clusters, 0, sqrt(0.1))
d$ybar <- round(0.1 * d$period + 0.3 * d$treated + sqrt(0.4) * cp + const[d$cluster] +
  rnorm(nrow(d), 0, sqrt(0.05)), 6)
d$cluster <- sprintf("C%02d", d$cluster)
write.csv(d[, c("cluster", "period", "treated", "ybar")], "cluster_period_means_data.csv",
  row.names = FALSE)
ctl <- glsControl(tolerance = 1e-10, msTol = 1e-12, maxIter = 500, msMaxIter = 500)
row <- function(structure, fit, b) {
  s <- summary(fit)$tTable
  cs <- coef(fit$modelStruct$corStruct, unconstrained = FALSE)
  sigma2 <- fit$sigma^2
  if (structure == "exchangeable") {
    rho <- cs[["Rho"]]
    return(data.frame(structure = structure, estimate = s["treated", "Value"],
      std_error = s["treated", "Std.Error"], a = sigma2 * (1 - rho), b = sigma2 * rho, c = 0,
      r = 0, loglik = as.numeric(logLik(fit))))
  }
  data.frame(structure = structure, estimate = s["treated", "Value"],
    std_error = s["treated", "Std.Error"], a = sigma2 * cs[["nugget"]], b = b,
    c = sigma2 * (1 - cs[["nugget"]]), r = exp(-1 / cs[["range"]]),
    loglik = as.numeric(logLik(fit)))
}
f1 <- gls(ybar ~ treated + factor(period), d, method = "REML", control = ctl,
  correlation = corExp(form = ~ period | cluster, nugget = TRUE))
f2 <- lme(ybar ~ treated + factor(period), d, random = ~ 1 | cluster, method = "REML",
  correlation = corExp(form = ~ period | cluster, nugget = TRUE),
  control = lmeControl(tolerance = 1e-10, msTol = 1e-12, maxIter = 500, msMaxIter = 500,
    niterEM = 100))
f3 <- gls(ybar ~ treated + factor(period), d, method = "REML", control = ctl,
  correlation = corCompSymm(form = ~ 1 | cluster))
out <- rbind(row("decay", f1, 0), row("decay-cohort", f2, as.numeric(getVarCov(f2))[1]),
  row("exchangeable", f3, 0))
write.csv(out, "cluster_period_means.csv", row.names = FALSE)
writeLines(sprintf("nlme %s, %s", packageVersion("nlme"), R.version.string),
  "r_versions_cluster_period_means.txt")
print(out)
