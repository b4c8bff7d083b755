# Reference values for readiness.stats.paired (paired t-test with Cohen's d_z, Wilcoxon
# signed-rank test with the matched-pairs rank-biserial correlation, McNemar's test with the
# exact binomial test, the conditional odds ratio and Newcombe's paired interval, Friedman's
# test with Kendall's W).
#
# Builds its own data with fixed seeds, runs stats::t.test, stats::wilcox.test,
# stats::mcnemar.test, stats::binom.test, stats::friedman.test, effectsize::cohens_d,
# effectsize::rank_biserial, effectsize::kendalls_w and coin::wilcoxsign_test, and writes
# tests/reference/fixtures/paired.json with the data embedded so that the Python tests need no
# R.  Run from tests/reference (run.sh does this).
#
# Conventions (the pairs are (before, after) and every difference is after - before):
# - wilcox.test(after, before, paired = TRUE) with each of exact = NULL / FALSE and
#   correct = TRUE / FALSE; V is the sum of the ranks of the positive differences.
# - The Newcombe (1998) hybrid score interval for paired proportions is written out here from
#   the published formula (Wilson intervals of the two margins, continuity-corrected phi, phi = 0
#   when a margin is empty), as biostatUZH::confIntPairedProportion computes it.
# - The 2 x 2 tables are table(before, after) with the levels 0 then 1: b = table[1, 2] (0 -> 1)
#   and c = table[2, 1] (1 -> 0).
suppressPackageStartupMessages({
  library(jsonlite)
  library(effectsize)
  library(coin)
})

# --- paired numeric data ----------------------------------------------------------------------

# The noncentral-t interval for d_z solved to full precision (effectsize uses optim, which
# stops within about 1e-7 of the root).
ncp_interval <- function(t, df, n, conf) {
  a <- 1 - conf
  f <- function(ncp, p) pt(t, df, ncp) - p
  w <- 10 + abs(t)
  # pt warns about its precision far from the root; only the root matters here
  lo <- suppressWarnings(uniroot(f, c(t - w, t + w), p = 1 - a / 2, tol = 1e-14)$root)
  hi <- suppressWarnings(uniroot(f, c(t - w, t + w), p = a / 2, tol = 1e-14)$root)
  c(lo, hi) / sqrt(n)
}

wilcox_variant <- function(after, before, exact, correct) {
  w <- suppressWarnings(
    wilcox.test(after, before, paired = TRUE, exact = exact, correct = correct)
  )
  list(
    exact = if (is.null(exact)) NA else exact,
    correct = correct,
    statistic = unname(w$statistic),
    p_value = w$p.value,
    method = w$method,
    exact_used = grepl("exact", w$method)
  )
}

