# Reference values for hearten.stats.compliance (CACE by two-stage least squares).
# Run from this folder:  Rscript make_iv.R
# Needs Debian packages r-base-core r-cran-estimatr. Reads trial_data.csv.
# Writes iv_uptake.csv (a simulated uptake column) and iv_robust.csv.
suppressPackageStartupMessages(library(estimatr))
set.seed(11)
d <- read.csv("trial_data.csv")
# One-sided non-compliance: only the treated arm can take part; uptake varies by team.
team_rate <- tapply(runif(nrow(d)), d$team, function(u) 0.3 + 0.6 * u[1])
d$took_part <- d$treat * rbinom(nrow(d), 1, team_rate[d$team])
write.csv(d[, "took_part", drop = FALSE], "iv_uptake.csv", row.names = FALSE)

rows <- list()
add <- function(fit, case) {
  t <- tidy(fit)
  f <- if (!is.null(fit$diagnostic_first_stage_fstatistic))
    fit$diagnostic_first_stage_fstatistic[["value"]] else NA
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, term = t$term, estimate = t$estimate, std_error = t$std.error,
    p_value = t$p.value, conf_low = t$conf.low, conf_high = t$conf.high, df = t$df,
    first_stage_f = f
  )
}
add(iv_robust(y ~ took_part + baseline + factor(stratum) | treat + baseline + factor(stratum),
              data = d, clusters = team, se_type = "CR2", diagnostics = TRUE), "iv_CR2")
add(iv_robust(y ~ took_part + baseline | treat + baseline, data = d, se_type = "HC2",
              diagnostics = TRUE), "iv_HC2")
add(iv_robust(y ~ took_part | treat, data = d, clusters = team, se_type = "stata",
              diagnostics = TRUE), "iv_CR1")
write.csv(do.call(rbind, rows), "iv_robust.csv", row.names = FALSE)
cat(sprintf("estimatr %s, %s\n", packageVersion("estimatr"), R.version.string))
