# Reference values for readiness.stats.design on R's own survey data (run by run.sh).
# data(api): the California Academic Performance Index samples that come with the survey
# package.  Designs with a finite population correction (population sizes and sampling
# fractions), strata, weights and two stages of clusters; for each, svymean, svytotal,
# svyquantile, svyvar and svyciprop overall and by school type (subset() and svyby).
# Writes fixtures/design_api.json with the data embedded, so the Python tests need no R.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(survey.lonely.psu = "fail")
data(api)

# Columns kept for the tests: cluster and strata ids, fpc, weights and three variables
# (api00 numeric, enroll numeric with missing values in apiclus2, sw and aw coded 0/1).
keep <- function(d, extra = character()) {
  out <- data.frame(
    row = seq_len(nrow(d)), dnum = d$dnum, snum = d$snum, stype = as.character(d$stype),
    pw = d$pw, api00 = d$api00, enroll = as.numeric(d$enroll),
    sw = as.numeric(d$sch.wide == "Yes"), aw = as.numeric(d$awards == "Yes"),
    stringsAsFactors = FALSE
  )
  for (col in extra) out[[col]] <- as.numeric(d[[col]])
  out
}
# A 0/1 variable with missing answers: aw, missing in every 9th school.
with_missing <- function(d) {
  d$aw_na <- ifelse(d$row %% 9 == 0, NA, d$aw)
  d
}
data_sets <- list(
  apisrs = with_missing(keep(apisrs, "fpc")),
  apistrat = with_missing(keep(apistrat, "fpc")),
  apiclus1 = with_missing(keep(apiclus1, "fpc")),
  apiclus2 = with_missing(keep(apiclus2, c("fpc1", "fpc2")))
)
data_sets$apiclus1$frac <- 15 / data_sets$apiclus1$fpc  # the same fpc as sampling fractions
# apiclus2 with the districts that gave one school made non-certainty units (one more school
# in the population than sampled), so that a lonely unit at stage 2 has to be handled.
data_sets$apiclus2$fpc2_lonely <- ifelse(data_sets$apiclus2$fpc2 == 1, 2, data_sets$apiclus2$fpc2)