paired_case <- function(name, before, after, conf = 0.95) {
  ok <- complete.cases(before, after)
  d <- after[ok] - before[ok]
  n <- sum(ok)
  variants <- list(
    wilcox_variant(after, before, NULL, TRUE),
    wilcox_variant(after, before, NULL, FALSE),
    wilcox_variant(after, before, FALSE, TRUE),
    wilcox_variant(after, before, FALSE, FALSE),
    wilcox_variant(after, before, TRUE, TRUE)
  )
  tt <- t.test(after, before, paired = TRUE, conf.level = conf)
  cd <- suppressWarnings(as.data.frame(cohens_d(after, before, paired = TRUE, ci = conf)))
  rb <- suppressWarnings(as.data.frame(rank_biserial(after, before, paired = TRUE, ci = conf)))
  # The rank-biserial interval by effectsize's formula with n = the number of complete pairs
  # (what effectsize 0.8.3 computes when no `after` value is 0: its code counts the non-zero
  # values of its first vector, which it has not yet turned into differences).
  nz <- d[d != 0]
  r <- (sum(rank(abs(nz))[nz > 0]) - sum(rank(abs(nz))[nz < 0])) / (length(nz) * (length(nz) + 1) / 2)
  se <- sqrt((2 * n^3 + 3 * n^2 + n) / 6) / ((n^2 + n) / 2)
  rb_pairs <- tanh(atanh(r) + c(-1, 1) * qnorm(1 - (1 - conf) / 2) * se)
  pratt <- wilcoxsign_test(after[ok] ~ before[ok], zero.method = "Pratt")
  wilcoxon_coin <- wilcoxsign_test(after[ok] ~ before[ok], zero.method = "Wilcoxon")
  list(
    name = name, conf_level = conf,
    before = before, after = after,
    n = n, n_dropped = sum(!ok), n_zero = sum(d == 0),
    wilcoxon = variants,
    t_test = list(
      t = unname(tt$statistic), df = unname(tt$parameter), p_value = tt$p.value,
      mean_difference = unname(tt$estimate),
      lower = tt$conf.int[1], upper = tt$conf.int[2]
    ),
    cohens_d = list(
      d = cd$Cohens_d, lower = cd$CI_low, upper = cd$CI_high,
      exact_lower = ncp_interval(unname(tt$statistic), n - 1, n, conf)[1],
      exact_upper = ncp_interval(unname(tt$statistic), n - 1, n, conf)[2]
    ),
    rank_biserial = list(
      r = rb$r_rank_biserial, lower = rb$CI_low, upper = rb$CI_high,
      r_formula = r, lower_n_pairs = rb_pairs[1], upper_n_pairs = rb_pairs[2],
      any_after_zero = any(after[ok] == 0)
    ),
    coin = list(
      pratt_z = unname(statistic(pratt, "standardized")[1]),
      pratt_p = pvalue(pratt),
      wilcoxon_z = unname(statistic(wilcoxon_coin, "standardized")[1]),
      wilcoxon_p = pvalue(wilcoxon_coin)
    )
  )
}

likert <- function(n, shift, p = c(.15, .25, .3, .2, .1)) {
  before <- sample(1:5, n, replace = TRUE, prob = p)
  after <- pmin(5, pmax(1, before + sample(c(-1, 0, 1, 2), n, replace = TRUE,
                                            prob = c(.15, .3, .35, .2) + c(0, 0, shift, 0))))
  list(before = before, after = after)
}

paired_cases <- list()
add_paired <- function(...) paired_cases[[length(paired_cases) + 1]] <<- paired_case(...)

# Section 3.8 of the evaluation notes: all non-zero changes positive, then mixed signs.
pre <- c(2, 3, 3, 2, 1, 4, 3, 2, 2, 3, 1, 2)
add_paired("worked_all_positive", pre, c(4, 4, 3, 3, 3, 5, 4, 4, 2, 4, 3, 3))
add_paired("worked_mixed", pre, c(4, 2, 3, 3, 3, 5, 4, 1, 2, 4, 3, 3))
add_paired("worked_mixed_90", pre, c(4, 2, 3, 3, 3, 5, 4, 1, 2, 4, 3, 3), conf = 0.9)

# Exact p-values: no ties, no zeros, n < 50.
add_paired("exact_n5", c(3.1, 2.4, 4.0, 3.3, 2.9), c(3.6, 2.2, 4.9, 4.1, 3.2))
set.seed(20240901)
b10 <- round(rnorm(10, 50, 8), 2)
a10 <- round(b10 + rnorm(10, 2.5, 4), 2)
add_paired("exact_n10", b10, a10)
set.seed(17)
b12 <- round(runif(12, 1, 5), 2)
a12 <- round(b12 - runif(12, -0.6, 1.4), 2)
add_paired("exact_n12_decrease", b12, a12)

# Ties without zeros; zeros without ties; small Likert samples with both.
add_paired("ties_no_zeros_n8", c(1, 2, 2, 3, 1, 2, 3, 2), c(2, 3, 4, 4, 3, 1, 4, 3))
add_paired("zeros_no_ties_n7", c(10, 12, 9, 14, 11, 8, 13), c(11, 12, 12, 10, 16, 8, 20))
set.seed(5)
for (n in c(5, 6, 9, 11)) {
  x <- likert(n, 0.1)
  add_paired(sprintf("likert_n%d", n), x$before, x$after)
}

