# Reference p-values for hearten.stats.score_bootstrap: the wild score bootstrap (Kline and
# Santos 2012) of a rate or hazard ratio, every sign vector enumerated. Run from this folder:
#   Rscript make_score_bootstrap.R
# Needs r-base-core, r-cran-mass and r-cran-survival. Reads absence_battery.csv,
# trial_data.csv and leaving.csv; writes score_bootstrap.csv (case, tau0, p_value, signs).
suppressPackageStartupMessages({ library(MASS); library(survival) })

# Each unit's efficient score; the share of the 2^G sign flips with |sum| at least the data's.
p_value <- function(s, unit) {
  sg <- rowsum(as.numeric(s), unit)[, 1]
  W <- as.matrix(expand.grid(rep(list(c(1, -1)), length(sg))))
  S <- abs(sum(sg))
  c(p = mean(abs(W %*% sg) >= S - 1e-7 * sum(abs(sg))), signs = nrow(W))
}
rows <- list()
add <- function(case, tau0, p) rows[[length(rows) + 1]] <<- data.frame(
  case = case, tau0 = tau0, p_value = p[["p"]], signs = p[["signs"]])

# Counts: the long-spells absence file (18 offices in two strata); the null model with the
# hypothesised log ratio in the offset, theta from glm.nb of the model without treatment.
d <- read.csv("absence_battery.csv"); d <- d[d$file == "long_spells_1", ]
X <- model.matrix(~ prior + factor(stratum), d)
theta <- glm.nb(absence_days ~ prior + factor(stratum) + offset(log(exposure)), data = d,
                control = glm.control(epsilon = 1e-10, maxit = 200))$theta
for (tau0 in c(0, -0.5, 0.5)) {
  for (family in c("negbin", "poisson")) {
    fam <- if (family == "negbin") negative.binomial(theta) else poisson()
    fit <- glm(absence_days ~ prior + factor(stratum) + offset(log(exposure) + tau0 * treat),
               family = fam, data = d, control = glm.control(epsilon = 1e-12))
    mu <- fitted(fit)
    shrink <- if (family == "negbin") theta / (theta + mu) else rep(1, length(mu))
    gamma <- lm.wfit(X, d$treat, mu * shrink)$coefficients
    s <- (d$treat - X %*% gamma) * (d$absence_days - mu) * shrink
    add(family, tau0, p_value(s, d$office))
  }
}
# Leaving: the simulated trial's first two strata (16 teams), Cox with Breslow ties: score
# residuals of the model with treatment held at tau0 and the null fit's coefficients, made
# orthogonal to them by the information (coxph with iter.max = 0 gives it at init).
t <- cbind(read.csv("trial_data.csv"), read.csv("leaving.csv"))
t <- t[t$stratum %in% sort(unique(t$stratum))[1:2], ]
for (tau0 in c(0, -0.5, 0.5)) {
  null <- coxph(Surv(days, left) ~ baseline + factor(stratum) + offset(tau0 * treat), data = t,
                ties = "breslow")
  at <- suppressWarnings(coxph(Surv(days, left) ~ treat + baseline + factor(stratum), data = t,
                               ties = "breslow", init = c(tau0, coef(null)),
                               control = coxph.control(iter.max = 0)))
  U <- residuals(at, type = "score")
  info <- solve(at$var)
  gamma <- solve(info[-1, -1], info[-1, 1])
  add("cox", tau0, p_value(U[, 1] - U[, -1] %*% gamma, t$team))
}
write.csv(do.call(rbind, rows), "score_bootstrap.csv", row.names = FALSE)
writeLines(sprintf("MASS %s, survival %s, %s", packageVersion("MASS"), packageVersion("survival"),
                   R.version.string), "r_versions_score_bootstrap.txt")
print(do.call(rbind, rows))