# Each design as R builds it; the Python tests build the same from the "spec".
specs <- list(
  srs_fpc = list(data = "apisrs", ids = "1", fpc = "fpc"),
  srs_weights = list(data = "apisrs", ids = "1", weights = "pw"),
  strat_fpc = list(data = "apistrat", ids = "1", strata = "stype", weights = "pw", fpc = "fpc"),
  clus1_fpc = list(data = "apiclus1", ids = "dnum", fpc = "fpc"),
  clus1_frac = list(data = "apiclus1", ids = "dnum", fpc = "frac", weights = "pw"),
  clus1_weights = list(data = "apiclus1", ids = "dnum", weights = "pw"),
  clus2_fpc = list(data = "apiclus2", ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2")),
  clus2_weights = list(data = "apiclus2", ids = c("dnum", "snum"), weights = "pw")
)

# The data are written with every bit (jsonlite keeps 15 significant digits): some weights
# are single-precision values such as 20.3600006103515625, and quantiles turn on exact ties.
exact <- function(d) lapply(d, function(col) {
  if (is.numeric(col)) ifelse(is.na(col), NA, sprintf("%.17g", col)) else col
})

formula_of <- function(cols) as.formula(paste("~", paste(cols, collapse = " + ")))

build <- function(spec) {
  d <- data_sets[[spec$data]]
  args <- list(ids = formula_of(spec$ids), data = d)
  if (!is.null(spec$strata)) args$strata <- formula_of(spec$strata)
  if (!is.null(spec$weights)) args$weights <- formula_of(spec$weights)
  if (!is.null(spec$fpc)) args$fpc <- formula_of(spec$fpc)
  do.call(svydesign, args)
}

num <- function(x) as.numeric(unname(x))

mean_of <- function(des, var) {
  f <- formula_of(var)
  m <- svymean(f, des, na.rm = TRUE, deff = TRUE)
  m_r <- svymean(f, des, na.rm = TRUE, deff = "replace")
  tot <- svytotal(f, des, na.rm = TRUE, deff = TRUE)
  tot_r <- svytotal(f, des, na.rm = TRUE, deff = "replace")
  v <- svyvar(f, des, na.rm = TRUE)
  # svyvar(na.rm = TRUE) counts the rows with a missing value in its n / (n - 1); on the
  # design of the respondents with a value it counts only them (Readiness's sd).
  v_answered <- svyvar(f, des[!is.na(des$variables[[var]]), ])
  df <- degf(des)
  ci_t <- confint(m, df = df)
  ci_z <- confint(m)
  tci_t <- confint(tot, df = df)
  list(
    mean = list(estimate = num(coef(m)), se = num(SE(m)), deff = num(deff(m)),
                deff_replace = num(deff(m_r)), df = df, lower = num(ci_t[1]),
                upper = num(ci_t[2]), lower_z = num(ci_z[1]), upper_z = num(ci_z[2])),
    total = list(estimate = num(coef(tot)), se = num(SE(tot)), deff = num(deff(tot)),
                 deff_replace = num(deff(tot_r)), df = df, lower = num(tci_t[1]),
                 upper = num(tci_t[2])),
    var = num(coef(v)), var_answered = num(coef(v_answered)),
    n = sum(!is.na(des$variables[[var]]))
  )
}

quantile_of <- function(des, var, probs) {
  q <- svyquantile(formula_of(var), des, quantiles = probs, ci = TRUE, na.rm = TRUE)[[1]]
  df <- degf(des[!is.na(des$variables[[var]]), ])
  list(probs = probs, quantile = num(q[, 1]), lower = num(q[, 2]), upper = num(q[, 3]),
       se = num(q[, 4]), df = df)
}

prop_of <- function(des, var) {
  f <- formula_of(var)
  m <- svymean(f, des, na.rm = TRUE, deff = TRUE)
  m_r <- svymean(f, des, na.rm = TRUE, deff = "replace")
  ci <- svyciprop(f, des, method = "logit", na.rm = TRUE)
  list(estimate = num(coef(m)), se = num(SE(m)), deff = num(deff(m)),
       deff_replace = num(deff(m_r)), lower = num(attr(ci, "ci"))[1],
       upper = num(attr(ci, "ci"))[2], df = degf(des))
}

probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
everything <- function(des) {
  out <- list(df = degf(des), means = list(), quantiles = list(), proportions = list())
  for (var in c("api00", "enroll")) {
    out$means[[var]] <- mean_of(des, var)
    out$quantiles[[var]] <- quantile_of(des, var, probs)
  }
  for (var in c("sw", "aw", "aw_na")) out$proportions[[var]] <- prop_of(des, var)
  out
}

results <- list()
for (name in names(specs)) {
  spec <- specs[[name]]
  des <- build(spec)
  d <- data_sets[[spec$data]]
  overall <- everything(des)
  groups <- list()
  for (g in sort(unique(d$stype))) groups[[g]] <- everything(subset(des, stype == g))
  by_mean <- svyby(~api00, ~stype, des, svymean, deff = TRUE)
  by_total <- svyby(~enroll, ~stype, des, svytotal, na.rm = TRUE)
  by_quant <- svyby(~api00, ~stype, des, svyquantile, quantiles = 0.5, ci = TRUE)
  results[[name]] <- list(
    spec = spec, weights = num(weights(des)), overall = overall, groups = groups,
    svyby = list(
      group = as.character(by_mean$stype),
      mean = num(coef(by_mean)), mean_se = num(SE(by_mean)), mean_deff = num(deff(by_mean)),
      total = num(coef(by_total)), total_se = num(SE(by_total)),
      median = num(coef(by_quant)), median_se = num(SE(by_quant))
    )
  )
}

# The finite population correction narrows standard errors by sqrt(1 - n/N) at the first
# stage: the ratios the issue quotes (apiclus1: 15 of 757 districts; apistrat).
fpc_effect <- list(
  clus1 = num(SE(svymean(~api00, build(specs$clus1_fpc)))) /
    num(SE(svymean(~api00, build(specs$clus1_weights)))),
  strat = num(SE(svymean(~api00, build(specs$strat_fpc)))) /
    num(SE(svymean(~api00, build(list(data = "apistrat", ids = "1", strata = "stype",
                                      weights = "pw")))))
)

# Lonely units at stage 2: apiclus2 with fpc2_lonely.  "fail" is an error; the others as R.
lonely <- list()
lonely_spec <- list(data = "apiclus2", ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2_lonely"))
fails <- tryCatch({ svymean(~api00, build(lonely_spec)); FALSE }, error = function(e) TRUE)
stopifnot(fails)
for (how in c("adjust", "certainty", "remove", "average")) {
  options(survey.lonely.psu = how)
  des <- build(lonely_spec)
  m <- svymean(~api00, des)
  mh <- svymean(~api00, subset(des, stype == "H"))
  lonely[[how]] <- list(estimate = num(coef(m)), se = num(SE(m)),
                        se_h = num(SE(mh)), estimate_h = num(coef(mh)))
}
options(survey.lonely.psu = "fail")

# Errors R gives for impossible fpc values (the tests check ours name the problem).
# (as.fpc prints the offending record before it stops; capture.output keeps that quiet.)
quietly <- function(expr) { capture.output(r <- expr); r }
errors <- list(
  too_small = quietly(tryCatch({
    d <- data_sets$apiclus1; d$fpc[] <- 10
    svydesign(ids = ~dnum, fpc = ~fpc, data = d); "no error"
  }, error = function(e) conditionMessage(e))),
  mixed = quietly(tryCatch({
    d <- data_sets$apiclus2; d$fpc2 <- d$fpc2 / 10
    svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = d); "no error"
  }, error = function(e) conditionMessage(e)))
)

write_json(
  list(
    source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
    qrule = "math", interval_type = "mean", probs = probs,
    data = lapply(data_sets, exact), results = results, fpc_effect = fpc_effect,
    lonely_spec = lonely_spec, lonely = lonely, errors = errors
  ),
  "fixtures/design_api.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE
)