# Missing answers: pairs with a missing side are dropped.
add_paired("missing_n11", c(2, 3, NA, 2, 1, 4, 3, 2, 2, NA, 1),
           c(4, 2, 3, 3, NA, 5, 4, 1, 2, 4, 3))

# A knowledge score (0-14) where some after scores are 0.
add_paired("knowledge_after_zero", c(3, 5, 2, 8, 6, 4, 1, 7, 9, 2),
           c(0, 9, 0, 12, 10, 4, 3, 11, 13, 6))

# Larger samples: n = 60 without ties (normal approximation because n >= 50) and a Likert
# scale mean with ties and zeros.
set.seed(20240902)
b60 <- round(rnorm(60, 3, 0.7), 4)
a60 <- round(b60 + rnorm(60, 0.3, 0.6), 4)
add_paired("normal_n60_no_ties", b60, a60)
# R's rule: exact below 50 non-zero differences, the normal approximation from 50.
add_paired("exact_n49_no_ties", b60[1:49], a60[1:49])
add_paired("normal_n50_no_ties", b60[1:50], a60[1:50])
set.seed(20240903)
scale_before <- round(rowMeans(matrix(sample(1:5, 60 * 8, TRUE), 60)) * 8) / 8
scale_after <- pmin(5, scale_before + sample(c(-0.25, 0, 0, 0.125, 0.25, 0.5, 0.75), 60, TRUE))
add_paired("likert_mean_n60", scale_before, scale_after)
set.seed(20240904)
x <- likert(60, -0.2)
add_paired("likert_item_n60", x$before, x$after)

# --- paired binary data -----------------------------------------------------------------------

newcombe <- function(x, conf) {
  # x = table(before, after): r = x[1, 1], s = x[1, 2], t = x[2, 1], u = x[2, 2]
  r <- x[1, 1]; s <- x[1, 2]; t <- x[2, 1]; u <- x[2, 2]
  n <- r + s + t + u
  z <- qnorm(1 - (1 - conf) / 2)
  wilson <- function(k) {
    centre <- (k + z^2 / 2) / (n + z^2)
    half <- z / (n + z^2) * sqrt(k * (n - k) / n + z^2 / 4)
    c(centre - half, centre + half)
  }
  p1 <- (r + s) / n; p2 <- (r + t) / n
  ci1 <- wilson(r + s); ci2 <- wilson(r + t)
  l1 <- ci1[1]; u1 <- ci1[2]; l2 <- ci2[1]; u2 <- ci2[2]
  A <- (r + s) * (t + u) * (r + t) * (s + u)
  B <- r * u - s * t
  C <- if (B > n / 2) B - n / 2 else if (B < 0) B else 0
  phi <- if (A > 0) C / sqrt(A) else 0
  D <- p1 - p2
  lower <- D - sqrt((p1 - l1)^2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2)^2)
  upper <- D + sqrt((u1 - p1)^2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2)^2)
  list(difference = D, lower = lower, upper = upper, phi = phi)
}

mcnemar_case <- function(name, x, conf = 0.95, before = NULL, after = NULL) {
  b <- x[1, 2]; c <- x[2, 1]
  out <- list(name = name, conf_level = conf, table = unname(lapply(1:2, function(i) x[i, ])),
              b = b, c = c, n = sum(x))
  if (!is.null(before)) {
    out$before <- before
    out$after <- after
  }
  if (b + c > 0) {
    m1 <- mcnemar.test(x, correct = TRUE)
    m0 <- mcnemar.test(x, correct = FALSE)
    bt <- binom.test(b, b + c, conf.level = conf)
    out$chisq_corrected <- unname(m1$statistic)
    out$p_corrected <- m1$p.value
    out$chisq <- unname(m0$statistic)
    out$p_value <- m0$p.value
    out$exact_p <- bt$p.value
    out$proportion_lower <- bt$conf.int[1]
    out$proportion_upper <- bt$conf.int[2]
    out$odds_ratio <- if (c > 0) b / c else NA
    out$or_lower <- bt$conf.int[1] / (1 - bt$conf.int[1])
    out$or_upper <- if (bt$conf.int[2] < 1) bt$conf.int[2] / (1 - bt$conf.int[2]) else NA
  }
  # the difference (after - before) in the proportion with 1: Newcombe's formula with the
  # table as R's table(before, after) gives p1 - p2 = P(before = 0) - P(after = 0)
  out$newcombe <- newcombe(x, conf)
  out
}

