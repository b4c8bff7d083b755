# Reference values for readiness.evaluation (the training evaluation: pre, post and follow-up).
#
# Two parts, written to tests/reference/fixtures/evaluation.json with the data embedded so that
# the Python tests need no R.  Run from tests/reference (run.sh does this).
#
# 1. Kernels: p.adjust(p, "holm"); Newcombe's (1998, method 10) interval for the difference of
#    two independent proportions, written out from the formula; the standardised mean
#    difference by formula; lme4::lmer(y ~ wave + (1 | person), REML = TRUE) with
#    anova(m0, m1) (ML refits) on several designs, one of them singular.
# 2. A whole evaluation of a small synthetic cohort (items of the shipped readiness-survey
#    instrument, three waves, attrition, missing answers, responses without a link id),
#    analysed step by step in R as readiness.evaluation.evaluate() should: scoring, matched
#    pairs, binom.test (exact McNemar) with Holm across the knowledge items, the conditional
#    odds ratio from binom.test's Clopper-Pearson interval, Newcombe's paired interval,
#    wilcox.test(exact = FALSE, correct = TRUE), t.test, d_z with its noncentral-t interval,
#    the rank-biserial correlation, indicators as paired proportions, retention (post to
#    follow-up), friedman.test with Kendall's W and pairwise Wilcoxon with Holm on complete
#    cases, lmer on every observation, and the attrition check.
#
# Conventions: every difference is after - before; 2 x 2 tables are table(before, after) with
# levels 0 then 1, so b = table[1, 2] (0 -> 1) and c = table[2, 1] (1 -> 0).
suppressPackageStartupMessages({
  library(jsonlite)
  library(lme4)
})

z_of <- function(conf) qnorm(1 - (1 - conf) / 2)

wilson <- function(k, n, conf = 0.95) {
  z <- z_of(conf)
  centre <- (k + z^2 / 2) / (n + z^2)
  half <- z / (n + z^2) * sqrt(k * (n - k) / n + z^2 / 4)
  c(centre - half, centre + half)
}

newcombe_unpaired <- function(k1, n1, k2, n2, conf = 0.95) {
  if (n1 == 0 || n2 == 0) return(list(difference = NA, lower = NA, upper = NA))
  p1 <- k1 / n1; p2 <- k2 / n2
  a <- wilson(k1, n1, conf); b <- wilson(k2, n2, conf)
  d <- p1 - p2
  list(
    difference = d,
    lower = d - sqrt((p1 - a[1])^2 + (b[2] - p2)^2),
    upper = d + sqrt((a[2] - p1)^2 + (p2 - b[1])^2)
  )
}

newcombe_paired <- function(x, conf = 0.95) {
  r <- x[1, 1]; s <- x[1, 2]; t <- x[2, 1]; u <- x[2, 2]
  n <- r + s + t + u
  p1 <- (r + s) / n; p2 <- (r + t) / n
  ci1 <- wilson(r + s, n, conf); ci2 <- wilson(r + t, n, conf)
  A <- (r + s) * (t + u) * (r + t) * (s + u)
  B <- r * u - s * t
  C <- if (B > n / 2) B - n / 2 else if (B < 0) B else 0
  phi <- if (A > 0) C / sqrt(A) else 0
  D <- p1 - p2
  list(
    difference = D,
    lower = D - sqrt((p1 - ci1[1])^2 - 2 * phi * (p1 - ci1[1]) * (ci2[2] - p2) + (ci2[2] - p2)^2),
    upper = D + sqrt((ci1[2] - p1)^2 - 2 * phi * (ci1[2] - p1) * (p2 - ci2[1]) + (p2 - ci2[1])^2)
  )
}

smd <- function(x, y) {
  x <- x[!is.na(x)]; y <- y[!is.na(y)]
  (mean(x) - mean(y)) / sqrt((var(x) + var(y)) / 2)
}

