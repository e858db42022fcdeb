# REML ICCs and their profile-likelihood intervals from lme4's own REML deviance, for
# hearten.stats.icc. Run from this folder:  Rscript make_icc.R
# Needs r-base-core and r-cran-lme4. Simulates icc_survey.csv (16 sites, 8-12 teams each,
# 3-14 people per team, a baseline covariate), then writes icc.csv.
suppressMessages(library(lme4))
set.seed(20261129)
K <- 16
teams <- do.call(rbind, lapply(1:K, function(k) {
  J <- sample(8:12, 1)
  data.frame(site = k, team = sprintf("s%02d-t%02d", k, 1:J), size = sample(3:14, J, TRUE))
}))
d <- teams[rep(seq_len(nrow(teams)), teams$size), c("site", "team")]
v <- rnorm(K, 0, sqrt(0.04)); names(v) <- 1:K
u <- rnorm(nrow(teams), 0, sqrt(0.08)); names(u) <- teams$team
d$x <- 0.6 * (v[as.character(d$site)] + u[d$team]) + rnorm(nrow(d))
d$y <- 0.5 * d$x + v[as.character(d$site)] + u[d$team] + rnorm(nrow(d), 0, sqrt(0.8))
write.csv(d, "icc_survey.csv", row.names = FALSE)

crit <- qchisq(0.95, 1)
two_level <- function(formula, d = get("d", globalenv())) {
  dev <- lmer(formula, d, REML = TRUE, devFunOnly = TRUE)  # argument: theta = tau / sigma
  at <- function(rho) dev(sqrt(rho / (1 - rho)))
  best <- optimize(at, c(0, 0.999), tol = 1e-12)
  if (at(0) <= best$objective) best <- list(minimum = 0, objective = at(0))
  f <- function(r) at(r) - best$objective - crit
  low <- if (f(0) <= 0) 0 else uniroot(f, c(0, best$minimum), tol = 1e-12)$root
  high <- uniroot(f, c(best$minimum, 0.999), tol = 1e-12)$root
  fit <- lmer(formula, d, REML = TRUE)
  vc <- as.data.frame(VarCorr(fit))
  c(icc = vc$vcov[1] / sum(vc$vcov), profile_icc = best$minimum, low = low, high = high, tau2 = vc$vcov[1], sigma2 = vc$vcov[2])
}
three_level <- function(formula) {
  dev <- lmer(formula, d, REML = TRUE, devFunOnly = TRUE)
  fit <- lmer(formula, d, REML = TRUE)
  stopifnot(identical(names(getME(fit, "theta")), c("team.(Intercept)", "site.(Intercept)")))
  at <- function(rho2, rho3) dev(sqrt(c(rho2, rho3) / (1 - rho2 - rho3)))
  profile <- function(rho3) {
    o <- optimize(function(r2) at(r2, rho3), c(0, 0.999 - rho3), tol = 1e-12)
    if (at(0, rho3) <= o$objective) o <- list(minimum = 0, objective = at(0, rho3))
    o
  }
  best <- optimize(function(r3) profile(r3)$objective, c(0, 0.9), tol = 1e-12)
  if (profile(0)$objective <= best$objective) best <- list(minimum = 0, objective = profile(0)$objective)
  f <- function(r3) profile(r3)$objective - best$objective - crit
  low <- if (f(0) <= 0) 0 else uniroot(f, c(0, best$minimum), tol = 1e-10)$root
  high <- uniroot(f, c(best$minimum, 0.9), tol = 1e-10)$root
  vc <- as.data.frame(VarCorr(fit))  # team, site, residual
  total <- sum(vc$vcov)
  c(icc2 = vc$vcov[1] / total, icc3 = vc$vcov[2] / total, low = low, high = high,
    profile_icc3 = best$minimum, omega2 = vc$vcov[2], sigma2 = vc$vcov[3], tau2 = vc$vcov[1])
}
# Team ICC within fixed sites: a fixed effect for each site.
two <- two_level(y ~ factor(site) + (1 | team)); two_x <- two_level(y ~ factor(site) + x + (1 | team))
three <- three_level(y ~ 1 + (1 | site) + (1 | team))
three_x <- three_level(y ~ x + (1 | site) + (1 | team))
out <- data.frame(
  quantity = c("icc_reml", "reml_low", "reml_high", "icc2_total", "icc3", "icc3_low",
               "icc3_high", "r2_1", "r2_2", "r2_3"),
  value = c(two["icc"], two["low"], two["high"], three["icc2"], three["icc3"], three["low"],
            three["high"], 1 - two_x["sigma2"] / two["sigma2"], 1 - two_x["tau2"] / two["tau2"],
            1 - three_x["omega2"] / three["omega2"]))
write.csv(out, "icc.csv", row.names = FALSE)
cat(sprintf("%s; lme4 %s\n", R.version.string, packageVersion("lme4")))
print(out)

# Few teams a site. (1) The Achievement Awards trial (Angrist and Lavy 2009, as shipped in
# clubSandwich: schools randomised within matched pairs), the 2001 cohort's lagged
# score, schools within pairs. (2) A simulated survey of 30 sites with 2 or 3 teams each.
suppressMessages(library(clubSandwich))
data(AchievementAwardsRCT)
awards <- as.data.frame(AchievementAwardsRCT)
awards <- awards[awards$year == "2001", c("school_id", "pair", "lagscore")]
write.csv(awards, "icc_awards.csv", row.names = FALSE)
aw <- two_level(lagscore ~ factor(pair) + (1 | school_id), awards)
set.seed(20261130)
few <- do.call(rbind, lapply(1:30, function(k) {
  J <- sample(2:3, 1)
  data.frame(site = k, team = sprintf("s%02d-t%d", k, 1:J), size = sample(4:12, J, TRUE))
}))
f <- few[rep(seq_len(nrow(few)), few$size), c("site", "team")]
v <- rnorm(30, 0, sqrt(0.1)); u <- rnorm(nrow(few), 0, sqrt(0.12)); names(u) <- few$team
f$x <- 0.5 * u[f$team] + rnorm(nrow(f))
f$y <- v[f$site] + 0.4 * f$x + u[f$team] + rnorm(nrow(f), 0, sqrt(0.85))
write.csv(f, "icc_few_teams.csv", row.names = FALSE)
fw <- two_level(y ~ factor(site) + (1 | team), f); fw_x <- two_level(y ~ factor(site) + x + (1 | team), f)
sites <- data.frame(
  case = c(rep("awards", 4), rep("few_teams", 6)),
  quantity = c("icc_reml", "reml_low", "reml_high", "total_variance", "icc_reml", "reml_low",
               "reml_high", "total_variance", "r2_1", "r2_2"),
  value = c(aw["icc"], aw["low"], aw["high"], aw["tau2"] + aw["sigma2"], fw["icc"], fw["low"],
            fw["high"], fw["tau2"] + fw["sigma2"], 1 - fw_x["sigma2"] / fw["sigma2"],
            1 - fw_x["tau2"] / fw["tau2"]))
write.csv(sites, "icc_sites.csv", row.names = FALSE)
print(sites)
# What centring within sites with one intercept (Hearten before this fix) gives on the awards:
awards$yc <- awards$lagscore - ave(awards$lagscore, awards$pair)
cat(sprintf("awards, centred within pairs: %.3f\n",
            two_level(yc ~ 1 + (1 | school_id), awards)["icc"]))
