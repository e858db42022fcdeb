# Reference values for hearten.stats.estimate / vcov.
# Run from this folder:  Rscript make_lm_robust.R
# Needs Debian packages r-base-core r-cran-estimatr r-cran-clubsandwich.
# Writes trial_data.csv (the data) and lm_robust.csv (estimatr's results).
suppressPackageStartupMessages({
  library(estimatr)
  library(clubSandwich)
})
set.seed(20261129)

# A small cluster trial: 3 strata (local authorities), 24 teams of unequal size,
# teams randomised 1:1 within stratum, a baseline score and a team random effect.
n_teams <- 24
team_size <- sample(3:14, n_teams, replace = TRUE)
stratum <- rep(c("A", "B", "C"), each = n_teams / 3)
treat_team <- unlist(lapply(split(seq_len(n_teams), stratum), function(ix) {
  sample(rep(0:1, length.out = length(ix)))
}))
d <- data.frame(
  team = rep(sprintf("T%02d", seq_len(n_teams)), team_size),
  stratum = rep(stratum, team_size),
  treat = rep(treat_team, team_size)
)
u <- rnorm(n_teams, sd = 1.2)
d$baseline <- round(rnorm(nrow(d), 23, 4) + rep(u, team_size) * 0.5, 2)
d$y <- round(5 + 0.6 * d$baseline + 0.9 * d$treat + rep(u, team_size) +
  (d$stratum == "B") * 1.5 + rnorm(nrow(d), sd = 3 + d$treat), 3)
write.csv(d, "trial_data.csv", row.names = FALSE)

rows <- list()
add <- function(fit, case) {
  t <- tidy(fit)
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, term = t$term, estimate = t$estimate, std_error = t$std.error,
    statistic = t$statistic, p_value = t$p.value, conf_low = t$conf.low,
    conf_high = t$conf.high, df = t$df
  )
}
f <- y ~ treat + baseline + factor(stratum)
for (se in c("CR0", "stata", "CR2")) {
  add(lm_robust(f, data = d, clusters = team, se_type = se), paste0("cluster_", se))
}
for (se in c("HC0", "HC1", "HC2", "HC3")) {
  add(lm_robust(f, data = d, se_type = se), paste0("indiv_", se))
}
add(lm_robust(y ~ treat, data = d, clusters = team, se_type = "CR2"), "cluster_CR2_dim")
out <- do.call(rbind, rows)

# clubSandwich's Satterthwaite df for CR2 must equal estimatr's (Bell-McCaffrey).
ols <- lm(f, data = d)
cs <- coef_test(ols, vcov = "CR2", cluster = d$team, test = "Satterthwaite")
est <- out[out$case == "cluster_CR2", ]
stopifnot(max(abs(cs$df_Satt - est$df) / est$df) < 1e-8)
stopifnot(max(abs(cs$SE - est$std_error) / est$std_error) < 1e-8)

write.csv(out, "lm_robust.csv", row.names = FALSE)
cat(sprintf("estimatr %s, clubSandwich %s, %s\n", packageVersion("estimatr"),
  packageVersion("clubSandwich"), R.version.string))
