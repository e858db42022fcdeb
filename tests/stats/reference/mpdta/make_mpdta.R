# Writes mpdta.csv from the `did` package's data/mpdta.rda (did 2.5.1, commit 71ba8a5 of
# github.com/bcallaway11/did). Run from this folder with the .rda beside it:
#   Rscript make_mpdta.R mpdta.rda
# Needs only base R (Debian's r-base-core): the `did` package itself is not required.
args <- commandArgs(trailingOnly = TRUE)
rda <- if (length(args)) args[[1]] else "mpdta.rda"
env <- new.env()
load(rda, envir = env)
d <- env$mpdta
stopifnot(nrow(d) == 2500, length(unique(d$countyreal)) == 500)
d <- d[order(d$countyreal, d$year), c("year", "countyreal", "lpop", "lemp", "first.treat", "treat")]
# 17 significant digits so every double reads back exactly.
out <- data.frame(
  year = d$year,
  countyreal = sprintf("%d", as.integer(d$countyreal)),
  lpop = sprintf("%.17g", d$lpop),
  lemp = sprintf("%.17g", d$lemp),
  first.treat = sprintf("%d", as.integer(d$first.treat)),
  treat = sprintf("%d", as.integer(d$treat)),
  check.names = FALSE
)
write.csv(out, "mpdta.csv", row.names = FALSE, quote = FALSE)
writeLines(paste(R.version.string), "r_version.txt")
