# Reference p-values for hearten.stats.ratio_inference: randomisation tests of a rate or hazard
# ratio from the null model's residuals (Gail et al. 1996), every assignment enumerated.
# Run from this folder:  Rscript make_ratio_ri.R
# Needs r-base-core, r-cran-mass and r-cran-survival. Reads absence_battery.csv,
# trial_data.csv and leaving.csv; writes ratio_ri.csv (case, tau0, p_value, assignments).
suppressPackageStartupMessages({ library(MASS); library(survival) })

# Every assignment of whole units that keeps each stratum's number treated: units x draws.
every_assignment <- function(unit, stratum, treat) {
  u <- unique(data.frame(unit, stratum, treat))
  per <- lapply(split(seq_len(nrow(u)), u$stratum), function(k)
    combn(k, sum(u$treat[k]), simplify = FALSE))
  grid <- expand.grid(lapply(per, seq_along))
  A <- matrix(0, nrow(u), nrow(grid))
  for (r in seq_len(nrow(grid))) for (s in seq_along(per)) A[per[[s]][[grid[r, s]]], r] <- 1
  list(units = u$unit, observed = u$treat, A = A)
}
p_value <- function(resid, unit, design) {
  r <- rowsum(resid, unit)[as.character(design$units), 1]
  S <- sum(r * design$observed); drawn <- abs(colSums(r * design$A))
  mean(drawn >= abs(S) - 1e-10 * max(1, abs(S)))
}
rows <- list()
add <- function(case, tau0, p, A) rows[[length(rows) + 1]] <<- data.frame(
  case = case, tau0 = tau0, p_value = p, assignments = ncol(A))

# Counts: the long-spells absence file (18 offices, 4 of 9 treated in each of two strata),
# negative binomial with theta from glm.nb of the model without treatment (held fixed), and
# Poisson.
d <- read.csv("absence_battery.csv"); d <- d[d$file == "long_spells_1", ]
design <- every_assignment(d$office, d$stratum, d$treat)
theta <- glm.nb(absence_days ~ prior + factor(stratum) + offset(log(exposure)), data = d,
                control = glm.control(epsilon = 1e-10, maxit = 200))$theta
for (tau0 in c(0, -0.5, 0.5, 1)) {
  nb <- glm(absence_days ~ prior + factor(stratum) + offset(log(exposure) + tau0 * treat),
            family = negative.binomial(theta), data = d, control = glm.control(epsilon = 1e-12))
  mu <- fitted(nb)
  add("negbin", tau0, p_value((d$absence_days - mu) * theta / (theta + mu), d$office, design),
      design$A)
  po <- glm(absence_days ~ prior + factor(stratum) + offset(log(exposure) + tau0 * treat),
            family = poisson, data = d, control = glm.control(epsilon = 1e-12))
  add("poisson", tau0, p_value(d$absence_days - fitted(po), d$office, design), design$A)
}
# Leaving: the simulated trial's first two strata (16 teams, 4 of 8 treated in each), Cox
# with Breslow ties, martingale residuals of the model without treatment.
t <- cbind(read.csv("trial_data.csv"), read.csv("leaving.csv"))
t <- t[t$stratum %in% sort(unique(t$stratum))[1:2], ]
design <- every_assignment(t$team, t$stratum, t$treat)
for (tau0 in c(0, -0.5, 0.5)) {
  cx <- coxph(Surv(days, left) ~ baseline + factor(stratum) + offset(tau0 * treat), data = t,
              ties = "breslow")
  add("cox", tau0, p_value(residuals(cx, type = "martingale"), t$team, design), design$A)
}
write.csv(do.call(rbind, rows), "ratio_ri.csv", row.names = FALSE)
writeLines(sprintf("MASS %s, survival %s, %s", packageVersion("MASS"), packageVersion("survival"),
                   R.version.string), "r_versions_ratio_ri.txt")
print(do.call(rbind, rows))
