# Reference values for readiness.stats.comparisons (run by tests/reference/run.sh).
# chisq.test (with and without Yates' correction), fisher.test for 2 x 2 and r x 2 tables (and
# with simulate.p.value = TRUE for a 64 x 2 table), Cramer's V from its formula (with Bergsma's
# 2013 bias correction), and survey::svychisq (Rao-Scott "F" and "Chisq", also with a group level
# whose members never answered y) on a synthetic clustered survey built here with a fixed seed;
# and svychisq on R's own data(api) with a finite population correction at one stage
# (apiclus1) and two (apiclus2), also after post-stratifying and raking to apipop's counts.
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

# --- a group level with no respondent who answered y -----------------------------------------
# Everyone in the "Dental" discipline has trained = NA.  svychisq takes the levels of each
# variable from the whole design (unique(design$variables[, ...]) with NA left out), so the
# level stays in Rao and Scott's Delta (a zero cell proportion, 0 in its inverse) and in the
# degrees of freedom of "Chisq"; the Pearson statistic comes from svytable, which has no
# column for it.  The F and its degrees of freedom differ from svychisq on the data without
# the level.
d$trained_no_dental <- ifelse(d$discipline == "Dental", NA, d$trained)
empty_level <- list()
for (dn in c("stratified", "clustered")) {
  des <- update(designs[[dn]], trained_no_dental = d$trained_no_dental)
  fs <- svychisq(~trained_no_dental + discipline, des, statistic = "F")
  cs <- svychisq(~trained_no_dental + discipline, des, statistic = "Chisq")
  without <- svychisq(~trained_no_dental + discipline,
                      subset(des, discipline != "Dental"), statistic = "F")
  empty_level[[length(empty_level) + 1]] <- list(
    design = dn, y = "trained_no_dental", group = "discipline", empty = "Dental",
    f = list(statistic = num(fs$statistic), ndf = num(fs$parameter["ndf"]),
             ddf = num(fs$parameter["ddf"]), p_value = num(fs$p.value)),
    chisq = list(statistic = num(cs$statistic), df = num(cs$parameter),
                 p_value = num(cs$p.value)),
    f_without_level = list(statistic = num(without$statistic),
                           ndf = num(without$parameter["ndf"]))
  )
}

# --- Fisher's test of a 64 x 2 table: too large for the exact network algorithm -----------------
# fisher.test stops with FEXACT error 7 (workspace) and suggests simulate.p.value = TRUE, which
# draws B random tables with the same margins (r2dtable) and gives
# (1 + #(-sum(lfactorial(table)) <= observed / (1 + 64 eps))) / (B + 1).
set.seed(64)
sizes <- as.vector(rmultinom(1, 782, runif(64, 0.5, 1.5)))
sizes[sizes == 0] <- 1
yes <- rbinom(64, sizes, plogis(qlogis(0.3) + rnorm(64, 0, 0.2)))
large <- cbind(yes, sizes - yes)
exact_error <- tryCatch({ fisher.test(large); "" }, error = function(e) conditionMessage(e))
set.seed(1)
p_2000 <- fisher.test(large, simulate.p.value = TRUE, B = 2000)$p.value
set.seed(2)
p_precise <- fisher.test(large, simulate.p.value = TRUE, B = 1e6)$p.value
fisher_large <- list(
  table = unname(lapply(seq_len(nrow(large)), function(i) num(large[i, ]))),
  exact_error = exact_error, p_value_2000 = p_2000, p_value_1e6 = p_precise,
  statistic = -sum(lfactorial(large))
)

# --- Rao-Scott with a finite population correction, at one and two stages (data(api)) ---------
# svychisq's Delta comes from svymean of the cells, whose variance with an fpc at every stage is
# survey's multistage estimator (svyrecvar over districts, then schools within districts).
# apiclus1: 15 districts of 757 (fpc); apiclus2: districts (fpc1), then schools within them
# (fpc2).  y with missing answers (sw_na, every 7th school) and a level of y whose schools never
# answered (aw_no_h: missing for every high school) are included; also the same tests after
# raking apiclus2 and post-stratifying apiclus1 to the population counts of apipop.
data(api)
api_frame <- function(d, fpc_cols) {
  out <- data.frame(row = seq_len(nrow(d)), dnum = d$dnum, snum = d$snum,
                    stype = as.character(d$stype), sw = as.character(d$sch.wide),
                    aw = as.character(d$awards), comp = as.character(d$comp.imp),
                    stringsAsFactors = FALSE)
  for (col in fpc_cols) out[[col]] <- as.numeric(d[[col]])
  out$sw_na <- ifelse(out$row %% 7 == 0, NA, out$sw)
  out$aw_no_h <- ifelse(out$stype == "H", NA, out$aw)
  out
}
api_data <- list(apiclus1 = api_frame(apiclus1, "fpc"),
                 apiclus2 = api_frame(apiclus2, c("fpc1", "fpc2")))
pop_stype <- as.data.frame(table(stype = as.character(apipop$stype)))
pop_sw <- as.data.frame(table(sw = as.character(apipop$sch.wide)))
api_designs <- list(
  clus1_fpc = function() svydesign(ids = ~dnum, fpc = ~fpc, data = api_data$apiclus1),
  clus2_fpc = function() svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2,
                                   data = api_data$apiclus2),
  clus1_fpc_poststratified = function() postStratify(
    svydesign(ids = ~dnum, fpc = ~fpc, data = api_data$apiclus1), ~stype, pop_stype),
  clus2_fpc_raked = function() rake(
    svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = api_data$apiclus2),
    list(~stype, ~sw), list(pop_stype, pop_sw))
)
api_sample <- c(clus1_fpc = "apiclus1", clus2_fpc = "apiclus2",
                clus1_fpc_poststratified = "apiclus1", clus2_fpc_raked = "apiclus2")
api_pairs <- list(c("sw", "stype"), c("aw", "sw"), c("comp", "stype"), c("sw_na", "stype"),
                  c("aw_no_h", "stype"))
rao_scott_api <- list()
for (dn in names(api_designs)) {
  des <- api_designs[[dn]]()
  for (pr in api_pairs) {
    f <- as.formula(paste0("~", pr[1], "+", pr[2]))
    fs <- svychisq(f, des, statistic = "F")
    cs <- svychisq(f, des, statistic = "Chisq")
    rao_scott_api[[length(rao_scott_api) + 1]] <- list(
      design = dn, sample = api_sample[[dn]], y = pr[1], group = pr[2],
      f = list(statistic = num(fs$statistic), ndf = num(fs$parameter["ndf"]),
               ddf = num(fs$parameter["ddf"]), p_value = num(fs$p.value)),
      chisq = list(statistic = num(cs$statistic), df = num(cs$parameter),
                   p_value = num(cs$p.value))
    )
  }
}
api_population <- list(
  stype = list(level = as.character(pop_stype$stype), count = pop_stype$Freq),
  sw = list(level = as.character(pop_sw$sw), count = pop_sw$Freq)
)

write_json(
  list(source = paste("R", R.version.string, "survey", as.character(packageVersion("survey"))),
       data = as.list(d[, setdiff(names(d), "trained_no_dental")]), tables = table_results,
       random_fisher = random_fisher, rao_scott = rao_scott,
       lonely_trusts = c(1:7, 9), lonely_adjust = lonely, rao_scott_empty_level = empty_level,
       fisher_large = fisher_large, api_data = lapply(api_data, as.list),
       api_population = api_population, rao_scott_api = rao_scott_api),
  "fixtures/comparisons.json", digits = NA, auto_unbox = TRUE, na = "null"
)
