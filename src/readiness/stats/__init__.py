"""Statistical kernels: NumPy arrays in, frozen dataclasses (always carrying ``n``) out.

One function per statistic, named for it; each docstring names its reference (usually the R
function whose results it matches) and states its conventions.  The public functions and result
types are reachable from here, as in pingouin::

    >>> from readiness import stats
    >>> round(stats.cronbach_alpha({"a": [1, 2, 3, 4], "b": [1, 3, 3, 4]}).raw_alpha, 3)
    0.96
    >>> stats.proportion_ci(18, 40).method
    'wilson'

Each name is imported from its module when first used, so that ``import readiness.stats`` (and
``readiness reliability``) loads neither pandas nor statsmodels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readiness.stats.by_group import (
        GroupComparison,
        GroupProportion,
        ProportionByGroup,
        proportion_by_group,
    )
    from readiness.stats.calibration import (
        CalibratedDesign,
        Calibration,
        Margin,
        PopulationTotal,
        SurveyEstimate,
        calibrate,
        calibrated_proportion,
        calibrated_proportion_by,
        post_stratify,
        rake,
        read_margins,
        survey_mean,
        survey_total,
    )
    from readiness.stats.comparisons import (
        ChiSquareResult,
        CramersV,
        FisherResult,
        RaoScottResult,
        chi_square_test,
        cramers_v,
        fisher_exact_test,
        rao_scott_test,
    )
    from readiness.stats.correlation import (
        Correlation,
        CorrelationMatrix,
        Disattenuated,
        correlation_matrix,
        disattenuated_r,
        pearson_r,
        spearman_rho,
    )
    from readiness.stats.design import (
        DesignEstimate,
        DesignEstimates,
        DesignProportion,
        DesignProportions,
        DesignQuantile,
        SurveyDesign,
        design_mean,
        design_mean_by,
        design_proportion,
        design_proportion_by,
        design_quantile,
        design_quantile_by,
        design_total,
        design_total_by,
    )
    from readiness.stats.glm import RegressionCoefficient, RegressionResult, fit_regression
    from readiness.stats.paired import (
        CohensDz,
        Friedman,
        KendallsW,
        McNemar,
        PairedDifference,
        PairedT,
        RankBiserial,
        WilcoxonSignedRank,
        cohens_dz,
        friedman,
        kendalls_w,
        mcnemar,
        newcombe_paired_difference,
        paired_t,
        rank_biserial,
        wilcoxon_signed_rank,
    )
    from readiness.stats.proportions import (
        ProportionInterval,
        agresti_coull_interval,
        clopper_pearson_interval,
        jeffreys_interval,
        proportion_ci,
        wilson_interval,
    )
    from readiness.stats.regression import (
        Coefficient,
        LogisticRegressionResult,
        logistic_regression,
    )
    from readiness.stats.reliability import (
        AlphaBootstrap,
        AlphaResult,
        KR20Result,
        OmegaResult,
        PreparedItems,
        alpha_bootstrap_ci,
        cronbach_alpha,
        kr20,
        omega_total,
        prepare_items,
    )
    from readiness.stats.reliability import omega_total as mcdonald_omega

# module -> the public names it holds (the TYPE_CHECKING imports above say the same to mypy)
_MODULES: dict[str, tuple[str, ...]] = {
    "calibration": (
        "CalibratedDesign",
        "Calibration",
        "Margin",
        "PopulationTotal",
        "SurveyEstimate",
        "calibrate",
        "calibrated_proportion",
        "calibrated_proportion_by",
        "post_stratify",
        "rake",
        "read_margins",
        "survey_mean",
        "survey_total",
    ),
    "comparisons": (
        "ChiSquareResult",
        "CramersV",
        "FisherResult",
        "RaoScottResult",
        "chi_square_test",
        "cramers_v",
        "fisher_exact_test",
        "rao_scott_test",
    ),
    "correlation": (
        "Correlation",
        "CorrelationMatrix",
        "Disattenuated",
        "correlation_matrix",
        "disattenuated_r",
        "pearson_r",
        "spearman_rho",
    ),
    "design": (
        "DesignEstimate",
        "DesignEstimates",
        "DesignProportion",
        "DesignProportions",
        "DesignQuantile",
        "SurveyDesign",
        "design_mean",
        "design_mean_by",
        "design_proportion",
        "design_proportion_by",
        "design_quantile",
        "design_quantile_by",
        "design_total",
        "design_total_by",
    ),
    "glm": ("RegressionCoefficient", "RegressionResult", "fit_regression"),
    "paired": (
        "CohensDz",
        "Friedman",
        "KendallsW",
        "McNemar",
        "PairedDifference",
        "PairedT",
        "RankBiserial",
        "WilcoxonSignedRank",
        "cohens_dz",
        "friedman",
        "kendalls_w",
        "mcnemar",
        "newcombe_paired_difference",
        "paired_t",
        "rank_biserial",
        "wilcoxon_signed_rank",
    ),
    "by_group": (
        "GroupComparison",
        "GroupProportion",
        "ProportionByGroup",
        "proportion_by_group",
    ),
    "proportions": (
        "ProportionInterval",
        "agresti_coull_interval",
        "clopper_pearson_interval",
        "jeffreys_interval",
        "proportion_ci",
        "wilson_interval",
    ),
    "regression": ("Coefficient", "LogisticRegressionResult", "logistic_regression"),
    "reliability": (
        "AlphaBootstrap",
        "AlphaResult",
        "KR20Result",
        "OmegaResult",
        "PreparedItems",
        "alpha_bootstrap_ci",
        "cronbach_alpha",
        "kr20",
        "omega_total",
        "prepare_items",
    ),
}
# other names for the same function, as other packages call it
_ALIASES = {"mcdonald_omega": ("reliability", "omega_total")}

_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "AlphaBootstrap",
    "AlphaResult",
    "CalibratedDesign",
    "Calibration",
    "ChiSquareResult",
    "Coefficient",
    "CohensDz",
    "Correlation",
    "CorrelationMatrix",
    "CramersV",
    "DesignEstimate",
    "DesignEstimates",
    "DesignProportion",
    "DesignProportions",
    "DesignQuantile",
    "Disattenuated",
    "FisherResult",
    "Friedman",
    "GroupComparison",
    "GroupProportion",
    "KR20Result",
    "KendallsW",
    "LogisticRegressionResult",
    "Margin",
    "McNemar",
    "OmegaResult",
    "PairedDifference",
    "PairedT",
    "PopulationTotal",
    "PreparedItems",
    "ProportionByGroup",
    "ProportionInterval",
    "RankBiserial",
    "RaoScottResult",
    "RegressionCoefficient",
    "RegressionResult",
    "SurveyDesign",
    "SurveyEstimate",
    "WilcoxonSignedRank",
    "agresti_coull_interval",
    "alpha_bootstrap_ci",
    "calibrate",
    "calibrated_proportion",
    "calibrated_proportion_by",
    "chi_square_test",
    "clopper_pearson_interval",
    "cohens_dz",
    "correlation_matrix",
    "cramers_v",
    "cronbach_alpha",
    "design_mean",
    "design_mean_by",
    "design_proportion",
    "design_proportion_by",
    "design_quantile",
    "design_quantile_by",
    "design_total",
    "design_total_by",
    "disattenuated_r",
    "fisher_exact_test",
    "fit_regression",
    "friedman",
    "jeffreys_interval",
    "kendalls_w",
    "kr20",
    "logistic_regression",
    "mcdonald_omega",
    "mcnemar",
    "newcombe_paired_difference",
    "omega_total",
    "paired_t",
    "pearson_r",
    "post_stratify",
    "prepare_items",
    "proportion_by_group",
    "proportion_ci",
    "rake",
    "rank_biserial",
    "rao_scott_test",
    "read_margins",
    "spearman_rho",
    "survey_mean",
    "survey_total",
    "wilcoxon_signed_rank",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    # a public name (or a module, stats.design) is imported on first use, then kept here
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _ALIASES:
        module, attribute = _ALIASES[name]
    elif name in _WHERE:
        module, attribute = _WHERE[name], name
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