tab <- function(before, after) {
  unclass(table(factor(before, levels = 0:1), factor(after, levels = 0:1)))
}

mcnemar_cases <- list()
add_mcnemar <- function(...) mcnemar_cases[[length(mcnemar_cases) + 1]] <<- mcnemar_case(...)
# Altman et al. 2000, Table 6.2 (section 3.8)
add_mcnemar("altman_table_6_2", rbind(c(14, 5), c(0, 22)))
add_mcnemar("altman_table_6_2_90", rbind(c(14, 5), c(0, 22)), conf = 0.9)
# b = 7, c = 2 (section 3.8: OR 3.5, exact CI 0.666 to 34.53, p = 0.1797)
add_mcnemar("b7_c2", rbind(c(10, 7), c(2, 15)))
add_mcnemar("b_equals_c", rbind(c(5, 4), c(4, 9)))
add_mcnemar("worse_after", rbind(c(20, 3), c(12, 40)))
add_mcnemar("large", rbind(c(30, 25), c(10, 35)))
add_mcnemar("empty_row", rbind(c(0, 0), c(3, 17)))
add_mcnemar("one_discordant", rbind(c(6, 1), c(0, 9)))
set.seed(20240905)
kb <- rbinom(40, 1, 0.45)
ka <- ifelse(kb == 1, rbinom(40, 1, 0.9), rbinom(40, 1, 0.55))
kb[c(3, 17)] <- NA
ka[c(17, 25, 31)] <- NA
ok <- complete.cases(kb, ka)
add_mcnemar("vectors_with_missing", tab(kb[ok], ka[ok]), before = kb, after = ka)

# --- three waves: Friedman and Kendall's W ----------------------------------------------------

friedman_case <- function(name, m) {
  m <- unname(m)
  colnames(m) <- paste0("wave", seq_len(ncol(m)))
  ok <- complete.cases(m)
  f <- friedman.test(m)
  w <- suppressWarnings(as.data.frame(kendalls_w(m[ok, , drop = FALSE], ci = NULL,
                                                 verbose = FALSE)))
  list(
    name = name,
    data = unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ]))),
    n = sum(ok), k = ncol(m), n_dropped = sum(!ok),
    statistic = unname(f$statistic), df = unname(f$parameter), p_value = f$p.value,
    kendalls_w = w$Kendalls_W
  )
}

friedman_cases <- list()
add_friedman <- function(...) friedman_cases[[length(friedman_cases) + 1]] <<- friedman_case(...)
add_friedman("worked_three_waves", cbind(pre, c(4, 4, 3, 3, 3, 5, 4, 4, 2, 4, 3, 3),
                                         c(3, 4, 3, 3, 2, 4, 4, 3, 2, 4, 3, 2)))
set.seed(20240906)
add_friedman("no_ties_n8_k4", matrix(round(rnorm(32, rep(c(0, 0.4, 0.8, 0.5), each = 8)), 3), 8))
add_friedman("two_waves_n10", cbind(b10, a10))
set.seed(20240907)
m <- matrix(sample(1:5, 36, TRUE), 12)
m[c(2, 9), 3] <- NA
m[5, 1] <- NA
add_friedman("likert_missing_n12", m)
set.seed(20240908)
base <- sample(1:5, 60, TRUE)
add_friedman("likert_n60", cbind(base, pmin(5, base + sample(0:2, 60, TRUE)),
                                 pmin(5, base + sample(-1:1, 60, TRUE))))

write_json(
  list(
    source = paste("R", R.version.string),
    effectsize = as.character(packageVersion("effectsize")),
    coin = as.character(packageVersion("coin")),
    paired = paired_cases, mcnemar = mcnemar_cases, friedman = friedman_cases
  ),
  "fixtures/paired.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"
)
