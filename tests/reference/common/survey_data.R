# The synthetic workforce survey shared by design.R, comparisons.R and regression.R:
# 782 staff in 10 trusts (clusters) of unequal size within 3 regions (strata), unequal
# weights, missing answers and a discipline with only 4 members.  Sourced by those
# scripts, which run.sh runs from tests/reference/; defines the columns as vectors.
set.seed(20150315)
sizes <- c(142, 35, 98, 61, 120, 47, 88, 23, 101, 67)
trust <- rep(seq_along(sizes), sizes)
region <- c("North", "North", "North", "North", "Midlands", "Midlands", "Midlands",
            "South", "South", "South")[trust]
n <- length(trust)
trust_weight <- c(3.1, 8.4, 2.2, 5.0, 2.9, 6.3, 4.1, 11.8, 2.5, 4.4)
weight <- round(trust_weight[trust] * exp(rnorm(n, 0, 0.25)), 4)
discipline <- sample(c("Nursing", "Medicine", "Midwifery", "Allied health"), n, replace = TRUE,
                     prob = c(0.5, 0.2, 0.15, 0.15))
discipline[sample(n, 4)] <- "Dental"
trust_effect <- rnorm(length(sizes), 0, 0.5)[trust]
disc_effect <- c(Nursing = 0, Medicine = -0.4, Midwifery = 0.5, "Allied health" = -0.2,
                 Dental = 0)[discipline]
trained <- rbinom(n, 1, plogis(-1.4 + trust_effect + disc_effect))
contact <- rbinom(n, 1, plogis(-1.9 + 0.7 * trust_effect))
confident <- rbinom(n, 1, plogis(-1.0 + 0.3 * trust_effect + 0.8 * trained))
trained[sample(n, 31)] <- NA
contact[sample(n, 12)] <- NA
discipline[sample(which(discipline != "Dental"), 6)] <- NA
