# Reference values for readiness.stats.design (run by tests/reference/run.sh).
# A synthetic workforce survey: 782 respondents in 10 trusts (clusters) of unequal size within
# 3 regions (strata), unequal weights, missing answers, and a discipline with only 4 members.
# Writes fixtures/design.json with the data embedded, so the Python tests need no R.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

source("common/survey_data.R")
d <- data.frame(trust, region, weight, discipline, trained, contact, confident,
                stringsAsFactors = FALSE)

designs <- list(
  stratified = svydesign(ids = ~trust, strata = ~region, weights = ~weight, data = d),
  clustered = suppressWarnings(svydesign(ids = ~trust, data = d)),
  weighted = svydesign(ids = ~trust, weights = ~weight, data = d)
)

num <- function(x) as.numeric(unname(x))

estimate <- function(des, var, level) {
  f <- as.formula(paste0("~", var))
  m <- svymean(f, des, na.rm = TRUE, deff = TRUE)
  m_r <- svymean(f, des, na.rm = TRUE, deff = "replace")
  ci <- svyciprop(f, des, method = "logit", level = level, na.rm = TRUE)
  list(estimate = num(coef(m)), se = num(SE(m)), deff = num(deff(m)),
       deff_replace = num(deff(m_r)), lower = num(attr(ci, "ci"))[1],
       upper = num(attr(ci, "ci"))[2], df = degf(des), ci_estimate = num(ci))
}

results <- list()
for (dn in names(designs)) {
  des <- designs[[dn]]
  for (var in c("trained", "contact", "confident")) {
    for (level in c(0.95, 0.9)) {
      overall <- estimate(des, var, level)
      groups <- list()
      for (g in sort(unique(na.omit(d$discipline)))) {
        sub <- subset(des, !is.na(discipline) & discipline == g)
        groups[[g]] <- estimate(sub, var, level)
      }
      # svyby gives the same domain estimates and standard errors as subset().
      by <- svyby(as.formula(paste0("~", var)), ~discipline, des, svymean, na.rm = TRUE,
                  deff = TRUE)
      results[[length(results) + 1]] <- list(
        design = dn, variable = var, conf_level = level, overall = overall, groups = groups,
        svyby = list(group = as.character(by$discipline), estimate = num(by[[var]]),
                     se = num(SE(by)), deff = num(deff(by)))
      )
    }
  }
}

# A variable nobody answered "yes" to (missing where trained is missing): R's logit interval
# collapses to the estimate (svyglm's intercept runs off to -Inf); its standard error is 0.
zero_d <- d
zero_d$none <- ifelse(is.na(d$trained), NA, 0)
zero_des <- svydesign(ids = ~trust, strata = ~region, weights = ~weight, data = zero_d)
all_zero <- suppressWarnings(estimate(zero_des, "none", 0.95))

# Lonely PSUs: the same data with region "South" reduced to one trust (trust 9).
lonely_d <- d[d$trust %in% c(1:7, 9), ]
lonely <- list()
for (how in c("adjust", "certainty", "remove", "average")) {
  options(survey.lonely.psu = how)
  des <- svydesign(ids = ~trust, strata = ~region, weights = ~weight, data = lonely_d)
  groups <- list()
  for (g in sort(unique(na.omit(lonely_d$discipline)))) {
    sub <- subset(des, !is.na(discipline) & discipline == g)
    groups[[g]] <- estimate(sub, "trained", 0.95)
  }
  lonely[[how]] <- list(overall = estimate(des, "trained", 0.95), groups = groups)
}
options(survey.lonely.psu = "fail")
fails <- tryCatch({
  des <- svydesign(ids = ~trust, strata = ~region, weights = ~weight, data = lonely_d)
  svymean(~trained, des, na.rm = TRUE)
  FALSE
}, error = function(e) TRUE)
stopifnot(fails)

write_json(
  list(source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
       data = as.list(d), results = results, all_zero = all_zero, lonely_trusts = c(1:7, 9), lonely = lonely),
  "fixtures/design.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE
)