lmer_fit <- function(y, wave, person) {
  d <- data.frame(y = y, wave = wave, person = factor(person))
  d <- d[!is.na(d$y), ]
  ctrl <- lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14))
  m1 <- suppressMessages(lmer(y ~ wave + (1 | person), data = d, REML = TRUE, control = ctrl))
  m0 <- suppressMessages(lmer(y ~ 1 + (1 | person), data = d, REML = TRUE, control = ctrl))
  a <- suppressMessages(anova(m0, m1))
  vc <- as.data.frame(VarCorr(m1))
  ci <- suppressMessages(confint(m1, method = "Wald", parm = "beta_"))
  list(
    n = nrow(d), n_people = length(unique(d$person)),
    terms = names(fixef(m1)), estimate = unname(fixef(m1)),
    se = unname(sqrt(diag(as.matrix(vcov(m1))))),
    t = unname(coef(summary(m1))[, "t value"]),
    lower = unname(ci[, 1]), upper = unname(ci[, 2]),
    person_variance = vc$vcov[vc$grp == "person"],
    residual_variance = vc$vcov[vc$grp == "Residual"],
    reml_criterion = unname(REMLcrit(m1)),
    lrt_chi_square = a$Chisq[2], lrt_df = a$Df[2], lrt_p_value = a$`Pr(>Chisq)`[2],
    singular = isSingular(m1)
  )
}

# --- 1. kernels -------------------------------------------------------------------------------

holm_cases <- list(
  list(p = c(0.01, 0.04, 0.03)),
  list(p = c(0.01, NA, 0.04, 0.03, 0.04)),
  list(p = c(0.2, 0.2, 0.2, 0.001, 0.5, 1)),
  list(p = c(1e-6, 0.049, 0.051, 0.3, 0.9, 0.0125, 0.0126, 0.7, 0.01, 0.02, 0.03, 0.04, 0.05,
             0.06))
)
for (i in seq_along(holm_cases)) {
  holm_cases[[i]]$holm <- p.adjust(holm_cases[[i]]$p, "holm")
}

newcombe_cases <- list()
for (args in list(c(56, 70, 48, 80), c(9, 10, 3, 10), c(0, 12, 5, 20), c(15, 15, 0, 9),
                  c(30, 44, 10, 31), c(1, 1, 0, 1))) {
  for (conf in c(0.95, 0.9)) {
    r <- newcombe_unpaired(args[1], args[2], args[3], args[4], conf)
    newcombe_cases[[length(newcombe_cases) + 1]] <- c(
      list(count1 = args[1], n1 = args[2], count2 = args[3], n2 = args[4], conf_level = conf), r
    )
  }
}

set.seed(20250101)
smd_cases <- list()
for (sizes in list(c(30, 12), c(5, 40), c(100, 100))) {
  x <- round(rnorm(sizes[1], 7, 2)); y <- round(rnorm(sizes[2], 6, 2.5))
  x[2] <- NA
  smd_cases[[length(smd_cases) + 1]] <- list(x = x, y = y, smd = smd(x, y))
}

lmer_cases <- list()
add_lmer <- function(name, y, wave, person) {
  lmer_cases[[length(lmer_cases) + 1]] <<- c(
    list(name = name, y = y, wave = as.character(wave), person = as.character(person)),
    lmer_fit(y, wave, person)
  )
}
waves3 <- factor(c("pre", "post", "follow_up"), levels = c("pre", "post", "follow_up"))

set.seed(20250102)
n <- 80
person <- rep(sprintf("p%03d", 1:n), each = 3)
wave <- rep(waves3, n)
y <- 6 + c(0, 3, 2)[as.integer(wave)] + rep(rnorm(n, 0, 1.5), each = 3) + rnorm(3 * n, 0, 2)
keep <- runif(3 * n) < c(1, 0.75, 0.35)[as.integer(wave)]
add_lmer("three_waves_attrition", round(y[keep], 3), wave[keep], person[keep])

