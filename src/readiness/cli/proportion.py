"""The ``readiness proportion`` command: a proportion with its interval, overall and by group.

Without ``--cluster`` every respondent counts as independent and the interval is the one chosen
with ``--interval`` (Wilson by default; see :mod:`readiness.stats.proportions`), with Pearson's
chi-square test across groups, or Fisher's exact test instead when an expected count is below 5
(as ``readiness analyse``).
With ``--cluster`` (and optionally ``--strata``, ``--weights`` and ``--fpc``) the estimates are
design-based: logit intervals, linearised standard errors and design effects as R's survey
package gives them (:mod:`readiness.stats.design`), and the Rao-Scott test across groups.
``--cluster`` and ``--fpc`` may name one column per stage of sampling, separated by spaces
(``--cluster "site session" --fpc "sites sessions"``); ``--fpc`` without ``--cluster`` means
respondents were sampled one by one from a population of that size.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click
import numpy as np
import pandas as pd

from readiness.cli.options import conf_level_option, interval_option, json_option, lonely_psu_option
from readiness.errors import Problem, ProblemsError
from readiness.responses.design import design_columns, missing_columns, survey_design
from readiness.stats.by_group import (
    GroupComparison,
    GroupProportion,
    proportion_by_group,
)
from readiness.stats.design import DesignProportion, SurveyDesign
from readiness.tabular import read_table

_INTERVAL_NAMES = {
    "wilson": "Wilson score",
    "clopper-pearson": "Clopper-Pearson exact",
    "agresti-coull": "Agresti-Coull",
    "jeffreys": "Jeffreys",
}
_DEFAULT_SUCCESS = ({"yes", "no"}, "yes"), ({"true", "false"}, "true"), ({"y", "n"}, "y")


def _missing(cell) -> bool:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return True
    return isinstance(cell, str) and cell.strip() == ""


def _plain(value):
    """A cell as a plain Python value: 1.0 -> 1, stripped text, NumPy scalars unwrapped."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _check_columns(frame: pd.DataFrame, path: str, wanted: list[tuple[str, str | None]]) -> None:
    """Every (option, column) named must be a column of the file."""
    problems = missing_columns(frame, wanted, path)
    if problems:
        raise ProblemsError(problems, file=path)


def _success_values(col: pd.Series, var: str, success: str | None, path: str):  # noqa: C901 - each way a column fails to be binary has its message
    """The variable as 1 (success) / 0 / NaN, and the success code as found in the data."""
    cells = [None if _missing(c) else _plain(c) for c in col.tolist()]
    # text answers are compared without regard to case ("Yes" and "yes" are one answer)
    keys = [None if c is None else _key(c) for c in cells]
    first: dict = {}
    for c, k in zip(cells, keys, strict=True):
        if k is not None and k not in first:
            first[k] = c
    distinct = list(first.values())
    shown = ", ".join(map(repr, distinct[:10])) + (", ..." if len(distinct) > 10 else "")
    if not distinct:
        raise ProblemsError(
            [Problem(f"column {var!r} has no answers.", file=path, column=var)], file=path
        )
    if len(distinct) > 2:
        raise ProblemsError(
            [
                Problem(
                    f"--var {var}: the variable is not binary; it has {len(distinct)} different "
                    f"values ({shown}).",
                    fix="choose a yes/no variable, or recode this one to two values "
                    "(for example 1 = yes, 0 = no).",
                    file=path,
                    column=var,
                )
            ],
            file=path,
        )
    code = None
    if success is not None:
        for exact in (True, False):
            for value in distinct:
                if _matches(value, success, exact):
                    code = value
                    break
            if code is not None:
                break
        if code is None:
            raise ProblemsError(
                [
                    Problem(
                        f"--success {success}: the code does not occur in column {var!r}; its "
                        f"values are {shown}.",
                        fix="give --success one of those values.",
                        file=path,
                        column=var,
                    )
                ],
                file=path,
            )
    else:
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct)
        if numeric and set(distinct) <= {0, 1}:
            code = 1
        elif all(isinstance(v, bool) for v in distinct):
            code = True
        else:
            folded = {str(v).casefold() for v in distinct}
            for options, yes in _DEFAULT_SUCCESS:
                if folded <= options:
                    code = next((v for v in distinct if str(v).casefold() == yes), None)
                    code = code if code is not None else yes
                    break
        if code is None:
            raise ProblemsError(
                [
                    Problem(
                        f"--var {var}: cannot tell which value counts as success ({shown}).",
                        fix="add --success with the value to count, e.g. --success "
                        f"{distinct[0]!s}.",
                        file=path,
                        column=var,
                    )
                ],
                file=path,
            )
    want = _key(code)
    y = np.array([np.nan if k is None else float(k == want) for k in keys])
    return y, code


