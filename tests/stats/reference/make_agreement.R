# Reference value for hearten.stats.agreement.cohen_kappa. Run from this folder:
#   Rscript make_agreement.R
# Needs only r-base-core. Simulates two coders' nominal codes for 80 units (three categories,
# the second coder copying the first 60% of the time) and computes Cohen's kappa from R's own
# contingency table: p_o = trace / n, p_e = sum(row margins * column margins) / n^2.
set.seed(23)
n <- 80
cats <- c("barrier", "enabler", "neutral")
coder1 <- sample(cats, n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
coder2 <- ifelse(runif(n) < 0.6, coder1, sample(cats, n, replace = TRUE))
write.csv(data.frame(coder1 = coder1, coder2 = coder2), "agreement.csv", row.names = FALSE)
tab <- table(factor(coder1, levels = cats), factor(coder2, levels = cats))
po <- sum(diag(tab)) / n
pe <- sum(rowSums(tab) * colSums(tab)) / n^2
kappa <- (po - pe) / (1 - pe)
write.csv(data.frame(statistic = c("observed", "expected", "kappa"),
                     value = sprintf("%.15f", c(po, pe, kappa))),
          "agreement_kappa.csv", row.names = FALSE, quote = FALSE)