set.seed(20250103)
n <- 40
person <- rep(sprintf("q%02d", 1:n), each = 2)
wave <- rep(factor(c("pre", "post"), levels = c("pre", "post", "follow_up")), n)
y <- pmin(14, pmax(0, round(7 + 3 * (wave == "post") + rep(rnorm(n, 0, 2), each = 2) +
  rnorm(2 * n, 0, 1.5))))
keep <- c(rep(TRUE, 60), runif(20) < 0.6)
add_lmer("two_waves_scores", y[keep], droplevels(wave[keep]), person[keep])

set.seed(20250104)
n <- 30
person <- rep(sprintf("s%02d", 1:n), each = 3)
wave <- rep(waves3, n)
y <- 3 + 0.5 * (wave == "post") + rnorm(3 * n, 0, 1)  # no person effect: often singular
add_lmer("no_person_effect", round(y, 2), wave, person)

set.seed(20250105)
n <- 50
person <- c(rep(sprintf("a%02d", 1:n), each = 3), sprintf("u%02d", 1:25))
wave <- c(rep(waves3, n), sample(waves3, 25, TRUE))
y <- 3 + c(0, 0.8, 0.5)[as.integer(wave)] + c(rep(rnorm(n, 0, 0.6), each = 3), rnorm(25, 0, 0.6)) +
  rnorm(3 * n + 25, 0, 0.5)
add_lmer("likert_means_with_singletons", round(y, 3), wave, person)

set.seed(20250106)
n <- 20
a <- round(rnorm(n, 3, 1), 2)
person <- rep(sprintf("z%02d", 1:n), each = 2)
wave <- rep(factor(c("pre", "post"), levels = c("pre", "post", "follow_up")), n)
y <- as.vector(rbind(a, 6.5 - a + round(rnorm(n, 0, 0.05), 2)))  # person means all about 3.25
add_lmer("singular", y, droplevels(wave), person)

# --- 2. a whole evaluation --------------------------------------------------------------------

knowledge <- c("k_disclose", "k_see_alone", "k_companion_interp", "k_controlling", "k_border",
               "k_uk_nationals", "k_police_danger", "k_age_doubt", "k_first_responder",
               "k_adult_consent", "k_child_consent", "k_gp_papers", "k_ae_free", "k_urgent_delay")
keys <- c(0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0)  # the instrument's keys: 1 = True, 0 = False
names(keys) <- knowledge
confidence <- c("c_identify", "c_questions", "c_disclosure", "c_refer_men", "c_refer_women",
                "c_refer_children", "c_interpreter", "c_advice")
perceived <- c("pk_signs", "pk_scale", "pk_forms", "pk_health", "pk_enquiry", "pk_routes",
               "pk_entitlements", "pk_services", "pk_law")

set.seed(20250110)
people <- 72
ability <- rnorm(people, 0, 1)
assurance <- rnorm(people, 0, 0.8)
discipline <- sample(1:5, people, TRUE, prob = c(0.3, 0.15, 0.2, 0.1, 0.25))
site <- sample(c("A", "B"), people, TRUE)
difficulty <- seq(1.2, -1.6, length.out = 14)

draw_wave <- function(who, gain, conf_shift) {
  m <- length(who)
  out <- data.frame(site = site[who], discipline = discipline[who])
  for (j in seq_along(knowledge)) {
    p <- plogis(ability[who] + difficulty[j] + gain)
    correct <- runif(m) < p
    dk <- runif(m) < 0.5
    code <- ifelse(correct, keys[j], ifelse(dk, 8, 1 - keys[j]))
    code[runif(m) < 0.03] <- NA
    out[[knowledge[j]]] <- code
  }
  for (item in c(confidence, perceived, "training_enough")) {
    v <- round(2.6 + assurance[who] + conf_shift + rnorm(m, 0, 0.8))
    v <- pmin(5, pmax(1, v))
    v[runif(m) < 0.03] <- NA
    out[[item]] <- v
  }
  out$discipline[runif(m) < 0.04] <- NA
  out
}

