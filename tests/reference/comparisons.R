# Reference values for readiness.stats.comparisons (run by tests/reference/run.sh).
# chisq.test (with and without Yates' correction), fisher.test for 2 x 2 and r x 2 tables,
# Cramer's V from its formula (with Bergsma's 2013 bias correction), and survey::svychisq
# (Rao-Scott "F" and "Chisq") on a synthetic clustered survey built here with a fixed seed.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

# --- the same synthetic survey as design.R: 782 staff, 10 trusts, 3 regions ------------------
source("common/survey_data.R")
d <- data.frame(trust, region, weight, discipline, trained, contact, confident,
                stringsAsFactors = FALSE)

# --- tables -----------------------------------------------------------------------------------
num <- function(x) as.numeric(unname(x))
cramer <- function(tab) {
  tab <- as.matrix(tab)
  nn <- sum(tab); r <- nrow(tab); k <- ncol(tab)
  x2 <- num(suppressWarnings(chisq.test(tab, correct = FALSE))$statistic)
  phi2 <- x2 / nn
  phi2c <- max(0, phi2 - (k - 1) * (r - 1) / (nn - 1))
  rc <- r - (r - 1)^2 / (nn - 1)
  kc <- k - (k - 1)^2 / (nn - 1)
  c(v = sqrt(phi2 / (min(r, k) - 1)), v_corrected = sqrt(phi2c / min(kc - 1, rc - 1)))
}

tables <- list(
  two_by_two = matrix(c(12, 5, 7, 19), 2),
  tea_tasting = matrix(c(3, 1, 1, 3), 2),
  discipline_by_trained = unclass(table(d$discipline, d$trained)),
  five_by_two_balanced = matrix(c(30, 41, 25, 52, 38, 126, 115, 131, 104, 120), 5),
  two_by_five = t(matrix(c(3, 0, 5, 2, 9, 4, 1, 6, 2, 8), 5)),
  three_by_two_ties = matrix(c(2, 3, 2, 3, 2, 3), 3),
  four_by_two_zero = matrix(c(0, 4, 7, 2, 5, 1, 3, 9), 4),
  three_by_three = matrix(c(10, 4, 6, 3, 12, 5, 7, 2, 11), 3)
)

table_results <- list()
for (name in names(tables)) {
  tab <- tables[[name]]
  x2 <- suppressWarnings(chisq.test(tab, correct = FALSE))
  x2c <- suppressWarnings(chisq.test(tab, correct = TRUE))
  res <- list(
    table = unname(lapply(seq_len(nrow(tab)), function(i) num(tab[i, ]))),
    chisq = list(statistic = num(x2$statistic), df = num(x2$parameter),
                 p_value = num(x2$p.value), expected = unname(lapply(
                   seq_len(nrow(tab)), function(i) num(x2$expected[i, ])))),
    chisq_corrected = list(statistic = num(x2c$statistic), df = num(x2c$parameter),
                           p_value = num(x2c$p.value)),
    cramers_v = num(cramer(tab)[1]), cramers_v_corrected = num(cramer(tab)[2])
  )
  if (nrow(tab) == 2 || ncol(tab) == 2) {
    res$fisher_p <- num(fisher.test(tab)$p.value)
  }
  table_results[[name]] <- res
}

# Random r x 2 tables (2 to 6 rows, 10 to 400 respondents) for fisher.test.
set.seed(7)
random_fisher <- list()
while (length(random_fisher) < 30) {
  r <- sample(2:6, 1)
  nn <- sample(c(10, 30, 100, 400), 1)
  x <- matrix(rmultinom(1, nn, runif(2 * r))[, 1], r)
  x <- x[rowSums(x) > 0, , drop = FALSE]
  if (nrow(x) < 2 || any(colSums(x) == 0)) next
  p <- tryCatch(fisher.test(x, workspace = 2e8)$p.value, error = function(e) NA)
  if (is.na(p)) next
  random_fisher[[length(random_fisher) + 1]] <- list(
    table = unname(lapply(seq_len(nrow(x)), function(i) num(x[i, ]))), p_value = p)
}

# --- Rao-Scott -----------------------------------------------------------------------------------
designs <- list(
  stratified = svydesign(ids = ~trust, strata = ~region, weights = ~weight, data = d),
  clustered = suppressWarnings(svydesign(ids = ~trust, data = d)),
  weighted = svydesign(ids = ~trust, weights = ~weight, data = d)
)
pairs <- list(c("trained", "discipline"), c("contact", "discipline"), c("trained", "contact"),
              c("confident", "region"))
rao_scott <- list()
for (dn in names(designs)) {
  for (pr in pairs) {
    f <- as.formula(paste0("~", pr[1], "+", pr[2]))
    fs <- svychisq(f, designs[[dn]], statistic = "F")
    cs <- svychisq(f, designs[[dn]], statistic = "Chisq")
    rao_scott[[length(rao_scott) + 1]] <- list(
      design = dn, y = pr[1], group = pr[2],
      f = list(statistic = num(fs$statistic), ndf = num(fs$parameter["ndf"]),
               ddf = num(fs$parameter["ddf"]), p_value = num(fs$p.value)),
      chisq = list(statistic = num(cs$statistic), df = num(cs$parameter),
                   p_value = num(cs$p.value))
    )
  }
}

# A design with a lonely PSU (region "South" reduced to trust 9), lonely.psu = "adjust".
options(survey.lonely.psu = "adjust")
lonely_des <- svydesign(ids = ~trust, strata = ~region, weights = ~weight,
                        data = d[d$trust %in% c(1:7, 9), ])
lf <- svychisq(~trained + discipline, lonely_des)
lonely <- list(statistic = num(lf$statistic), ndf = num(lf$parameter["ndf"]),
               ddf = num(lf$parameter["ddf"]), p_value = num(lf$p.value))
options(survey.lonely.psu = "fail")

write_json(
  list(source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
       data = as.list(d), tables = table_results, random_fisher = random_fisher, rao_scott = rao_scott,
       lonely_trusts = c(1:7, 9), lonely_adjust = lonely),
  "fixtures/comparisons.json", digits = NA, auto_unbox = TRUE, na = "null"
)
