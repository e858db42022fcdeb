# Data for the published clubSandwich STAR example (Wald-tests vignette, oracle O1):
# Tennessee Project STAR kindergarten, math1 on class type, CR2 by school.
# Run from this folder:  Rscript make_star.R
# Needs Debian packages r-base-core r-cran-aer r-cran-clubsandwich. Writes star.csv
# (AER's STAR data are GPL; only the three columns the example uses are kept).
suppressPackageStartupMessages({ library(AER); library(clubSandwich) })
data(STAR, package = "AER")
levels(STAR$stark)[3] <- "aide"
STAR <- subset(STAR, !is.na(schoolidk), select = c(schoolidk, stark, math1))
STAR <- STAR[complete.cases(STAR), ]
write.csv(STAR, "star.csv", row.names = FALSE)
fit <- lm(math1 ~ stark, data = STAR)
print(coef_test(fit, vcov = "CR2", cluster = STAR$schoolidk, test = "Satterthwaite"))
