# Reference values for readiness.stats.regression (run by tests/reference/run.sh).
# glm(family = binomial) with Wald intervals (confint.default) and survey::svyglm(family =
# quasibinomial()) with its default confint (Wald, t on the residual design degrees of freedom)
# on a synthetic clustered survey built here with a fixed seed, and svyglm on R's data(api) with
# a finite population correction at one stage (apiclus1) and two (apiclus2).  Both are fitted to full
# convergence (glm.control(epsilon = 1e-14)): with R's default epsilon = 1e-8, IRLS stops one
# step early and the standard errors (computed from the working weights of the last step) are
# off by about 1e-7 relative, so z values differ from the converged ones in the 6th digit.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

# --- the synthetic survey of design.R, plus years of experience -------------------------------
source("common/survey_data.R")
# regression-only columns: staff group (Dental and Allied health merged as "Other") and years
set.seed(42)
staff_group <- ifelse(discipline %in% c("Dental", "Allied health"), "Other", discipline)
years <- round(rgamma(n, 2, 0.2), 1)
years[sample(n, 9)] <- NA
confident <- suppressWarnings(rbinom(n, 1, plogis(-1.2 + 0.9 * ifelse(is.na(trained), 0, trained) + 0.04 * years
                              - 0.5 * (staff_group %in% "Medicine") + 0.3 * trust_effect)))
d <- data.frame(trust, region, weight, staff_group, trained, contact, years, confident,
                stringsAsFactors = FALSE)

num <- function(x) as.numeric(unname(x))
coefs <- function(fit, ci) {
  s <- summary(fit)$coefficients
  list(term = rownames(s), estimate = num(s[, 1]), se = num(s[, 2]), statistic = num(s[, 3]),
       p_value = num(s[, 4]), lower = num(ci[, 1]), upper = num(ci[, 2]))
}

tight <- glm.control(epsilon = 1e-14, maxit = 100)
fits <- list()
formulas <- list(
  main = confident ~ staff_group + trained + years,
  small = contact ~ trained + years
)
for (ref in c("default", "Nursing")) {
  dd <- d
  dd$staff_group <- factor(dd$staff_group)
  if (ref != "default") dd$staff_group <- relevel(dd$staff_group, ref = ref)
  for (fname in names(formulas)) {
    for (level in c(0.95, 0.9)) {
      g <- glm(formulas[[fname]], data = dd, family = binomial, control = tight)
      fits[[length(fits) + 1]] <- c(
        list(kind = "glm", design = NA, formula = fname, reference = ref, conf_level = level,
             n = nobs(g), df_residual = g$df.residual, converged = g$converged),
        coefs(g, confint.default(g, level = level)))
      designs <- list(
        stratified = svydesign(ids = ~trust, strata = ~region, weights = ~weight, data = dd),
        clustered = suppressWarnings(svydesign(ids = ~trust, data = dd)),
        weighted = svydesign(ids = ~trust, weights = ~weight, data = dd)
      )
      for (dn in names(designs)) {
        sg <- svyglm(formulas[[fname]], design = designs[[dn]], family = quasibinomial(),
                     control = tight)
        fits[[length(fits) + 1]] <- c(
          list(kind = "svyglm", design = dn, formula = fname, reference = ref,
               conf_level = level, n = length(sg$y), df_residual = sg$df.residual,
               converged = sg$converged),
          coefs(sg, confint(sg, level = level)))
      }
    }
  }
}

# --- svyglm with a finite population correction, at one and two stages (data(api)) -----------
# apiclus1: 15 districts of 757 (ids = ~dnum, fpc = ~fpc); apiclus2: districts, then schools
# within them (ids = ~dnum + snum, fpc = ~fpc1 + fpc2), whose variance is survey's multistage
# estimator.  sw is sch.wide coded 1 = Yes; acs.46 has missing values (complete cases; no high
# school has it, so stypeH drops out of that model).
data(api)
api_frame <- function(d, fpc_cols) {
  out <- data.frame(dnum = d$dnum, snum = d$snum, stype = as.character(d$stype),
                    sw = as.numeric(d$sch.wide == "Yes"), ell = d$ell, meals = d$meals,
                    acs46 = as.numeric(d$acs.46), stringsAsFactors = FALSE)
  for (col in fpc_cols) out[[col]] <- as.numeric(d[[col]])
  out
}
api_data <- list(apiclus1 = api_frame(apiclus1, "fpc"),
                 apiclus2 = api_frame(apiclus2, c("fpc1", "fpc2")))
api_designs <- list(
  clus1_fpc = list(sample = "apiclus1", design = function() svydesign(
    ids = ~dnum, fpc = ~fpc, data = api_data$apiclus1)),
  clus2_fpc = list(sample = "apiclus2", design = function() svydesign(
    ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = api_data$apiclus2))
)
api_formulas <- list(small = sw ~ ell + meals + stype, missing = sw ~ ell + meals + stype + acs46)
api_fits <- list()
for (dn in names(api_designs)) {
  for (fname in names(api_formulas)) {
    for (level in c(0.95, 0.9)) {
      sg <- svyglm(api_formulas[[fname]], design = api_designs[[dn]]$design(),
                   family = quasibinomial(), control = tight)
      api_fits[[length(api_fits) + 1]] <- c(
        list(design = dn, sample = api_designs[[dn]]$sample, formula = fname,
             conf_level = level, n = length(sg$y), df_residual = sg$df.residual,
             converged = sg$converged),
        coefs(sg, confint(sg, level = level)))
    }
  }
}

write_json(
  list(source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
       data = as.list(d), fits = fits, api_data = lapply(api_data, as.list),
       api_fits = api_fits),
  "fixtures/regression.json", digits = NA, auto_unbox = TRUE, na = "null"
)