# who answered: 60 at pre (4 of them without a link id), 54 at post (48 linked to pre, 6
# who only did the post test), 30 at follow-up (26 linked to a post response, 4 new)
pre_who <- 1:60
post_who <- c(1:48, 61:66)
fu_who <- c(seq(1, 48, by = 2), 61, 62, 67:70)
pre <- draw_wave(pre_who, 0, 0)
post <- draw_wave(post_who, 1.4, 0.9)
fu <- draw_wave(fu_who, 0.8, 0.5)
ids <- sprintf("id%03d", 1:people)
pre$link <- ids[pre_who]; pre$link[c(50, 53, 57, 60)] <- NA
post$link <- ids[post_who]
fu$link <- ids[fu_who]; fu$link[fu_who %in% 69:70] <- NA

score <- function(d) {
  correct <- sapply(knowledge, function(k) ifelse(is.na(d[[k]]), NA, as.numeric(d[[k]] == keys[k])))
  if (is.null(dim(correct))) correct <- matrix(correct, nrow = 1)
  mean_min <- function(m, k) {
    answered <- rowSums(!is.na(m))
    ifelse(answered >= k, rowMeans(m, na.rm = TRUE), NA)
  }
  list(
    correct = correct,
    scales = data.frame(
      perceived_knowledge = mean_min(as.matrix(d[perceived]), 7),
      actual_knowledge = mean_min(correct, 12) * 14,
      confidence = mean_min(as.matrix(d[confidence]), 6)
    )
  )
}
sp <- score(pre); sq <- score(post); sf <- score(fu)

bottom3 <- function(x) ifelse(is.na(x), NA, as.numeric(x %in% 1:3))
indicators <- function(d, s) {
  data.frame(
    lack_knowledge_questions = bottom3(d$c_questions),
    insufficient_training = bottom3(d$training_enough),
    lack_conf_referral_men = bottom3(d$c_refer_men),
    lack_conf_referral_women = bottom3(d$c_refer_women),
    lack_conf_referral_child = bottom3(d$c_refer_children),
    unaware_scale = bottom3(d$pk_scale),
    unaware_police_danger = 1 - s$correct[, "k_police_danger"],
    knowledge_below_half = ifelse(is.na(s$scales$actual_knowledge), NA,
                                  as.numeric(s$scales$actual_knowledge < 7))
  )
}
ip <- indicators(pre, sp); iq <- indicators(post, sq); iff <- indicators(fu, sf)

share <- function(k, n) {
  ci <- if (n > 0) wilson(k, n) else c(NA, NA)
  list(count = k, n = n, percent = if (n > 0) 100 * k / n else NA,
       lower = 100 * ci[1], upper = 100 * ci[2])
}

binary_change <- function(before, after, raw_before = NULL) {
  ok <- !is.na(before) & !is.na(after)
  b0 <- before[ok]; a0 <- after[ok]
  x <- table(factor(b0, levels = 0:1), factor(a0, levels = 0:1))
  b <- x[1, 2]; c <- x[2, 1]
  out <- list(n = sum(ok), a = x[2, 2], b = b, c = c, d = x[1, 1],
              before = share(sum(b0), sum(ok)), after = share(sum(a0), sum(ok)),
              newcombe = newcombe_paired(x))
  if (b + c > 0) {
    bt <- binom.test(b, b + c)
    out$exact_p_value <- bt$p.value
    out$odds_ratio <- if (c > 0) b / c else NA
    out$or_lower <- bt$conf.int[1] / (1 - bt$conf.int[1])
    out$or_upper <- if (bt$conf.int[2] < 1) bt$conf.int[2] / (1 - bt$conf.int[2]) else NA
  } else {
    out$exact_p_value <- 1
  }
  if (!is.null(raw_before)) {
    rb <- raw_before[ok]
    out$dont_know_to_correct <- sum(b0 == 0 & a0 == 1 & rb == 8)
    out$wrong_to_correct <- sum(b0 == 0 & a0 == 1 & rb != 8)
  }
  out
}

