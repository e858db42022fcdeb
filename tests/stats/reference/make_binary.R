# Reference values for hearten.stats.binary (logistic regression, odds ratio, average
# marginal effect). Run from this folder:  Rscript make_binary.R
# Needs Debian packages r-base-core r-cran-sandwich. Reads trial_data.csv.
# Writes leavers.csv (a simulated "left within 12 months" column) and binary.csv.
suppressPackageStartupMessages(library(sandwich))
set.seed(5)
d <- read.csv("trial_data.csv")
team_effect <- rnorm(length(unique(d$team)), sd = 0.5)
names(team_effect) <- sort(unique(d$team))
eta <- -1.6 - 0.4 * d$treat - 0.05 * (d$baseline - 23) + team_effect[d$team]
d$left <- rbinom(nrow(d), 1, plogis(eta))
write.csv(d[, "left", drop = FALSE], "leavers.csv", row.names = FALSE)

rows <- list()
for (robust in c("CL", "HC0")) {
  fit <- glm(left ~ treat + baseline + factor(stratum), family = binomial, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
  V <- if (robust == "CL") vcovCL(fit, cluster = ~team) else sandwich(fit)
  b <- coef(fit); se <- sqrt(diag(V))
  # Average marginal effect of treat (risk difference), delta method.
  X <- model.matrix(fit); X1 <- X; X1[, "treat"] <- 1; X0 <- X; X0[, "treat"] <- 0
  p1 <- plogis(X1 %*% b); p0 <- plogis(X0 %*% b)
  ame <- mean(p1 - p0)
  grad <- colMeans(as.vector(p1 * (1 - p1)) * X1 - as.vector(p0 * (1 - p0)) * X0)
  ame_se <- sqrt(drop(t(grad) %*% V %*% grad))
  rows[[length(rows) + 1]] <- data.frame(
    case = paste0("logit_", robust), term = names(b), estimate = unname(b),
    std_error = unname(se), ame = ame, ame_se = ame_se)
}
write.csv(do.call(rbind, rows), "binary.csv", row.names = FALSE)
cat(sprintf("sandwich %s, %s\n", packageVersion("sandwich"), R.version.string))
