# Reference values for readiness.stats.reliability (Cronbach's alpha, KR-20, omega total).
#
# Builds its own data with a fixed seed, runs psych::alpha, psych::omega(nfactors = 1) and a
# one-factor lavaan CFA, and writes tests/reference/fixtures/reliability.json with the data
# embedded so that the Python tests need no R.  Run from tests/reference (run.sh does this).
suppressPackageStartupMessages({
  library(psych)
  library(lavaan)
  library(jsonlite)
})

set.seed(20240611)

# --- data -----------------------------------------------------------------------------------
# 300 respondents, 8 five-point items from one factor; q4 is reverse-keyed; about 5% of the
# answers are missing completely at random.
likert_scale <- function(n, loadings) {
  f <- rnorm(n)
  raw <- sapply(loadings, function(l) l * f + sqrt(1 - l^2) * rnorm(n))
  apply(raw, 2, function(v) as.integer(cut(v, c(-Inf, -1.2, -0.4, 0.4, 1.2, Inf))))
}
main <- likert_scale(300, c(.8, .7, .75, .6, .65, .7, .55, .5))
main[, 4] <- 6L - main[, 4]
main[matrix(runif(length(main)) < .05, nrow(main))] <- NA
colnames(main) <- paste0("q", 1:8)
main <- as.data.frame(main)

# A small case: 8 respondents, 4 items, two missing answers.  Item c is reverse-keyed and only
# uses codes 2..5 while the other items use 1..5, which shows that psych reverses with the
# minimum and maximum over all items (6 - x here), not over the reversed item alone (7 - x).
small <- data.frame(
  a = c(1, 2, 3, 4, 5, 4, 2, 3),
  b = c(2, 2, 3, 5, 4, NA, 1, 3),
  c = c(5, 4, 4, 2, 2, 3, 5, NA),
  d = c(1, 3, 3, 4, 5, 5, 2, 2)
)

# Two items (psych has a special branch for alpha-if-dropped with two items).
two <- likert_scale(40, c(.7, .6))
colnames(two) <- c("x1", "x2")
two <- as.data.frame(two)

# Binary (0/1) items for KR-20, complete.
bin_f <- rnorm(300)
binary <- sapply(c(.7, .6, .65, .5, .55, .6), function(l) {
  as.integer(l * bin_f + sqrt(1 - l^2) * rnorm(300) > qnorm(runif(1, .3, .7)))
})
colnames(binary) <- paste0("b", 1:6)
binary <- as.data.frame(binary)

# A Heywood case for omega: item h4 is almost the factor itself, so its uniqueness reaches
# psych's lower bound (0.005) in the minres fit.
hey_f <- rnorm(200)
heywood <- data.frame(
  h1 = hey_f + rnorm(200), h2 = hey_f + rnorm(200), h3 = hey_f + rnorm(200),
  h4 = 3 * hey_f + rnorm(200, sd = 0.03)
)

# The main scale with 5 rows that answer no item (a section skipped, a blank line in a sheet).
# psych::alpha counts every row in n.obs, so ase, the Feldt interval and each dropped item's
# 'alpha se' change; nothing else does.
blank_rows <- rbind(main, main[rep(NA_integer_, 5), ])
rownames(blank_rows) <- NULL

# --- helpers --------------------------------------------------------------------------------
columns <- function(d) lapply(as.list(d), function(v) unname(v))

alpha_case <- function(name, data, keys, missing, note) {
  x <- if (missing == "listwise") na.omit(data) else data
  a <- suppressWarnings(alpha(x, keys = keys, warnings = FALSE))
  tot <- a$total
  drop <- a$alpha.drop
  st <- a$item.stats
  list(
    name = name,
    note = note,
    data = columns(data),
    columns = colnames(data),
    reverse = if (is.null(keys)) list() else as.list(keys),
    missing = missing,
    total = list(
      raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha, G6 = tot$`G6(smc)`,
      average_r = tot$average_r, s_n = tot$`S/N`, ase = tot$ase, mean = tot$mean,
      sd = tot$sd, median_r = tot$median_r, var_r = unname(a$var.r), n_obs = nrow(x)
    ),
    alpha_drop = list(
      raw_alpha = drop$raw_alpha, std_alpha = drop$std.alpha, G6 = drop$`G6(smc)`,
      average_r = drop$average_r, s_n = drop$`S/N`,
      alpha_se = if ("alpha se" %in% names(drop)) drop$`alpha se` else NULL,
      var_r = drop$var.r, med_r = drop$med.r
    ),
    item_stats = list(
      n = unname(st$n), raw_r = st$raw.r, std_r = st$std.r, r_cor = st$r.cor,
      r_drop = st$r.drop, mean = st$mean, sd = st$sd
    ),
    feldt = list(
      lower = unname(unlist(a$feldt$lower.ci)), upper = unname(unlist(a$feldt$upper.ci)),
      conf_level = 0.95
    )
  )
}

