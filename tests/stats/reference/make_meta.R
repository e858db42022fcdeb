# Reference values for hearten.stats.meta (random- and fixed-effects meta-analysis).
# Run from this folder:  Rscript make_meta.R
# Needs Debian packages r-base-core r-cran-metafor. Writes meta_studies.csv and meta.csv.
suppressPackageStartupMessages(library(metafor))
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
sites <- data.frame(yi = c(0.42, 1.10, -0.15, 0.65), vi = c(0.09, 0.16, 0.12, 0.25))
studies <- rbind(data.frame(set = "bcg", yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi)),
                 data.frame(set = "sites", yi = sites$yi, vi = sites$vi))
write.csv(studies, "meta_studies.csv", row.names = FALSE)
rows <- list()
for (set in c("bcg", "sites")) {
  d <- studies[studies$set == set, ]
  for (method in c("REML", "DL", "PM", "FE")) {
    for (test in c("z", "knha")) {
      if (method == "FE" && test == "knha") next
      fit <- rma(yi, vi, data = d, method = method, test = test,
                 control = list(threshold = 1e-12, maxiter = 10000, tol = 1e-12))
      pr <- predict(fit)
      rows[[length(rows) + 1]] <- data.frame(
        set = set, method = tolower(method), hk = test == "knha",
        estimate = as.numeric(fit$beta), std_error = fit$se, conf_low = fit$ci.lb,
        conf_high = fit$ci.ub, p_value = fit$pval, tau2 = fit$tau2, i2 = fit$I2 / 100,
        h2 = fit$H2, q = fit$QE, q_p_value = fit$QEp,
        pred_low = if (method == "FE") NA else pr$pi.lb,
        pred_high = if (method == "FE") NA else pr$pi.ub)
    }
  }
}
write.csv(do.call(rbind, rows), "meta.csv", row.names = FALSE)
cat(sprintf("metafor %s, %s\n", packageVersion("metafor"), R.version.string))