def _key(value):
    return value.casefold() if isinstance(value, str) else value


def _matches(value, code: str, exact: bool) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(code) == float(value)
        except ValueError:
            return False
    text = str(value)
    return text == code.strip() if exact else text.casefold() == code.strip().casefold()


def _row(label: str, est: GroupProportion) -> dict:
    out: dict = {"group": label, "count": est.count, "n": est.n}
    if est.estimate is None:
        return {**out, "count": 0, "n": 0, "note": "no answers"}
    if isinstance(est.estimate, DesignProportion):
        d = est.estimate
        out.update(
            proportion=d.estimate,
            percent=100 * d.estimate,
            lower=d.lower,
            upper=d.upper,
            se=d.se,
            deff=d.deff_replace,
            deff_without_replacement=d.deff,
            df=d.df,
        )
    else:
        ci = est.estimate
        out.update(
            proportion=ci.proportion, percent=100 * ci.proportion, lower=ci.lower, upper=ci.upper
        )
    return out


def _test(test: GroupComparison) -> dict:
    """The test as ``readiness proportion`` reports it."""
    if test.test == "none":
        return {"note": f"no test: {test.reason}"}
    if test.test == "rao-scott":
        rs = test.rao_scott
        if rs is None:
            return {"note": f"no test: {test.note}"}
        return {
            "test": "Rao-Scott F (second-order; svychisq's default)",
            "statistic": rs.statistic,
            "ndf": rs.ndf,
            "ddf": rs.ddf,
            "p_value": rs.p_value,
            "n": rs.n,
            "mean_deff": rs.mean_deff,
        }
    chi = test.chi_square
    assert chi is not None
    pearson = {"statistic": chi.statistic, "df": chi.df, "p_value": chi.p_value}
    common = {"n": int(chi.n), "cramers_v": test.cramers_v, "min_expected": chi.min_expected}
    if test.fisher is None:
        return {"test": "Pearson chi-square (no continuity correction)", **pearson, **common}
    # as `readiness analyse`: Fisher's exact test is the test; Pearson's is kept for reference
    return {
        "test": test.fisher.method,  # says when the p-value was simulated, and from how many
        "p_value": test.fisher.p_value,
        "fisher_p_value": test.fisher.p_value,
        **common,
        "pearson": pearson,
        "note": (
            f"{test.reason}, so Fisher's exact test is used instead of Pearson's chi-square "
            f"(X-squared = {chi.statistic:.3f}, df = {chi.df}, p = {chi.p_value:.4g})"
        ),
    }


def _design_json(design: SurveyDesign, cluster, strata, weights, fpc) -> dict:
    return {
        "cluster": cluster,
        "stages": (cluster or "").split(),
        "strata": strata,
        "weights": weights,
        "fpc": (fpc or "").split() or None,
        "clusters": design.n_clusters,
        "units_per_stage": list(design.units_per_stage),
        "strata_count": design.n_strata,
        "df": design.degf,
        "lonely_psu": design.lonely_psu,
        "weighted": design.weighted,
        "weights_from_fpc": design.weights_from_fpc,
        "variance_stages": design.variance_stages,
    }


DESIGN_LABEL = (
    "design-based logit interval (svyciprop), linearised SE, design effect vs simple random "
    "sampling with replacement"
)


def _groups(frame: pd.DataFrame, by: str | None) -> tuple[np.ndarray | None, list]:
    """Each row's group as text (None where missing), and the groups sorted; None and [] when
    there is no --by."""
    if not by:
        return None, []
    cells = [None if _missing(c) else _plain(c) for c in frame[by].tolist()]
    labels = sorted({c for c in cells if c is not None}, key=lambda v: (str(type(v)), v))
    return np.array([None if c is None else str(c) for c in cells], dtype=object), labels


