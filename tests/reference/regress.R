# Reference values for readiness.stats.glm and the `readiness regress` command (run by
# tests/reference/run.sh), on R's own data (data(api), survey package):
#   logistic: sch.wide (1 = met its growth target) ~ ell + meals + stype
#   linear:   api00 ~ ell + meals + stype, and the same + acs.46 (missing for some schools:
#             complete cases)
# fitted by glm(binomial) with Wald intervals (confint.default) and lm (t intervals) without a
# design, and by svyglm (quasibinomial / gaussian) with its default confint (Wald, t on the
# design's residual degrees of freedom) on:
#   clus1       svydesign(ids = ~dnum, weights = ~pw, data = apiclus1)
#   strat       svydesign(ids = ~1, strata = ~stype, weights = ~pw, data = apistrat)
#   strat_nest  svydesign(ids = ~dnum, strata = ~stype, weights = ~pw, data = apistrat,
#               nest = TRUE): districts repeat across school types, and R refuses the design
#               without nest = TRUE (its message is kept in the fixture)
#   clus1_fpc   the same with fpc = ~fpc
#   clus2       svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2): two stages
#   clus1 raked to stype and sch.wide, and strat post-stratified by stype x sch.wide, with the
#   population counts of apipop.
# Logistic fits use glm.control(epsilon = 1e-14) (see regression.R).  Writes fixtures/regress.json.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
data(api)

columns <- c("cds", "dnum", "snum", "stype", "sch.wide", "pw", "fpc", "fpc1", "fpc2", "api00",
             "ell", "meals", "acs.46")
prepare <- function(d) {
  d <- d[, intersect(columns, names(d))]
  d$stype <- as.character(d$stype)
  d$sch.wide <- as.character(d$sch.wide)
  d$met <- as.numeric(d$sch.wide == "Yes")
  d
}
samples <- list(apiclus1 = prepare(apiclus1), apistrat = prepare(apistrat),
                apiclus2 = prepare(apiclus2))

pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_schwide <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_cross <- as.data.frame(table(stype = apipop$stype, sch.wide = apipop$sch.wide))

nest_error <- tryCatch({
  svydesign(ids = ~dnum, strata = ~stype, weights = ~pw, data = samples$apistrat)
  NA
}, error = conditionMessage)

make_design <- function(name, d) {
  switch(name,
    clus1 = svydesign(ids = ~dnum, weights = ~pw, data = d),
    clus1_fpc = svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = d),
    clus2 = svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = d),
    strat = svydesign(ids = ~1, strata = ~stype, weights = ~pw, data = d),
    strat_nest = svydesign(ids = ~dnum, strata = ~stype, weights = ~pw, data = d, nest = TRUE),
    clus1_raked = rake(svydesign(ids = ~dnum, weights = ~pw, data = d),
                       list(~stype, ~sch.wide), list(pop_stype, pop_schwide)),
    strat_poststratified = postStratify(
      svydesign(ids = ~1, strata = ~stype, weights = ~pw, data = d), ~stype + sch.wide, pop_cross)
  )
}
sample_of <- c(none_clus1 = "apiclus1", none_strat = "apistrat", clus1 = "apiclus1",
               strat = "apistrat", strat_nest = "apistrat", clus1_raked = "apiclus1",
               strat_poststratified = "apistrat", clus1_fpc = "apiclus1", clus2 = "apiclus2")

models <- list(
  logistic = list(formula = met ~ ell + meals + stype, family = "logistic"),
  linear = list(formula = api00 ~ ell + meals + stype, family = "linear"),
  linear_missing = list(formula = api00 ~ ell + meals + stype + acs.46, family = "linear")
)

num <- function(x) as.numeric(unname(x))
table_of <- function(fit, ci) {
  s <- summary(fit)$coefficients
  list(term = rownames(s), estimate = num(s[, 1]), se = num(s[, 2]), statistic = num(s[, 3]),
       p_value = num(s[, 4]), lower = num(ci[, 1]), upper = num(ci[, 2]))
}
tight <- glm.control(epsilon = 1e-14, maxit = 100)

fits <- list()
for (dn in names(sample_of)) {
  for (mn in names(models)) {
    for (ref in c("E", "M")) {
      for (level in c(0.95, 0.9)) {
        d <- samples[[sample_of[[dn]]]]
        d$stype <- relevel(factor(d$stype), ref = ref)
        model <- models[[mn]]
        logistic <- model$family == "logistic"
        if (startsWith(dn, "none")) {
          if (logistic) {
            fit <- glm(model$formula, data = d, family = binomial, control = tight)
            ci <- confint.default(fit, level = level)
          } else {
            fit <- lm(model$formula, data = d)
            ci <- confint(fit, level = level)
          }
          n <- nobs(fit)
          df_residual <- fit$df.residual
        } else {
          des <- make_design(dn, d)
          fit <- svyglm(model$formula, design = des,
                        family = if (logistic) quasibinomial() else gaussian(),
                        control = tight)
          ci <- confint(fit, level = level)
          n <- length(fit$y)
          df_residual <- fit$df.residual
        }
        fits[[length(fits) + 1]] <- c(
          list(design = dn, sample = sample_of[[dn]], model = mn, family = model$family,
               reference = ref, conf_level = level, n = n, df_residual = df_residual),
          table_of(fit, ci))
      }
    }
  }
}

write_json(
  list(source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
       data = lapply(samples, as.list),
       population = list(
         stype = list(level = as.character(pop_stype$stype), count = pop_stype$Freq),
         sch.wide = list(level = as.character(pop_schwide$sch.wide), count = pop_schwide$Freq),
         cross = list(stype = as.character(pop_cross$stype),
                      sch.wide = as.character(pop_cross$sch.wide), count = pop_cross$Freq)),
       nest_error = nest_error,
       fits = fits),
  "fixtures/regress.json", digits = NA, auto_unbox = TRUE, na = "null"
)
