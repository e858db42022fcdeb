# Reference values for hearten.stats.costs.adjusted_cost_effect_bootstrap: incremental cost
# and the baseline-adjusted effect (weighted least squares with strata fixed effects) drawn
# together by the boot package, resampling whole clusters within arm x stratum, in a
# three-arm trial with unequal clusters, missing outcomes and response weights.
# Run from this folder:  Rscript make_costs_adjusted.R   (base R and its recommended package boot)
# Writes costs_adjusted_people.csv (the data) and costs_adjusted.csv (per arm: the point
# estimates, bootstrap SEs and the correlation of the draws from 20,000 draws).
suppressPackageStartupMessages(library(boot))
set.seed(20261201)
sizes <- c(3, 5, 4, 6, 2, 5, 4, 3, 6, 4, 5, 3, 4, 6, 3, 5, 4, 2)
cluster <- rep(seq_along(sizes), sizes)
arm <- rep(rep(c("control", "coffee", "letters"), each = 6), sizes)
stratum <- rep(rep(c("north", "north", "north", "south", "south", "south"), 3), sizes)
u <- rnorm(18, 0, 2)[cluster]
x <- round(20 + u + rnorm(length(cluster), 0, 3), 2)
cost <- round(rgamma(length(cluster), 2, 1 / 20) + 30 * (arm == "coffee") +
  55 * (arm == "letters") + 5 * u, 2)
outcome <- round(5 + 0.7 * x + 1.5 * (arm == "coffee") + 2 * (arm == "letters") + u +
  rnorm(length(cluster), 0, 3), 2)
outcome[c(2, 9, 30, 41, 57, 70)] <- NA
w <- round(runif(length(cluster), 0.8, 1.6), 3)
people <- data.frame(cluster, arm, stratum, cost, outcome, x, w)
write.csv(people, "costs_adjusted_people.csv", row.names = FALSE)
people$arm <- factor(people$arm, levels = c("control", "coffee", "letters"))
clusters <- data.frame(cluster = seq_along(sizes), arm = people$arm[!duplicated(people$cluster)],
                       stratum = people$stratum[!duplicated(people$cluster)])
stat <- function(d, i) {
  drawn <- do.call(rbind, lapply(d$cluster[i], function(k) people[people$cluster == k, ]))
  fit <- lm(outcome ~ arm + x + stratum, data = drawn, weights = w)
  mc <- tapply(drawn$cost, drawn$arm, mean)
  c(mc["coffee"] - mc["control"], coef(fit)["armcoffee"],
    mc["letters"] - mc["control"], coef(fit)["armletters"])
}
b <- boot(clusters, stat, R = 20000, strata = interaction(clusters$arm, clusters$stratum))
write.csv(data.frame(
  arm = c("coffee", "letters"),
  delta_cost = b$t0[c(1, 3)], delta_effect = b$t0[c(2, 4)],
  se_cost = apply(b$t[, c(1, 3)], 2, sd), se_effect = apply(b$t[, c(2, 4)], 2, sd),
  correlation = c(cor(b$t[, 1], b$t[, 2]), cor(b$t[, 3], b$t[, 4]))
), "costs_adjusted.csv", row.names = FALSE)
