# Reference values for hearten.stats.counts' negative binomial on data where fitting theta by
# Newton's method from a fixed start fails: MASS's epil and ships data, and a battery of
# simulated sickness-absence files (many zeros, long spells, a handful of offices).
# Run from this folder:  Rscript make_negbin.R
# Needs Debian packages r-base-core r-cran-mass r-cran-sandwich.
# Writes epil.csv, ships.csv (MASS's data as shipped), absence_battery.csv (the simulated
# files) and negbin.csv (glm.nb coefficients, theta and SE.theta, vcovCL/sandwich SEs).
suppressPackageStartupMessages({ library(MASS); library(sandwich) })
options(warn = 1)
# 1e-10: tighter than glm.nb's default (1e-8); at 1e-12 IRLS can stall on rounding.
ctl <- glm.control(epsilon = 1e-10, maxit = 200)

write.csv(epil, "epil.csv", row.names = FALSE)
write.csv(ships, "ships.csv", row.names = FALSE)

rows <- list()
add <- function(fit, V, case) {
  b <- coef(fit); se <- sqrt(diag(V))
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, term = names(b), estimate = unname(b), std_error = unname(se),
    theta = if (is.null(fit$theta)) NA else fit$theta,
    theta_se = if (is.null(fit$SE.theta)) NA else fit$SE.theta,
    irls_converged = fit$converged)
}
# vcovCL by hand at the fitted means: sandwich's formula (expected information as bread,
# scores x (y - mu) mu / V summed by cluster, G/(G-1)), evaluated at the final coefficients.
# vcovCL itself reads the working weights of glm's last IRLS step; when that IRLS did not
# converge (it can oscillate on long spells: glm.nb then warns "algorithm did not converge"
# while its coefficients are already right to 1e-9) those weights are stale, so the
# reference is this by-hand value, which equals vcovCL whenever glm.nb converged.
by_hand_cl <- function(fit, cluster) {
  X <- model.matrix(fit); y <- fit$y; mu <- fitted(fit); V <- mu + mu^2 / fit$theta
  bread <- solve(crossprod(X * (mu^2 / V), X))
  S <- rowsum(X * ((y - mu) * mu / V), cluster); G <- nrow(S)
  G / (G - 1) * bread %*% crossprod(S) %*% bread
}

# Epilepsy: seizure counts in four two-week periods, clustered by patient.
ep <- glm.nb(y ~ trt + lbase + lage + V4, data = epil, control = ctl)
add(ep, vcovCL(ep, cluster = ~subject), "epil_CL")
add(ep, sandwich(ep), "epil_HC0")

# Ships: damage incidents with aggregate months of service as exposure (ships with no service
# dropped); period of operation (1975-79 against 1960-74) as the "arm", year built as strata.
sh <- subset(ships, service > 0)
sh$year <- factor(sh$year)
sn <- glm.nb(incidents ~ factor(period) + year + offset(log(service)), data = sh, control = ctl)
add(sn, vcovCL(sn, cluster = ~type), "ships_CL")
add(sn, sandwich(sn), "ships_HC0")
# With ship type as a covariate too the data show no over-dispersion beyond Poisson: glm.nb
# reaches its iteration limit with a huge theta; the Poisson fit is the answer.
sp <- glm(incidents ~ factor(period) + year + type + offset(log(service)), family = poisson,
          data = sh, control = ctl)
add(sp, sandwich(sp), "ships_boundary_poisson_HC0")
sb <- suppressWarnings(glm.nb(incidents ~ factor(period) + year + type + offset(log(service)),
                              data = sh))
cat(sprintf("ships with type: glm.nb theta %.0f (SE %.0f), score statistic %.3f\n", sb$theta,
            sb$SE.theta, sum((sh$incidents - fitted(sp))^2 - sh$incidents)))

# The battery: simulated absence files. Each person has FTE x days employed as exposure, a
# prior-year absence covariate, offices randomised within two strata.
set.seed(20261130)
simulate <- function(scenario, rep) {
  G <- switch(scenario, many_zeros = 24, long_spells = 18, small_offices = 7,
              small_offices_long_spells = 8)
  size <- if (startsWith(scenario, "small")) sample(6:20, G, TRUE) else sample(3:14, G, TRUE)
  office <- sprintf("o%02d", seq_len(G))
  stratum <- rep(c("a", "b"), length.out = G)
  treat <- integer(G)
  for (s in c("a", "b")) {
    k <- which(stratum == s); treat[k[sample.int(length(k), floor(length(k) / 2))]] <- 1L
  }
  d <- data.frame(office = rep(office, size), stratum = rep(stratum, size),
                  treat = rep(treat, size))
  n <- nrow(d)
  days <- sample(c(rep(365, 6), 60:364), n, TRUE)
  d$exposure <- sample(c(1, 1, 1, 0.8, 0.6, 0.5), n, TRUE) * days
  frailty <- rgamma(G, shape = 3, rate = 3); names(frailty) <- office
  d$prior <- rnbinom(n, size = 0.5, mu = 8)
  rate <- if (scenario == "many_zeros") 0.003 else 0.012
  mu <- d$exposure * rate * exp(-0.2 * d$treat + 0.02 * (d$prior - 8)) * frailty[d$office]
  y <- rnbinom(n, size = if (scenario == "many_zeros") 0.25 else 0.8, mu = mu)
  if (endsWith(scenario, "long_spells")) {
    long <- runif(n) < 0.07  # long-term sickness: one spell of four weeks to six months
    y[long] <- y[long] + pmin(round(days[long] * 5 / 7), sample(20:130, sum(long), TRUE))
  }
  d$absence_days <- y
  cbind(file = sprintf("%s_%d", scenario, rep), d)
}
scenarios <- c("many_zeros", "long_spells", "small_offices", "small_offices_long_spells")
battery <- do.call(rbind, lapply(scenarios, function(s) do.call(rbind, lapply(1:3, function(r)
  simulate(s, r)))))
write.csv(battery, "absence_battery.csv", row.names = FALSE)
for (f in unique(battery$file)) {
  d <- battery[battery$file == f, ]
  nb <- suppressWarnings(glm.nb(absence_days ~ treat + prior + factor(stratum) + offset(log(exposure)), data = d,
               control = ctl))
  V <- by_hand_cl(nb, d$office)
  if (nb$converged) stopifnot(isTRUE(all.equal(V, vcovCL(nb, cluster = ~office),
                                               tolerance = 1e-6, check.attributes = FALSE)))
  add(nb, V, paste0(f, "_CL"))
  cat(sprintf("%s: n %d, zeros %.0f%%, max %d, theta %.3f, IRLS converged %s\n", f, nrow(d),
              100 * mean(d$absence_days == 0), max(d$absence_days), nb$theta, nb$converged))
}
write.csv(do.call(rbind, rows), "negbin.csv", row.names = FALSE)
writeLines(sprintf("MASS %s, sandwich %s, %s", packageVersion("MASS"),
                   packageVersion("sandwich"), R.version.string), "r_versions_negbin.txt")