def compute(
    frame: pd.DataFrame,
    path: str,
    var: str,
    by: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
    weights: str | None = None,
    interval: str = "wilson",
    success: str | None = None,
    conf_level: float = 0.95,
    lonely_psu: str = "fail",
    fpc: str | None = None,
) -> dict:
    """Everything ``readiness proportion`` reports, as a JSON-ready dictionary.  ``cluster``
    and ``fpc`` may name several columns separated by spaces, one per stage."""
    frame = frame.rename(columns={c: str(c) for c in frame.columns})
    _check_columns(
        frame,
        path,
        [("var", var), ("by", by)]
        + [("cluster", c) for c in (cluster or "").split()]
        + [("strata", strata), ("weights", weights)]
        + [("fpc", c) for c in (fpc or "").split()],
    )
    y, code = _success_values(frame[var], var, success, path)
    designed = bool((cluster or "").split() or (fpc or "").split())
    roles = design_columns(cluster, strata, weights, fpc)
    design = survey_design(frame, roles, path, lonely_psu) if designed else None
    groups, labels = _groups(frame, by)
    answered = ~np.isnan(y)
    out: dict = {
        "file": path,
        "variable": var,
        "success": _plain(code),
        "by": by,
        "conf_level": conf_level,
        "n_rows": len(frame),
        "missing_answers": int((~answered).sum()),
        "missing_group": int(sum(g is None for g in groups)) if groups is not None else 0,
    }
    res = proportion_by_group(
        y, groups, design, levels=[str(lb) for lb in labels], method=interval, conf_level=conf_level
    )
    if design is None:
        out["method"] = interval
        out["method_label"] = f"{_INTERVAL_NAMES[interval]} interval"
        out["design"] = None
    else:
        out["method"] = "logit"
        out["method_label"] = DESIGN_LABEL
        out["design"] = _design_json(design, cluster, strata, weights, fpc)
    out["overall"] = _row("All", res.overall)
    rows = [_row(str(g.group), g) for g in res.groups]
    test = _test(res.test) if by and res.test is not None else None
    # the keys in the order the JSON has always had them
    parts = {"groups": rows, "test": test} if design is None else {"test": test, "groups": rows}
    return {**out, **parts}


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


