# Reference values for readiness.stats.proportions (run by tests/reference/run.sh).
# Wilson: prop.test(correct = FALSE); Clopper-Pearson: binom.test; Jeffreys: qbeta of the
# Beta(x + 1/2, n - x + 1/2) posterior with lower = 0 at x = 0 and upper = 1 at x = n;
# Agresti-Coull: its formula (Agresti & Coull 1998), clipped to [0, 1].
suppressPackageStartupMessages(library(jsonlite))

cases <- list()
grid <- expand.grid(n = c(1, 2, 5, 10, 37, 150, 782), frac = c(0, 0.03, 0.2, 0.5, 0.87, 1),
                    conf = c(0.9, 0.95, 0.99))
grid$x <- round(grid$n * grid$frac)
grid <- unique(grid[, c("x", "n", "conf")])

for (i in seq_len(nrow(grid))) {
  x <- grid$x[i]; n <- grid$n[i]; conf <- grid$conf[i]
  alpha <- 1 - conf
  z <- qnorm(1 - alpha / 2)
  wilson <- as.numeric(prop.test(x, n, correct = FALSE, conf.level = conf)$conf.int)
  cp <- as.numeric(binom.test(x, n, conf.level = conf)$conf.int)
  jl <- if (x == 0) 0 else qbeta(alpha / 2, x + 0.5, n - x + 0.5)
  ju <- if (x == n) 1 else qbeta(1 - alpha / 2, x + 0.5, n - x + 0.5)
  nt <- n + z^2
  pt <- (x + z^2 / 2) / nt
  half <- z * sqrt(pt * (1 - pt) / nt)
  ac <- c(max(0, pt - half), min(1, pt + half))
  cases[[length(cases) + 1]] <- list(
    count = x, n = n, conf_level = conf, proportion = x / n,
    wilson = wilson, clopper_pearson = cp, jeffreys = c(jl, ju), agresti_coull = ac
  )
}

write_json(list(source = paste("R", R.version.string), cases = cases),
           "fixtures/proportions.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