ncp_interval <- function(t, df, n, conf) {
  a <- 1 - conf
  f <- function(ncp, p) pt(t, df, ncp) - p
  w <- 10 + abs(t)
  lo <- suppressWarnings(uniroot(f, c(t - w, t + w), p = 1 - a / 2, tol = 1e-14)$root)
  hi <- suppressWarnings(uniroot(f, c(t - w, t + w), p = a / 2, tol = 1e-14)$root)
  c(lo, hi) / sqrt(n)
}

summary_of <- function(x) {
  q <- quantile(x, c(0.25, 0.75), type = 7, names = FALSE)
  list(n = length(x), mean = mean(x), sd = sd(x), median = median(x), q1 = q[1], q3 = q[2])
}

scale_change <- function(before, after, conf = 0.95) {
  ok <- !is.na(before) & !is.na(after)
  b0 <- before[ok]; a0 <- after[ok]
  d <- a0 - b0
  n <- length(d)
  w <- suppressWarnings(wilcox.test(a0, b0, paired = TRUE, exact = FALSE, correct = TRUE))
  tt <- t.test(a0, b0, paired = TRUE, conf.level = conf)
  nz <- d[d != 0]
  rk <- rank(abs(nz))
  r <- (sum(rk[nz > 0]) - sum(rk[nz < 0])) / (length(nz) * (length(nz) + 1) / 2)
  se <- sqrt((2 * n^3 + 3 * n^2 + n) / 6) / ((n^2 + n) / 2)
  rb_ci <- if (abs(r) < 1) tanh(atanh(r) + c(-1, 1) * z_of(conf) * se) else c(NA, NA)
  dz_ci <- ncp_interval(unname(tt$statistic), n - 1, n, conf)
  list(
    n = n, before = summary_of(b0), after = summary_of(a0), median_difference = median(d),
    v = unname(w$statistic), wilcoxon_p = w$p.value, n_zero = sum(d == 0),
    r_rb = r, r_rb_lower = rb_ci[1], r_rb_upper = rb_ci[2],
    mean_difference = mean(d), t_lower = tt$conf.int[1], t_upper = tt$conf.int[2],
    t = unname(tt$statistic), t_p = tt$p.value,
    d_z = mean(d) / sd(d), d_z_lower = dz_ci[1], d_z_upper = dz_ci[2]
  )
}

pairs_of <- function(x, y) {
  common <- intersect(x$link[!is.na(x$link)], y$link[!is.na(y$link)])
  list(i = match(common, x$link), j = match(common, y$link), ids = common)
}
pq <- pairs_of(pre, post)
qf <- pairs_of(post, fu)

items <- list()
for (k in knowledge) {
  items[[k]] <- binary_change(sp$correct[pq$i, k], sq$correct[pq$j, k], pre[[k]][pq$i])
}
holm <- p.adjust(sapply(items, function(x) x$exact_p_value), "holm")
for (k in knowledge) items[[k]]$holm_p <- unname(holm[k])

scales <- list()
for (s in names(sp$scales)) scales[[s]] <- scale_change(sp$scales[[s]][pq$i], sq$scales[[s]][pq$j])

inds <- list()
for (s in names(ip)) inds[[s]] <- binary_change(ip[[s]][pq$i], iq[[s]][pq$j])

retention <- list(
  n = length(qf$ids),
  items = lapply(setNames(knowledge, knowledge), function(k)
    binary_change(sq$correct[qf$i, k], sf$correct[qf$j, k], post[[k]][qf$i])),
  scales = lapply(setNames(names(sq$scales), names(sq$scales)), function(s)
    scale_change(sq$scales[[s]][qf$i], sf$scales[[s]][qf$j])),
  indicators = lapply(setNames(names(iq), names(iq)), function(s)
    binary_change(iq[[s]][qf$i], iff[[s]][qf$j]))
)

