# Reference values for hearten.stats.survival (leaving as time to event).
# Run from this folder:  Rscript make_survival.R
# Needs Debian packages r-base-core r-cran-survival. Reads trial_data.csv.
# Writes leaving.csv (days to leaving, censored at 365), survival.csv (coxph with Breslow ties,
# as Stata's stcox default) and km.csv (Kaplan-Meier with Greenwood SEs).
suppressPackageStartupMessages(library(survival))
set.seed(9)
d <- read.csv("trial_data.csv")
team_frailty <- rgamma(length(unique(d$team)), shape = 3, rate = 3)
names(team_frailty) <- sort(unique(d$team))
rate <- 0.0012 * exp(-0.35 * d$treat - 0.04 * (d$baseline - 23)) * team_frailty[d$team]
t_leave <- ceiling(rexp(nrow(d), rate))
followup <- sample(c(rep(365, 6), 200:364), nrow(d), replace = TRUE)  # some joined late
d$days <- pmin(t_leave, followup)
d$left <- as.integer(t_leave <= followup)
write.csv(d[, c("days", "left")], "leaving.csv", row.names = FALSE)
rows <- list()
for (robust in c("cluster", "none")) {
  fit <- if (robust == "cluster") {
    coxph(Surv(days, left) ~ treat + baseline + factor(stratum), data = d, ties = "breslow",
          cluster = team)
  } else {
    coxph(Surv(days, left) ~ treat + baseline + factor(stratum), data = d, ties = "breslow")
  }
  s <- summary(fit)$coefficients
  se <- if (robust == "cluster") s[, "robust se"] else s[, "se(coef)"]
  rows[[length(rows) + 1]] <- data.frame(case = robust, term = rownames(s),
    estimate = s[, "coef"], std_error = se)
}
write.csv(do.call(rbind, rows), "survival.csv", row.names = FALSE)
km <- survfit(Surv(days, left) ~ treat, data = d)
k <- summary(km, times = c(90, 180, 270, 365), extend = TRUE)
write.csv(data.frame(arm = as.integer(sub("treat=", "", k$strata)), time = k$time,
                     surv = k$surv, std_err = k$std.err), "km.csv", row.names = FALSE)
cat(sprintf("survival %s, %s\n", packageVersion("survival"), R.version.string))
