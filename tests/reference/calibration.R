# Reference values for readiness.stats.calibration (run by tests/reference/run.sh).
# Weighting a sample to known population counts with R's survey package, on its own data
# (data(api): the California Academic Performance Index; apipop is the population of 6194
# schools, apiclus1 a cluster sample of districts, apistrat a sample stratified by school type,
# apiclus2 a two-stage sample of districts then schools; each with and without fpc):
#   postStratify(design, ~stype, pop)              one variable
#   postStratify(design, ~stype + sch.wide, pop)   two variables crossed
#   rake(design, list(~stype, ~sch.wide), pops)    iterative proportional fitting, with survey's
#                                                  default control and two others
#   calibrate(design, ~stype + api99, totals)      linear (GREG) calibration
#   calibrate(design, ~stype + sch.wide, totals)   linear calibration to two margins
# and for each: the new weights, then svymean/svytotal with their standard errors (computed
# by survey from the residuals of the calibration), including a variable with missing values
# (na.rm = TRUE), and svyciprop(method = "logit") of a 0/1 variable overall and in a domain
# (subset(), which keeps the calibration).  Writes fixtures/calibration.json with the data embedded.
suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
data(api)

num <- function(x) as.numeric(unname(x))
columns <- c("cds", "dnum", "snum", "stype", "sch.wide", "comp.imp", "pw", "fpc", "fpc1",
             "fpc2", "api00", "api99", "enroll", "acs.46")
prepare <- function(d) {
  d <- d[, intersect(columns, names(d))]
  for (v in c("stype", "sch.wide", "comp.imp")) d[[v]] <- as.character(d[[v]])
  d$comp01 <- as.numeric(d$comp.imp == "Yes")
  d$stype <- factor(d$stype)
  d$sch.wide <- factor(d$sch.wide)
  d
}
samples <- list(apiclus1 = prepare(apiclus1), apistrat = prepare(apistrat),
                apiclus2 = prepare(apiclus2))

# The population counts, as a staff-count CSV would give them.
pop_stype <- as.data.frame(table(stype = apipop$stype))
pop_schwide <- as.data.frame(table(sch.wide = apipop$sch.wide))
pop_cross <- as.data.frame(table(stype = apipop$stype, sch.wide = apipop$sch.wide))
N <- nrow(apipop)
totals_api99 <- c(`(Intercept)` = N, stypeH = sum(apipop$stype == "H"),
                  stypeM = sum(apipop$stype == "M"), api99 = sum(apipop$api99))
totals_margins <- c(`(Intercept)` = N, stypeH = sum(apipop$stype == "H"),
                    stypeM = sum(apipop$stype == "M"), sch.wideYes = sum(apipop$sch.wide == "Yes"))

# Without fpc (first-stage units with replacement), with fpc, and R's two-stage example.
designs <- list(
  clus1 = function() svydesign(ids = ~dnum, weights = ~pw, data = samples$apiclus1),
  strat = function() svydesign(ids = ~1, strata = ~stype, weights = ~pw, data = samples$apistrat),
  clus1_fpc = function() svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc,
                                   data = samples$apiclus1),
  strat_fpc = function() svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc,
                                   data = samples$apistrat),
  clus2 = function() svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = samples$apiclus2)
)
sample_of <- c(clus1 = "apiclus1", strat = "apistrat", clus1_fpc = "apiclus1",
               strat_fpc = "apistrat", clus2 = "apiclus2")

# Each calibration returns the design and whether it converged (raking only).
quiet <- function(expr) {
  converged <- TRUE
  des <- withCallingHandlers(expr, warning = function(w) {
    if (grepl("did not converge", conditionMessage(w))) converged <<- FALSE
    invokeRestart("muffleWarning")
  })
  list(design = des, converged = converged)
}
calibrations <- list(
  none = function(des) list(design = des, converged = TRUE),
  poststratify_stype = function(des) quiet(postStratify(des, ~stype, pop_stype)),
  poststratify_cross = function(des) quiet(postStratify(des, ~stype + sch.wide, pop_cross)),
  rake = function(des) quiet(rake(des, list(~stype, ~sch.wide), list(pop_stype, pop_schwide))),
  rake_tight = function(des) quiet(rake(des, list(~stype, ~sch.wide),
                                        list(pop_stype, pop_schwide),
                                        control = list(maxit = 100, epsilon = 1e-10))),
  rake_maxit2 = function(des) quiet(rake(des, list(~sch.wide, ~stype),
                                         list(pop_schwide, pop_stype),
                                         control = list(maxit = 2, epsilon = 1e-12))),
  linear_api99 = function(des) quiet(calibrate(des, ~stype + api99, totals_api99,
                                               calfun = "linear")),
  linear_margins = function(des) quiet(calibrate(des, ~stype + sch.wide, totals_margins,
                                                 calfun = "linear"))
)

estimates <- function(des) {
  est <- list()
  for (v in c("api00", "enroll", "comp01", "acs.46")) {
    f <- as.formula(paste0("~", v))
    m <- svymean(f, des, na.rm = TRUE)
    t <- svytotal(f, des, na.rm = TRUE)
    est[[v]] <- list(mean = num(coef(m)), mean_se = num(SE(m)),
                     total = num(coef(t)), total_se = num(SE(t)))
  }
  # a proportion with its logit interval, overall and in a domain (subset keeps the calibration)
  prop <- function(d) {
    ci <- svyciprop(~comp01, d, method = "logit", level = 0.9)
    m <- svymean(~comp01, d, deff = "replace")
    list(estimate = num(ci), se = num(SE(m)), lower = num(attr(ci, "ci"))[1],
         upper = num(attr(ci, "ci"))[2], deff_replace = num(deff(m)), df = degf(d))
  }
  est$proportion <- prop(des)
  est$domain <- prop(subset(des, stype == "M"))
  est
}

results <- list()
for (dn in names(designs)) {
  for (cn in names(calibrations)) {
    out <- calibrations[[cn]](designs[[dn]]())
    des <- out$design
    results[[length(results) + 1]] <- list(
      design = dn, sample = sample_of[[dn]], calibration = cn, converged = out$converged,
      weights = num(weights(des)), degf = degf(des), estimates = estimates(des)
    )
  }
}

frame <- function(d) {
  d$stype <- as.character(d$stype)
  d$sch.wide <- as.character(d$sch.wide)
  as.list(d)
}
write_json(
  list(source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
       data = lapply(samples, frame),
       population = list(
         stype = list(level = as.character(pop_stype$stype), count = pop_stype$Freq),
         sch.wide = list(level = as.character(pop_schwide$sch.wide), count = pop_schwide$Freq),
         cross = list(stype = as.character(pop_cross$stype),
                      sch.wide = as.character(pop_cross$sch.wide), count = pop_cross$Freq),
         N = N, api99 = sum(apipop$api99)),
       results = results),
  "fixtures/calibration.json", digits = NA, auto_unbox = TRUE, na = "null"
)
