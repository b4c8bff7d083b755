"""The ``readiness regress`` command: a logistic or linear regression from a table.

Without design options it is R's ``glm(family = binomial)`` (odds ratios with Wald intervals) or
``lm`` (coefficients with t intervals).  With ``--cluster``, ``--strata`` or ``--weights`` it is
``svyglm`` on that design (quasibinomial or gaussian; linearisation standard errors; t on the
design's degrees of freedom), and with ``--rake FILE`` or ``--poststratify FILE`` the weights
are first calibrated to the staff counts in FILE (:mod:`readiness.stats.calibration`).  The
numbers come from :func:`readiness.stats.glm.fit_regression`.

Clusters are always taken as nested in strata: a cluster label found in two strata counts as two
clusters (R's ``nest = TRUE``).  R refuses such a design without ``nest = TRUE``; this command
fits it and prints a warning instead, unless ``--nest`` says the nesting is intended.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import click
import numpy as np
import pandas as pd

from readiness.cli.options import conf_level_option, json_option, lonely_psu_option
from readiness.errors import Problem, ProblemsError
from readiness.stats.calibration import Margin, post_stratify, rake, read_margins
from readiness.stats.design import SurveyDesign
from readiness.stats.glm import FAMILIES, fit_regression

MAX_PROBLEMS = 20
NEST_WARNING = (
    "R refuses this design without nest = TRUE; clusters are treated as nested in strata "
    "(a cluster label found in two strata counts as two clusters)."
)
_YES = ({"yes", "no"}, "yes"), ({"true", "false"}, "true"), ({"y", "n"}, "y")


def _missing(cell) -> bool:
    if cell is None or cell is pd.NA:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and cell.strip() == ""


def _label(cell) -> str | None:
    """A cell as text for a category: 2.0 -> '2', stripped text; None when missing."""
    if _missing(cell):
        return None
    if hasattr(cell, "item"):
        cell = cell.item()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _number(cell) -> float | None:
    """A cell as a number, NaN when missing, None when it is not a number."""
    if _missing(cell):
        return math.nan
    if isinstance(cell, bool):
        return float(cell)
    try:
        value = float(str(cell).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _split(names: str) -> list[str]:
    return [n for n in names.replace(",", " ").split() if n]


def _problems(path: str, problems: list[Problem]) -> None:
    if problems:
        raise ProblemsError(problems[:MAX_PROBLEMS], file=path)


def _check_columns(frame: pd.DataFrame, path: str, wanted: list[tuple[str, str]]) -> None:
    columns = [str(c) for c in frame.columns]
    _problems(
        path,
        [
            Problem(
                f"{option} {name}: there is no column {name!r}.",
                fix="the columns are: " + ", ".join(columns) + ".",
                file=path,
                column=name,
            )
            for option, name in wanted
            if name not in columns
        ],
    )


def _numeric_column(frame, name: str, path: str, what: str) -> np.ndarray:
    values = np.full(len(frame), np.nan)
    problems = []
    for i, cell in enumerate(frame[name].tolist()):
        value = _number(cell)
        if value is None:
            problems.append(
                Problem(
                    f"{what} {name}: {cell!r} is not a number.",
                    fix=f"give {name} as numbers, or leave the cell empty when it is not known.",
                    file=path,
                    row=i + 1,
                    column=name,
                )
            )
        else:
            values[i] = value
    _problems(path, problems)
    return values


def _binary_outcome(frame, name: str, success: str | None, path: str):
    """The outcome as 1 / 0 / NaN, and the value counted as 1."""
    labels = [_label(c) for c in frame[name].tolist()]
    distinct = list(dict.fromkeys(v for v in labels if v is not None))
    shown = ", ".join(map(repr, distinct[:10])) + (", ..." if len(distinct) > 10 else "")
    if not distinct:
        _problems(
            path, [Problem(f"--outcome {name}: the column is empty.", file=path, column=name)]
        )
    code = None
    if success is not None:
        code = next((v for v in distinct if v == success.strip()), None)
        if code is None:
            code = next((v for v in distinct if v.casefold() == success.strip().casefold()), None)
        if code is None:
            _problems(
                path,
                [
                    Problem(
                        f"--success {success}: the value does not occur in {name!r}; its values "
                        f"are {shown}.",
                        fix="give --success one of those values.",
                        file=path,
                        column=name,
                    )
                ],
            )
    elif set(distinct) <= {"0", "1"}:
        code = "1"
    else:
        folded = {v.casefold() for v in distinct}
        for options, yes in _YES:
            if folded <= options:
                code = next((v for v in distinct if v.casefold() == yes), yes)
                break
        if code is None:
            _problems(
                path,
                [
                    Problem(
                        f"--outcome {name}: cannot tell which value counts as 1 for a logistic "
                        f"regression; the values are {shown}.",
                        fix="add --success with the value to count as 1 (every other value "
                        "counts as 0), or use --family linear for a numeric outcome.",
                        file=path,
                        column=name,
                    )
                ],
            )
    y = np.array([np.nan if v is None else float(v == code) for v in labels])
    return y, code


def _predictors(frame, names: list[str], categorical: set[str], path: str) -> pd.DataFrame:
    out = {}
    for name in names:
        col = frame[name]
        numeric = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
            col.dtype
        )
        if numeric and name not in categorical:
            out[name] = col.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        labels = [_label(c) for c in col.tolist()]
        levels = sorted({v for v in labels if v is not None}, key=_level_key)
        out[name] = pd.Categorical(labels, categories=levels)
    return pd.DataFrame(out, index=frame.index)


def _level_key(level: str):
    """Numbers in numeric order (as R's factor of a number), then text in character order."""
    try:
        return (0, float(level), "")
    except ValueError:
        return (1, 0.0, level)


def _labels_of(frame, name: str, option: str, path: str, problems: list[Problem]) -> np.ndarray:
    labels = [_label(c) for c in frame[name].tolist()]
    for i in [i for i, v in enumerate(labels) if v is None][:MAX_PROBLEMS]:
        problems.append(
            Problem(
                f"{option} {name}: the value is missing.",
                fix="every respondent needs one; fill it in or drop the row.",
                file=path,
                row=i + 1,
                column=name,
            )
        )
    return np.array(["" if v is None else v for v in labels], dtype=object)


def _design(frame, path, cluster, strata, weights, lonely_psu):
    """The survey design and the clusters found in more than one stratum."""
    problems: list[Problem] = []
    cl = _labels_of(frame, cluster, "--cluster", path, problems) if cluster else None
    st = _labels_of(frame, strata, "--strata", path, problems) if strata else None
    w = None
    if weights:
        w = np.full(len(frame), np.nan)
        for i, cell in enumerate(frame[weights].tolist()):
            value = _number(cell)
            if value is not None and value > 0:
                w[i] = value
                continue
            problems.append(
                Problem(
                    f"--weights {weights}: the weight is "
                    f"{'missing' if _missing(cell) else repr(cell)}, not a positive number.",
                    fix="every weight must be a positive number.",
                    file=path,
                    row=i + 1,
                    column=weights,
                )
            )
    _problems(path, problems)
    repeated: dict[str, list[str]] = {}
    if cl is not None and st is not None:
        seen: dict[str, list[str]] = {}
        for c, s in zip(cl.tolist(), st.tolist(), strict=True):
            if s not in seen.setdefault(c, []):
                seen[c].append(s)
        repeated = {c: s for c, s in seen.items() if len(s) > 1}
    ids = cl if cl is not None else np.arange(len(frame))  # R's ids = ~1
    return SurveyDesign(ids, strata=st, weights=w, lonely_psu=lonely_psu), repeated


def _calibrate(design, frame, path, margins_path: Path, how: str, problems_warn: list[str]):
    name = str(margins_path)
    margins = read_margins(margins_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if how == "poststratify":
            if len(margins) != 1 or not isinstance(margins[0], Margin):
                found = ", ".join(
                    m.name if isinstance(m, Margin) else f"the total of {m.variable}"
                    for m in margins
                )
                raise ProblemsError(
                    [
                        Problem(
                            f"--poststratify takes one table of counts; this file has {found}.",
                            fix="use --rake for separate margins, or give one table with a "
                            "column per variable and a count column (e.g. "
                            "discipline,site,count) for post-stratification.",
                            file=name,
                        )
                    ],
                    file=name,
                )
            calibrated = post_stratify(design, frame, margins[0], data_name=path)
        else:
            calibrated = rake(design, frame, margins, data_name=path)
    problems_warn += [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return calibrated


def compute(
    frame: pd.DataFrame,
    path: str,
    outcome: str,
    predictors: list[str],
    family: str = "logistic",
    success: str | None = None,
    categorical: list[str] | None = None,
    reference: dict[str, str] | None = None,
    cluster: str | None = None,
    strata: str | None = None,
    weights: str | None = None,
    nest: bool = False,
    rake_file: Path | None = None,
    poststratify_file: Path | None = None,
    conf_level: float = 0.95,
    lonely_psu: str = "fail",
) -> dict:
    """Everything ``readiness regress`` reports, as a JSON-ready dictionary."""
    frame = frame.rename(columns={c: str(c) for c in frame.columns})
    categorical = list(categorical or [])
    wanted = [("--outcome", outcome)] + [("--predictors", p) for p in predictors]
    wanted += [("--categorical", c) for c in categorical]
    wanted += [("--reference", r) for r in (reference or {})]
    wanted += [(o, c) for o, c in (("--cluster", cluster), ("--strata", strata),
                                    ("--weights", weights)) if c]  # fmt: skip
    _check_columns(frame, path, wanted)
    code = None
    if family == "logistic":
        y, code = _binary_outcome(frame, outcome, success, path)
    else:
        y = _numeric_column(frame, outcome, path, "--outcome")
    X = _predictors(frame, predictors, set(categorical), path)
    notes: list[str] = []
    design = None
    repeated: dict = {}
    design_based = bool(cluster or strata or weights or rake_file or poststratify_file)
    if design_based:
        design, repeated = _design(frame, path, cluster, strata, weights, lonely_psu)
        if repeated and not nest:
            first = next(iter(repeated))
            notes.append(
                f"labels of {cluster} repeat across strata of {strata} ({len(repeated)} "
                f"{'label' if len(repeated) == 1 else 'labels'}; {first!r} is in "
                f"{_join(repeated[first])}). {NEST_WARNING} Give --nest to say this is intended."
            )
    weighting = None
    margins_path = rake_file or poststratify_file
    if margins_path is not None:
        how = "rake" if rake_file else "poststratify"
        design = _calibrate(design, frame, path, margins_path, how, notes)
        weighting = {"file": str(margins_path), **design.record.to_dict()}
        weighting["description"] = design.record.describe()
    res = fit_regression(
        y, X, design, family=family, reference=reference or None, conf_level=conf_level
    )
    coefficients = []
    for c in res.coefficients:
        row = c.to_dict()
        if family != "logistic":
            for key in ("odds_ratio", "or_lower", "or_upper"):
                row.pop(key)
        coefficients.append(row)
    out = {
        "file": path,
        "family": family,
        "outcome": outcome,
        "success": code,
        "predictors": predictors,
        "formula": f"{outcome} ~ {' + '.join(predictors)}",
        "n_rows": len(frame),
        "n": res.n,
        "n_dropped": res.n_dropped,
        "df_residual": res.df_residual,
        "statistic": res.statistic_name,
        "conf_level": conf_level,
        "method": res.method,
        "design": None,
        "weighting": weighting,
        "reference": {k: str(v) for k, v in res.reference.items()},
        "coefficients": coefficients,
        "warnings": notes,
    }
    if design is not None:
        out["design"] = {
            "cluster": cluster,
            "strata": strata,
            "weights": weights,
            "nest": nest,
            "clusters_in_several_strata": len(repeated),
            "clusters": design.n_clusters,
            "strata_count": design.n_strata,
            "df": design.degf,
            "lonely_psu": design.lonely_psu,
        }
    return out


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def _p(value) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_report(res: dict) -> str:
    """The human-readable report of :func:`compute`."""
    logistic = res["family"] == "logistic"
    conf = f"{res['conf_level']:.0%}"
    kind = "Logistic" if logistic else "Linear"
    outcome = res["outcome"]
    if logistic and res["success"] not in (None, "1"):
        outcome += f" = {res['success']!r}"
    lines = [f"{kind} regression of {outcome} on {_join(res['predictors'])} in {res['file']}"]
    d = res["design"]
    if d is None:
        lines.append(
            "Respondents treated as independent ("
            + ("glm, binomial; Wald z intervals" if logistic else "lm; t intervals")
            + "). Give --cluster, --strata or --weights for design-based estimates."
        )
    else:
        parts = [f"{d['clusters']} clusters ({d['cluster']})" if d["cluster"] else
                 "respondents sampled one by one"]  # fmt: skip
        if d["strata"]:
            parts.append(f"{d['strata_count']} strata ({d['strata']})")
        parts.append(f"weights {d['weights']}" if d["weights"] else "equal weights")
        family = "quasibinomial" if logistic else "gaussian"
        lines.append(
            f"Survey-weighted (svyglm, {family}): {', '.join(parts)}; "
            f"{res['df_residual']} residual degrees of freedom for the t tests and intervals."
        )
    w = res["weighting"]
    if w is not None:
        lines.append(f"Weighted to the staff counts in {w['file']}: {w['description']}.")
        for m in w["margins"]:
            items = [
                f"{lev} {_count(c)}" for lev, c in zip(m["levels"], m["population"], strict=True)
            ]
            lines += _wrap(f"  {' x '.join(m['variables'])}: ", items)
    if res["n_dropped"]:
        lines.append(
            f"{res['n']} of {res['n_rows']} respondents used; {res['n_dropped']} left out for a "
            "missing value (complete cases only)."
        )
    else:
        lines.append(f"{res['n']} respondents used (none left out).")
    if res["reference"]:
        refs = "; ".join(f"{k} = {v}" for k, v in res["reference"].items())
        lines.append(f"Reference level{'s' if len(res['reference']) > 1 else ''}: {refs}.")
    if logistic:
        header = ["term", "odds ratio", f"{conf} interval", "p"]
        rows = [
            [c["term"], _fmt(c["odds_ratio"]),
             f"{_fmt(c['or_lower'])} to {_fmt(c['or_upper'])}", _p(c["p_value"])]
            for c in res["coefficients"]
        ]  # fmt: skip
    else:
        header = ["term", "coefficient", "SE", f"{conf} interval", "p"]
        rows = [
            [c["term"], _fmt(c["estimate"]), _fmt(c["se"]),
             f"{_fmt(c['lower'])} to {_fmt(c['upper'])}", _p(c["p_value"])]
            for c in res["coefficients"]
        ]  # fmt: skip
    table = [header, *rows]
    widths = [max(len(r[j]) for r in table) for j in range(len(header))]
    lines.append("")
    for r in table:
        lines.append(
            "  ".join(
                c.ljust(wd) if j == 0 else c.rjust(wd)
                for j, (c, wd) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)


def _wrap(head: str, items: list[str], width: int = 100) -> list[str]:
    """``head`` and the items joined by commas, broken only between items."""
    lines, line = [], head
    for j, item in enumerate(items):
        piece = item + ("," if j < len(items) - 1 else "")
        if line.strip() and len(line) + len(piece) + 1 > width and line != head:
            lines.append(line.rstrip())
            line = "    "
        line += piece + " "
    lines.append(line.rstrip())
    return lines


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _references(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, level = value.partition("=")
        if not sep or not name.strip() or not level.strip():
            raise click.BadParameter(
                f"{value!r}: give COLUMN=LEVEL, e.g. discipline=Nursing.", param_hint="--reference"
            )
        out[name.strip()] = level.strip()
    return out


@click.command("regress")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--outcome", required=True, metavar="COLUMN", help="The outcome variable.")
@click.option(
    "--predictors", required=True, metavar='"A B C"', help="The predictors, separated by spaces."
)
@click.option(
    "--family",
    type=click.Choice(FAMILIES),
    default="logistic",
    show_default=True,
    help="logistic: a yes/no outcome, odds ratios; linear: a numeric outcome, coefficients.",
)
@click.option(
    "--success", metavar="VALUE", help="Logistic: the outcome value counted as 1 (default: 1/yes)."
)
@click.option(
    "--categorical", metavar='"A B"', default="", help="Predictors with numeric codes to treat "
    "as categories (text columns always are)."
)  # fmt: skip
@click.option(
    "--reference",
    multiple=True,
    metavar="COLUMN=LEVEL",
    help="Reference level of a categorical predictor (default: the first level).",
)
@click.option("--cluster", metavar="COLUMN", help="Cluster (e.g. trust) ids: design-based.")
@click.option("--strata", metavar="COLUMN", help="Strata of the design.")
@click.option("--weights", metavar="COLUMN", help="Sampling weights.")
@click.option(
    "--nest", is_flag=True, help="Clusters are nested in strata (as R's nest = TRUE): no warning."
)
@click.option(
    "--rake",
    "rake_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Rake the weights to the staff counts in this CSV (variable,level,count).",
)
@click.option(
    "--poststratify",
    "poststratify_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Post-stratify the weights to the counts in this CSV (one table of cells).",
)
@conf_level_option()
@lonely_psu_option()
@json_option()
def regress(
    file: Path,
    outcome: str,
    predictors: str,
    family: str,
    success: str | None,
    categorical: str,
    reference: tuple[str, ...],
    cluster: str | None,
    strata: str | None,
    weights: str | None,
    nest: bool,
    rake_file: Path | None,
    poststratify_file: Path | None,
    conf_level: float,
    lonely_psu: str,
    as_json: bool,
) -> None:
    """Logistic (odds ratios) or linear regression of one column on others, from a table FILE.

    \b
    readiness regress survey.csv --outcome confident --predictors "discipline trained years"
    readiness regress survey.csv --outcome confident --predictors "discipline years" \\
        --cluster trust --weights weight --rake staff-counts.csv
    """
    if rake_file and poststratify_file:
        raise click.UsageError("give --rake or --poststratify, not both.")
    if nest and not (cluster and strata):
        raise click.UsageError("--nest needs --cluster and --strata.")
    if success is not None and family != "logistic":
        raise click.UsageError("--success is for --family logistic.")
    names = _split(predictors)
    if not names:
        raise click.UsageError("--predictors needs at least one column.")
    from readiness.responses.read import require_rows
    from readiness.tabular import read_table

    frame = read_table(file)
    require_rows(frame, file)  # 'FILE has a header but no rows'
    res = compute(
        frame,
        str(file),
        outcome,
        names,
        family=family,
        success=success,
        categorical=_split(categorical),
        reference=_references(reference),
        cluster=cluster,
        strata=strata,
        weights=weights,
        nest=nest,
        rake_file=rake_file,
        poststratify_file=poststratify_file,
        conf_level=conf_level,
        lonely_psu=lonely_psu,
    )
    if as_json:
        from readiness.stats.result import jsonable

        click.echo(json.dumps(jsonable(res), indent=2))
        return
    for note in res["warnings"]:
        click.echo(f"Warning: {note}", err=True)
    click.echo(format_report(res))