omega_case <- function(name, data, missing) {
  x <- if (missing == "listwise") na.omit(data) else data
  om <- suppressWarnings(suppressMessages(omega(x, nfactors = 1, plot = FALSE)))
  list(
    name = name,
    data = columns(data),
    columns = colnames(data),
    missing = missing,
    n_obs = nrow(x),
    omega_tot = om$omega.tot,
    loadings = unname(om$schmid$sl[, "g"]),
    u2 = unname(om$schmid$sl[, "u2"])
  )
}

# One-factor CFA (maximum likelihood on standardised items, listwise) as a cross-check of
# omega total: omega = (sum of keyed loadings)^2 / ((sum of keyed loadings)^2 + sum of residual
# variances).  ML and psych's minres differ slightly, so the Python test uses a loose tolerance.
lavaan_omega <- function(data) {
  x <- as.data.frame(scale(na.omit(data)))
  model <- paste("f =~", paste(colnames(x), collapse = " + "))
  fit <- cfa(model, data = x, std.lv = TRUE)
  est <- parameterEstimates(fit)
  lam <- est$est[est$op == "=~"]
  theta <- est$est[est$op == "~~" & est$lhs == est$rhs & est$lhs != "f"]
  lam <- lam * sign(lam)  # key every item in the direction of the factor
  sum(lam)^2 / (sum(lam)^2 + sum(theta))
}

kr20_by_hand <- function(data) {
  x <- na.omit(data)
  k <- ncol(x)
  p <- colMeans(x)
  n <- nrow(x)
  # p*q is the item variance with divisor n; the total variance uses the same divisor n.
  total_var <- mean((rowSums(x) - mean(rowSums(x)))^2)
  k / (k - 1) * (1 - sum(p * (1 - p)) / total_var)
}

fixture <- list(
  generated_by = "tests/reference/reliability.R",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  lavaan_version = as.character(packageVersion("lavaan")),
  alpha = list(
    alpha_case("main_pairwise", main, "q4", "pairwise",
               "psych::alpha(x, keys = 'q4'), use = 'pairwise' (the default)"),
    alpha_case("main_listwise", main, "q4", "listwise",
               "psych::alpha(na.omit(x), keys = 'q4')"),
    alpha_case("main_no_keys", main, NULL, "pairwise",
               "psych::alpha(x) without keys: q4 is left unreversed"),
    alpha_case("small_pairwise", small, "c", "pairwise",
               "psych::alpha(small, keys = 'c'): reversal uses min+max over all items"),
    alpha_case("main_blank_rows", blank_rows, "q4", "pairwise",
               "psych::alpha(x, keys = 'q4') with 5 rows of no answers: n.obs counts them"),
    alpha_case("two_items", two, NULL, "pairwise",
               "psych::alpha with two items (special alpha-if-dropped branch)"),
    alpha_case("binary", binary, NULL, "listwise", "psych::alpha on 0/1 items (equals KR-20)")
  ),
  kr20 = list(data = columns(binary), columns = colnames(binary), kr20 = kr20_by_hand(binary),
              n_obs = nrow(binary)),
  omega = list(
    omega_case("main_pairwise", main, "pairwise"),
    omega_case("main_listwise", main, "listwise"),
    omega_case("binary", binary, "listwise"),
    omega_case("heywood", heywood, "pairwise")
  ),
  lavaan_omega = list(main_listwise = lavaan_omega(main))
)

dir.create("fixtures", showWarnings = FALSE)
write_json(fixture, "fixtures/reliability.json", digits = NA, auto_unbox = TRUE, na = "null",
           pretty = TRUE)
