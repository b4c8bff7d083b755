# Reference values for readiness.analysis.items_summary (run by tests/reference/run.sh).
# Choice items: table() of the answers over the instrument's codes, each count's interval by
# prop.test(correct = FALSE) (Wilson) and binom.test (Clopper-Pearson) of those who answered;
# number items: mean, sd, median, quantile(type = 7) quartiles, min and max of the answers.
suppressPackageStartupMessages(library(jsonlite))
set.seed(20261207)

with_missing <- function(x, share) {
  x[sample(length(x), round(length(x) * share))] <- NA
  x
}

choice_case <- function(name, values, codes, conf) {
  answered <- values[!is.na(values)]
  n <- length(answered)
  counts <- as.integer(table(factor(answered, levels = codes)))
  intervals <- lapply(counts, function(k) {
    if (n == 0) return(list(wilson = NULL, clopper_pearson = NULL))
    list(
      wilson = as.numeric(prop.test(k, n, correct = FALSE, conf.level = conf)$conf.int),
      clopper_pearson = as.numeric(binom.test(k, n, conf.level = conf)$conf.int)
    )
  })
  list(name = name, values = values, codes = codes, conf_level = conf, n = n,
       missing = sum(is.na(values)), counts = counts,
       percent = if (n == 0) NULL else 100 * counts / n, intervals = intervals)
}

number_case <- function(name, values) {
  x <- values[!is.na(values)]
  q <- as.numeric(quantile(x, c(0.25, 0.5, 0.75), type = 7))
  list(name = name, values = values, n = length(x), missing = sum(is.na(values)),
       mean = mean(x), sd = if (length(x) > 1) sd(x) else NULL, median = median(x),
       q1 = q[1], q3 = q[3], min = min(x), max = max(x))
}

choices <- list(
  choice_case("likert, one code never chosen",
              with_missing(sample(c(1, 2, 4, 5), 213, TRUE, c(0.1, 0.3, 0.4, 0.2)), 0.06),
              1:5, 0.95),
  choice_case("yes/no", with_missing(sample(c(1, 0), 782, TRUE, c(0.13, 0.87)), 0.01),
              c(1, 0), 0.95),
  choice_case("true/false/don't know at 90%",
              with_missing(sample(c(1, 0, 8), 57, TRUE), 0.1), c(1, 0, 8), 0.90),
  choice_case("every answer the same", rep(3, 12), 1:4, 0.99),
  choice_case("three respondents", c(2, NA, 1, 2), 1:3, 0.95)
)

numbers <- list(
  number_case("years since qualifying", with_missing(round(rexp(300, 1 / 11)), 0.04)),
  number_case("with ties and decimals", c(1.5, 2, 2, 2, 3.25, NA, 10, 0, 2)),
  number_case("two answers", c(4, NA, 9)),
  number_case("one answer", c(NA, 7))
)

write_json(list(source = paste("R", R.version.string), choices = choices, numbers = numbers),
           "fixtures/item_summaries.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
           na = "null", null = "null")