# long: the report's lines in the order they are printed
def format_report(res: dict) -> str:  # noqa: C901 - optional report lines, one per design feature
    """The human-readable report of :func:`compute`."""
    design = res["design"] is not None
    conf = f"{res['conf_level']:.0%}"
    head = f"{res['variable']} = {res['success']!r} in {res['file']}"
    lines = [head]
    if design:
        d = res["design"]
        stages = d.get("stages") or []
        if stages:
            counts = d.get("units_per_stage") or [d["clusters"]]
            parts = [
                " within ".join(
                    f"{k} {'clusters' if i == 0 else 'units'} ({name})"
                    for i, (name, k) in reversed(list(enumerate(zip(stages, counts, strict=False))))
                )
            ]
        else:
            parts = [f"{res['n_rows']} respondents sampled one by one"]
        if d["strata"]:
            parts.append(f"{d['strata_count']} strata ({d['strata']})")
        if d["weights"]:
            parts.append(f"weights {d['weights']}")
        elif d.get("weights_from_fpc"):
            parts.append("weights from the fpc (population over sample)")
        else:
            parts.append("equal weights")
        if d.get("fpc"):
            parts.append(f"finite population correction {', '.join(d['fpc'])}")
        lines.append(
            f"Design-based estimates: {', '.join(parts)}; {d['df']} degrees of freedom. "
            f"{conf} logit intervals (as R's svyciprop), linearised standard errors; deff is "
            "the design effect against simple random sampling with replacement. Counts and n "
            "are unweighted; % is weighted."
        )
    else:
        lines.append(
            f"{conf} {res['method_label']}s; respondents treated as independent "
            "(give --cluster for design-based estimates)."
        )
    header = ["group", "count", "n", "%", f"{conf} interval"]
    if design:
        header += ["SE %", "deff"]
    table = [header]
    for row in [res["overall"], *res["groups"]]:
        if row["n"] == 0:
            table.append(
                [str(row["group"]), "0", "0", "-", row.get("note", "-")]
                + (["", ""] if design else [])
            )
            continue
        cells = [
            str(row["group"]),
            str(row["count"]),
            str(row["n"]),
            _fmt(row["percent"]),
            f"{_fmt(100 * row['lower'])} to {_fmt(100 * row['upper'])}",
        ]
        if design:
            cells += [_fmt(100 * row["se"], 2), _fmt(row["deff"], 2)]
        table.append(cells)
    widths = [max(len(r[j]) for r in table) for j in range(len(header))]
    lines.append("")
    for r in table:
        lines.append(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    notes = []
    if res["missing_answers"]:
        notes.append(f"{res['missing_answers']} respondent(s) did not answer and are not counted.")
    if res["by"] and res["missing_group"]:
        notes.append(f"{res['missing_group']} respondent(s) have no {res['by']} (in 'All' only).")
    small = [r["group"] for r in [res["overall"], *res["groups"]] if 0 < r["n"] < 5]
    if small:
        notes.append(
            f"fewer than 5 respondents in {', '.join(map(str, small))}: suppress before sharing."
        )
    no_df = [r["group"] for r in res["groups"] if r["n"] > 0 and design and r["df"] <= 0]
    if no_df:
        notes.append(
            f"no interval for {', '.join(map(str, no_df))}: its respondents are in one cluster "
            "per stratum, which leaves no degrees of freedom for a design-based interval."
        )
    test = res.get("test")
    if test:
        lines.append("")
        if "test" not in test:
            lines.append(f"Test of difference across {res['by']}: {test['note']}")
        elif design:
            lines.append(
                f"Test of difference across {res['by']}: {test['test']}: "
                f"F = {test['statistic']:.3f} on {test['ndf']:.2f} and {test['ddf']:.2f} df, "
                f"p = {test['p_value']:.4g}"
            )
        else:
            statistic = (
                ""
                if "statistic" not in test  # Fisher's exact test has none
                else f"X-squared = {test['statistic']:.3f}, df = {test['df']}, "
            )
            lines.append(
                f"Test of difference across {res['by']}: {test['test']}: "
                f"{statistic}p = {test['p_value']:.4g}; Cramer's V = {test['cramers_v']:.3f}"
            )
            if "note" in test:
                notes.append(test["note"] + ".")
    if notes:
        lines.append("")
        lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


@click.command("proportion")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--var", "var", required=True, metavar="COLUMN", help="The yes/no variable.")
@click.option("--by", metavar="COLUMN", help="Give the proportion for each group of COLUMN too.")
@click.option(
    "--cluster",
    metavar="COLUMNS",
    help="Cluster (e.g. trust) ids: design-based estimates. Several columns, one per stage, "
    'outermost first: --cluster "site session".',
)
@click.option(
    "--strata", metavar="COLUMN", help="Strata of the clusters (needs --cluster or --fpc)."
)
@click.option("--weights", metavar="COLUMN", help="Sampling weights (needs --cluster or --fpc).")
@click.option(
    "--fpc",
    metavar="COLUMNS",
    help="Finite population correction, one column per stage as --cluster: the population "
    "size each unit was sampled from, or the sampling fraction (1 or less). Without "
    "--cluster, respondents were sampled one by one.",
)
@interval_option(
    "Interval without --cluster (with --cluster the design-based logit interval is used)."
)
@click.option(
    "--success",
    metavar="CODE",
    help="The value counted as success (default: 1, yes or true when the variable has those).",
)
@conf_level_option()
@lonely_psu_option()
@json_option()
def proportion(
    file: Path,
    var: str,
    by: str | None,
    cluster: str | None,
    strata: str | None,
    weights: str | None,
    fpc: str | None,
    interval: str,
    success: str | None,
    conf_level: float,
    lonely_psu: str,
    as_json: bool,
) -> None:
    """A proportion with its confidence interval, overall and by group, from a table FILE.

    \b
    readiness proportion survey.csv --var trained --by discipline
    readiness proportion survey.csv --var trained --by discipline --cluster trust --json
    readiness proportion survey.csv --var trained --cluster "trust session" --fpc "trusts sessions"
    """
    if (strata or weights) and not (cluster or fpc):
        raise click.UsageError(
            "--strata and --weights need --cluster (the cluster ids), or --fpc when "
            "respondents were sampled one by one."
        )
    from readiness.responses.read import require_rows

    frame = read_table(file)
    require_rows(frame, file)  # 'FILE has a header but no rows'
    res = compute(
        frame,
        str(file),
        var,
        by=by,
        cluster=cluster,
        strata=strata,
        weights=weights,
        interval=interval,
        success=success,
        conf_level=conf_level,
        lonely_psu=lonely_psu,
        fpc=fpc,
    )
    if as_json:
        from readiness.stats.result import jsonable

        click.echo(json.dumps(jsonable(res), indent=2))
    else:
        click.echo(format_report(res))