# three waves: complete cases (a link id in all three waves)
complete <- Reduce(intersect, list(pre$link, post$link, fu$link))
complete <- complete[!is.na(complete)]
three <- list()
for (s in names(sp$scales)) {
  m <- cbind(sp$scales[[s]][match(complete, pre$link)],
             sq$scales[[s]][match(complete, post$link)],
             sf$scales[[s]][match(complete, fu$link)])
  ok <- complete.cases(m)
  f <- friedman.test(m[ok, ])
  pw <- list()
  for (pair in list(c(1, 2), c(2, 3), c(1, 3))) {
    w <- suppressWarnings(wilcox.test(m[ok, pair[2]], m[ok, pair[1]], paired = TRUE,
                                      exact = FALSE, correct = TRUE))
    pw[[length(pw) + 1]] <- list(waves = c("pre", "post", "follow_up")[pair],
                                 v = unname(w$statistic), p_value = w$p.value)
  }
  holm3 <- p.adjust(sapply(pw, function(x) x$p_value), "holm")
  for (i in 1:3) pw[[i]]$holm_p <- holm3[i]
  # every observation; a response without a link id is a person of its own
  person <- c(ifelse(is.na(pre$link), paste0("pre-row-", seq_len(nrow(pre))), pre$link),
              ifelse(is.na(post$link), paste0("post-row-", seq_len(nrow(post))), post$link),
              ifelse(is.na(fu$link), paste0("fu-row-", seq_len(nrow(fu))), fu$link))
  wave <- factor(rep(c("pre", "post", "follow_up"), c(nrow(pre), nrow(post), nrow(fu))),
                 levels = c("pre", "post", "follow_up"))
  y <- c(sp$scales[[s]], sq$scales[[s]], sf$scales[[s]])
  three[[s]] <- list(
    n = sum(ok), statistic = unname(f$statistic), df = unname(f$parameter),
    p_value = f$p.value, kendalls_w = unname(f$statistic) / (sum(ok) * 2),
    pairwise = pw, mixed = lmer_fit(y, wave, person)
  )
}

# attrition: pre respondents linked to a post response against the rest
matched <- !is.na(pre$link) & pre$link %in% post$link
attr_scales <- lapply(setNames(names(sp$scales), names(sp$scales)), function(s) {
  x <- sp$scales[[s]][matched]; y <- sp$scales[[s]][!matched]
  list(n_matched = sum(!is.na(x)), mean_matched = mean(x, na.rm = TRUE),
       sd_matched = sd(x, na.rm = TRUE), n_unmatched = sum(!is.na(y)),
       mean_unmatched = mean(y, na.rm = TRUE), sd_unmatched = sd(y, na.rm = TRUE),
       smd = smd(x, y))
})
dm <- pre$discipline[matched]; du <- pre$discipline[!matched]
dm <- dm[!is.na(dm)]; du <- du[!is.na(du)]
attr_categories <- lapply(1:5, function(code) {
  c(list(code = code, matched = share(sum(dm == code), length(dm)),
         unmatched = share(sum(du == code), length(du))),
    newcombe_unpaired(sum(dm == code), length(dm), sum(du == code), length(du)))
})

flow <- list(
  pre = nrow(pre), post = nrow(post), follow_up = nrow(fu), matched = length(pq$ids),
  pre_only = nrow(pre) - length(pq$ids), post_only = nrow(post) - length(pq$ids),
  follow_up_matched = length(qf$ids), complete = length(complete),
  unlinkable = list(pre = sum(is.na(pre$link)), post = sum(is.na(post$link)),
                    follow_up = sum(is.na(fu$link)))
)

frame_json <- function(d) lapply(d, function(col) col)

write_json(
  list(
    source = paste("R", R.version.string),
    lme4 = as.character(packageVersion("lme4")),
    holm = holm_cases, newcombe = newcombe_cases, smd = smd_cases, lmer = lmer_cases,
    evaluation = list(
      data = list(pre = frame_json(pre), post = frame_json(post), follow_up = frame_json(fu)),
      flow = flow, items = items, scales = scales, indicators = inds, retention = retention,
      three_waves = three,
      attrition = list(n_matched = sum(matched), n_unmatched = sum(!matched),
                       scales = attr_scales, categories = attr_categories)
    )
  ),
  "fixtures/evaluation.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"
)
