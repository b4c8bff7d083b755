# Reference values for the analysis's figures on a weighted (calibrated) design (run by
# tests/reference/run.sh): what `readiness analyse --rake / --poststratify` reports for a scale
# score or a number item, on R's own data (data(api)) weighted to apipop's counts:
#   svymean(deff = "replace") with confint(df = degf(des)), svyvar on the respondents with a
#   value, svyquantile(quantiles = c(0.25, 0.5, 0.75), ci = TRUE) (Woodruff, qrule "math"),
#   svytotal with confint(df = degf(des)),
# overall and in each school type (subset(), which keeps the calibration), on apiclus1 (ids =
# ~dnum, fpc = ~fpc) post-stratified by stype and apiclus2 (ids = ~dnum + snum, fpc = ~fpc1 +
# fpc2) raked to stype and sch.wide.  Used by tests/analysis/test_weighting.py.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(survey.lonely.psu = "fail")
data(api)

num <- function(x) as.numeric(unname(x))
frame <- function(d, fpc_cols) {
  out <- data.frame(dnum = d$dnum, snum = d$snum, stype = as.character(d$stype),
                    sw = as.character(d$sch.wide), api00 = as.numeric(d$api00),
                    enroll = as.numeric(d$enroll), acs46 = as.numeric(d$acs.46),
                    stringsAsFactors = FALSE)
  for (col in fpc_cols) out[[col]] <- as.numeric(d[[col]])
  out
}
samples <- list(apiclus1 = frame(apiclus1, "fpc"), apiclus2 = frame(apiclus2, c("fpc1", "fpc2")))
pop_stype <- as.data.frame(table(stype = as.character(apipop$stype)))
pop_sw <- as.data.frame(table(sw = as.character(apipop$sch.wide)))

designs <- list(
  clus1_fpc_poststratified = list(sample = "apiclus1", make = function() postStratify(
    svydesign(ids = ~dnum, fpc = ~fpc, data = samples$apiclus1), ~stype, pop_stype)),
  clus2_fpc_raked = list(sample = "apiclus2", make = function() rake(
    svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = samples$apiclus2),
    list(~stype, ~sw), list(pop_stype, pop_sw)))
)

figures <- function(des, var) {
  f <- as.formula(paste0("~", var))
  answered <- !is.na(des$variables[[var]])
  inside <- weights(des) > 0  # a subset() keeps every row, with weight 0 outside the domain
  m <- svymean(f, des, na.rm = TRUE, deff = "replace")
  df <- degf(des)
  ci <- confint(m, df = df)
  # svyvar on the respondents with a value: n / (n - 1) counts them (des[answered, ] keeps the
  # other rows of a calibrated design with weight 0, hence na.rm)
  v <- svyvar(f, des[answered, ], na.rm = TRUE)
  t <- svytotal(f, des, na.rm = TRUE)
  tci <- confint(t, df = df)
  q <- svyquantile(f, des, quantiles = c(0.25, 0.5, 0.75), ci = TRUE, na.rm = TRUE)[[1]]
  list(n = sum(answered & inside), df = df, mean = num(coef(m)), se = num(SE(m)),
       deff_replace = num(deff(m)), lower = num(ci[1]), upper = num(ci[2]),
       sd = sqrt(num(coef(v))), total = num(coef(t)), total_se = num(SE(t)),
       total_lower = num(tci[1]), total_upper = num(tci[2]),
       quantile = num(q[, 1]), quantile_lower = num(q[, 2]), quantile_upper = num(q[, 3]),
       quantile_df = degf(des[answered, ]))
}

results <- list()
for (dn in names(designs)) {
  des <- designs[[dn]]$make()
  for (var in c("api00", "enroll", "acs46")) {
    groups <- list()
    for (g in sort(unique(des$variables$stype))) {
      sub <- subset(des, stype == g)
      # (a subset keeps every row, with weight 0 outside the domain)
      if (sum(!is.na(des$variables[[var]]) & des$variables$stype == g) > 1) {
        groups[[g]] <- figures(sub, var)
      }
    }
    results[[length(results) + 1]] <- list(
      design = dn, sample = designs[[dn]]$sample, variable = var,
      weights = num(weights(des)), overall = figures(des, var), groups = groups
    )
  }
}

write_json(
  list(source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
       data = lapply(samples, as.list),
       population = list(
         stype = list(level = as.character(pop_stype$stype), count = pop_stype$Freq),
         sw = list(level = as.character(pop_sw$sw), count = pop_sw$Freq)),
       results = results),
  "fixtures/weighting.json", digits = NA, auto_unbox = TRUE, na = "null"
)
