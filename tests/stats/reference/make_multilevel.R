# Reference values for hearten.stats.multilevel: random team intercepts with fixed strata,
# REML, Satterthwaite df, as lmerTest reports them. Run from this folder:
#   Rscript make_multilevel.R
# Needs r-base-core, r-cran-lme4 and r-cran-lmertest. Reads trial_data.csv (24 teams in 3
# strata); writes multilevel.csv.
suppressMessages({ library(lme4); library(lmerTest) })
d <- read.csv("trial_data.csv")
rows <- list()
add <- function(fit, case) {
  s <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))$vcov
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, term = rownames(s), estimate = s[, "Estimate"], std_error = s[, "Std. Error"],
    df = s[, "df"], p_value = s[, "Pr(>|t|)"], tau2 = vc[1], sigma2 = vc[2])
}
ctrl <- lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14))
add(lmer(y ~ treat + baseline + factor(stratum) + (1 | team), d, REML = TRUE, control = ctrl),
    "ancova")
add(lmer(y ~ treat + factor(stratum) + (1 | team), d, REML = TRUE, control = ctrl), "unadjusted")
write.csv(do.call(rbind, rows), "multilevel.csv", row.names = FALSE)
writeLines(sprintf("lme4 %s, lmerTest %s, %s", packageVersion("lme4"),
                   packageVersion("lmerTest"), R.version.string), "r_versions_multilevel.txt")
print(do.call(rbind, rows))
