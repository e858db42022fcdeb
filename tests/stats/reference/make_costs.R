# Reference values for hearten.stats.costs: the stratified cluster bootstrap of incremental
# cost and effect, by the boot package (clusters resampled within arm x stratum, each
# cluster's people kept together), on unequal clusters with missing outcomes.
# Run from this folder:  Rscript make_costs.R   (base R and its recommended package boot)
# Writes costs_people.csv (the data) and costs.csv (point estimates, bootstrap SEs and the
# correlation of the draws from 40,000 draws).
suppressPackageStartupMessages(library(boot))
set.seed(20261130)
sizes <- c(3, 5, 4, 6, 2, 5, 4, 3, 6, 4, 5, 3)
cluster <- rep(seq_along(sizes), sizes)
treated <- as.integer(cluster > 6)
stratum <- rep(c(1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2), sizes)
u <- rnorm(12, 0, 2)[cluster]
cost <- round(rgamma(length(cluster), 2, 1 / 20) + 30 * treated + 5 * u, 2)
outcome <- round(20 + 1.5 * treated + u + rnorm(length(cluster), 0, 4), 2)
outcome[c(2, 9, 30, 41)] <- NA
people <- data.frame(cluster, treated, stratum, cost, outcome)
write.csv(people, "costs_people.csv", row.names = FALSE)
# cluster totals: people, cost, people with an outcome, outcome
tot <- do.call(rbind, lapply(split(people, people$cluster), function(d) data.frame(
  treated = d$treated[1], stratum = d$stratum[1], n = nrow(d), c = sum(d$cost),
  ny = sum(!is.na(d$outcome)), y = sum(d$outcome, na.rm = TRUE))))
stat <- function(d, i) {
  d <- d[i, ]
  a1 <- d[d$treated == 1, ]; a0 <- d[d$treated == 0, ]
  c(sum(a1$c) / sum(a1$n) - sum(a0$c) / sum(a0$n), sum(a1$y) / sum(a1$ny) - sum(a0$y) / sum(a0$ny))
}
b <- boot(tot, stat, R = 40000, strata = interaction(tot$treated, tot$stratum))
write.csv(data.frame(
  delta_cost = b$t0[1], delta_effect = b$t0[2], se_cost = sd(b$t[, 1]),
  se_effect = sd(b$t[, 2]), correlation = cor(b$t[, 1], b$t[, 2])
), "costs.csv", row.names = FALSE)
