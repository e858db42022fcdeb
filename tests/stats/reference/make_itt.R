# Reference values for hearten.stats.estimate.estimate_itt (weights, Lin 2013) and the
# published oracles O2 (Lin 2013 Table 2 via estimatr's alo_star_men) and O3 (sleep).
# Run from this folder:  Rscript make_itt.R
# Needs Debian packages r-base-core r-cran-estimatr. Reads trial_data.csv (make_lm_robust.R).
# Writes itt_weights.csv, itt.csv, alo_star_men.csv and sleep.csv.
suppressPackageStartupMessages(library(estimatr))
set.seed(7)
d <- read.csv("trial_data.csv")
d$w <- round(runif(nrow(d), 0.5, 2.5), 4)
write.csv(d[, c("w")], "itt_weights.csv", row.names = FALSE)

rows <- list()
add <- function(fit, case) {
  t <- tidy(fit)
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, term = t$term, estimate = t$estimate, std_error = t$std.error,
    p_value = t$p.value, conf_low = t$conf.low, conf_high = t$conf.high, df = t$df
  )
}
f <- y ~ treat + baseline + factor(stratum)
add(lm_robust(f, data = d, weights = w, clusters = team, se_type = "CR2"), "weighted_CR2")
add(lm_robust(f, data = d, weights = w, se_type = "HC2"), "weighted_HC2")
add(lm_robust(f, data = d, weights = w, clusters = team, se_type = "stata"), "weighted_CR1")
add(lm_lin(y ~ treat, covariates = ~ baseline + stratum, data = d, clusters = team,
           se_type = "CR2"), "lin_CR2")
add(lm_lin(y ~ treat, covariates = ~ baseline, data = d, se_type = "HC2"), "lin_HC2")
add(lm_lin(y ~ treat, covariates = ~ baseline, data = d, weights = w, se_type = "HC2"),
    "lin_weighted_HC2")
write.csv(do.call(rbind, rows), "itt.csv", row.names = FALSE)

# O2: Lin (2013) Table 2 on the men of Angrist, Lang and Oreopoulos (2009), HC0.
data(alo_star_men, package = "estimatr")
# The whole data set is Lin's sample (estimatr's tests/testthat/test-replicate-lin2013.R).
write.csv(alo_star_men[, c("GPA_year1", "sfsp", "gpa0")], "alo_star_men.csv",
          row.names = FALSE)

# O3: Student's sleep data, HC2 difference in means.
write.csv(sleep, "sleep.csv", row.names = FALSE)
cat(sprintf("estimatr %s, %s\n", packageVersion("estimatr"), R.version.string))
