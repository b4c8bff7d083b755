# Reference values for readiness.stats.correlation (Pearson and Spearman correlations with
# Fisher-z intervals, pairwise correlation matrices, correction for attenuation).
#
# Builds its own data with a fixed seed, runs stats::cor.test, psych::corr.test and
# psych::correct.cor, and writes tests/reference/fixtures/correlation.json with the data
# embedded so that the Python tests need no R.  Run from tests/reference (run.sh does this).
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

set.seed(20240612)

# 300 respondents: a knowledge score (0-10, many ties), a confidence score (1-5 Likert),
# a training-hours variable (skewed) and an interest rating; about 6% missing per column.
n <- 300
z <- rnorm(n)
main <- data.frame(
  knowledge = pmin(10, pmax(0, round(5 + 1.6 * z + rnorm(n, sd = 1.5)))),
  confidence = as.integer(cut(0.6 * z + rnorm(n, sd = 0.8), c(-Inf, -1, -0.3, 0.3, 1, Inf))),
  hours = round(exp(0.5 * z + rnorm(n, sd = 0.7)), 1),
  interest = as.integer(cut(-0.3 * z + rnorm(n), c(-Inf, -0.8, 0, 0.8, Inf)))
)
for (j in seq_along(main)) main[runif(n) < .06, j] <- NA

# A small case: 10 respondents, one missing value, ties.
small <- data.frame(
  a = c(3, 1, 4, 1, 5, 9, 2, 6, 5, 3),
  b = c(2, 7, 1, 8, 2, 8, 1, 8, 2, NA),
  c = c(1, 1, 2, 3, 5, 8, 13, 21, 34, 55)
)

columns <- function(d) lapply(as.list(d), function(v) unname(v))

pair_test <- function(d, a, b, conf_level) {
  x <- d[[a]]
  y <- d[[b]]
  p <- cor.test(x, y, method = "pearson", conf.level = conf_level)
  s <- suppressWarnings(cor.test(x, y, method = "spearman", exact = FALSE))
  ct <- corr.test(d[, c(a, b)], method = "spearman", adjust = "none", alpha = 1 - conf_level)
  list(
    x = a, y = b, conf_level = conf_level,
    pearson = list(
      r = unname(p$estimate), lower = p$conf.int[1], upper = p$conf.int[2],
      t = unname(p$statistic), df = unname(p$parameter), p_value = p$p.value,
      n = unname(p$parameter) + 2
    ),
    spearman = list(
      rho = unname(s$estimate), lower = ct$ci$lower, upper = ct$ci$upper,
      p_value = ct$ci$p, n = if (is.matrix(ct$n)) ct$n[1, 2] else ct$n
    )
  )
}

matrix_case <- function(name, d, method, missing) {
  x <- if (missing == "listwise") na.omit(d) else d
  ct <- corr.test(x, method = method, adjust = "none")
  n_mat <- if (is.matrix(ct$n)) ct$n else matrix(ct$n, ncol(x), ncol(x))
  list(
    name = name, method = method, missing = missing, columns = colnames(d),
    data = columns(d),
    r = unname(ct$r), n = unname(n_mat),
    # psych lists the pairs (1,2), (1,3), ..., (2,3), ... in this order
    ci_lower = ct$ci$lower, ci_upper = ct$ci$upper, ci_p = ct$ci$p
  )
}

r <- cor(main, use = "pairwise")
rel <- c(0.81, 0.64, 0.72, 0.9)
corrected <- correct.cor(r, rel)

fixture <- list(
  generated_by = "tests/reference/correlation.R",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  data = list(main = columns(main), small = columns(small)),
  pairs = list(
    c(list(data = "main"), pair_test(main, "knowledge", "confidence", 0.95)),
    c(list(data = "main"), pair_test(main, "knowledge", "interest", 0.90)),
    c(list(data = "main"), pair_test(main, "hours", "confidence", 0.99)),
    c(list(data = "small"), pair_test(small, "a", "b", 0.95)),
    c(list(data = "small"), pair_test(small, "a", "c", 0.95))
  ),
  matrices = list(
    matrix_case("main_pearson_pairwise", main, "pearson", "pairwise"),
    matrix_case("main_spearman_pairwise", main, "spearman", "pairwise"),
    matrix_case("main_pearson_listwise", main, "pearson", "listwise"),
    matrix_case("main_spearman_listwise", main, "spearman", "listwise"),
    matrix_case("small_spearman_pairwise", small, "spearman", "pairwise")
  ),
  correct_cor = list(
    columns = colnames(main), r = unname(r), reliabilities = rel,
    # psych::correct.cor puts the corrected values above the diagonal
    corrected = unname(corrected)
  )
)

dir.create("fixtures", showWarnings = FALSE)
write_json(fixture, "fixtures/correlation.json", digits = NA, auto_unbox = TRUE, na = "null",
           pretty = TRUE)
