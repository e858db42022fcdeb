# Reference values for hearten.stats.counts (sickness absence as counts with exposure).
# Run from this folder:  Rscript make_counts.R
# Needs Debian packages r-base-core r-cran-mass r-cran-sandwich. Reads trial_data.csv.
# Writes absence.csv (simulated absence days and exposure) and counts.csv.
suppressPackageStartupMessages({ library(MASS); library(sandwich) })
set.seed(21)
d <- read.csv("trial_data.csv")
d$fte <- sample(c(1, 1, 1, 0.8, 0.6), nrow(d), replace = TRUE)
d$days_employed <- sample(c(rep(182, 8), 40:181), nrow(d), replace = TRUE)
d$exposure <- d$fte * d$days_employed
team_frailty <- rgamma(length(unique(d$team)), shape = 2, rate = 2)
names(team_frailty) <- sort(unique(d$team))
mu <- d$exposure * 0.02 * exp(-0.25 * d$treat + 0.03 * (d$baseline - 23)) * team_frailty[d$team]
d$absence_days <- rnbinom(nrow(d), size = 0.7, mu = mu)
write.csv(d[, c("absence_days", "exposure")], "absence.csv", row.names = FALSE)

rows <- list()
add <- function(fit, V, case) {
  b <- coef(fit); se <- sqrt(diag(V))
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, term = names(b), estimate = unname(b), std_error = unname(se),
    p_value = 2 * pnorm(-abs(b / se)),
    theta = if (is.null(fit$theta)) NA else fit$theta)
}
f <- absence_days ~ treat + baseline + factor(stratum) + offset(log(exposure))
pois <- glm(f, family = poisson, data = d)
add(pois, vcovCL(pois, cluster = ~team), "poisson_CL")
add(pois, sandwich(pois), "poisson_HC0")
nb <- glm.nb(f, data = d, control = glm.control(epsilon = 1e-12, maxit = 200))
add(nb, vcovCL(nb, cluster = ~team), "negbin_CL")
add(nb, sandwich(nb), "negbin_HC0")
write.csv(do.call(rbind, rows), "counts.csv", row.names = FALSE)
cat(sprintf("MASS %s, sandwich %s, %s\n", packageVersion("MASS"), packageVersion("sandwich"),
            R.version.string))
