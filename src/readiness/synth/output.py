"""Write a synthetic cohort to files, each marked as synthetic, and summarise it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from readiness.instrument import Instrument, shipped_instrument_path
from readiness.instrument.scoring import indicator_table, scale_item_matrix
from readiness.synth.cohort import PUBLISHED, PUBLISHED_ALPHAS, Cohort
from readiness.tabular import atomic_write, table_format

SYNTHETIC_NOTE = (
    "SYNTHETIC DATA. Every response in this folder was drawn by `readiness demo-data` from a "
    "latent-trait model calibrated to the figures published by Ross et al. (BMJ Open 2015). "
    "No real person answered it. Do not report it as findings."
)


def sessions_path_for(responses_path: str | Path) -> Path:
    """Where the sessions (fieldwork) file goes beside a responses file."""
    path = Path(responses_path)
    return path.with_name(f"{path.stem}-sessions.csv")


def write_cohort(cohort: Cohort, instrument: Instrument, out: str | Path) -> tuple[Path, Path]:
    """Write the responses (format from the suffix) and the sessions CSV beside them."""
    from readiness.responses.write import write_responses

    out = Path(out)
    table_format(out)  # fail early on an unknown suffix, before anything is written
    write_responses(cohort.responses, instrument, out)
    sessions = sessions_path_for(out)
    atomic_write(sessions, lambda tmp: cohort.sessions.to_csv(tmp, index=False))
    return out, sessions


def write_demo_folder(
    cohort: Cohort, instrument: Instrument, folder: str | Path
) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    responses, sessions = write_cohort(cohort, instrument, folder / "responses.csv")
    shipped = folder / "readiness-survey.yaml"
    shutil.copyfile(shipped_instrument_path(), shipped)
    readme = folder / "README.txt"
    readme.write_text(SYNTHETIC_NOTE + "\n", encoding="utf-8")
    return {"responses": responses, "sessions": sessions, "instrument": shipped, "readme": readme}


@dataclass(frozen=True)
class IndicatorCheck:
    id: str
    label: str
    group: str  # "all" or a subgroup description
    count: int
    n: int
    published_percent: float
    published_count: int | None
    published_n: int | None

    @property
    def percent(self) -> float:
        return 100 * self.count / self.n if self.n else float("nan")

    @property
    def printed_inconsistent(self) -> bool:
        """The publication's own count and denominator do not round to its printed percent."""
        if self.published_count is None or not self.published_n:
            return False
        own = round(100 * self.published_count / self.published_n, 1)
        return own != round(self.published_percent, 1)

    @property
    def matches(self) -> bool:
        """Same count and denominator as published (where given), and the printed percentage
        where the publication gives no count."""
        if self.published_count is not None:
            return self.published_count == self.count and self.published_n in (None, self.n)
        same_n = self.published_n is None or self.published_n == self.n
        return same_n and round(self.percent, 1) == round(self.published_percent, 1)


def indicator_checks(cohort: Cohort, instrument: Instrument) -> list[IndicatorCheck]:
    """Each published figure beside the cohort's value, computed through the instrument."""
    table = indicator_table(instrument, cohort.responses)
    out = []
    for indicator in instrument.indicators:
        for figure in indicator.published:
            values = table[indicator.id]
            group = "all"
            if figure.where is not None:
                mask = figure.where.mask(cohort.responses)
                values = values[mask]
                group = _describe(figure.where, instrument)
            answered = values.dropna()
            out.append(
                IndicatorCheck(
                    indicator.id,
                    indicator.label,
                    group,
                    int(answered.sum()),
                    int(len(answered)),
                    figure.percent,
                    figure.count,
                    figure.denominator,
                )
            )
    return out


def _describe(condition, instrument: Instrument) -> str:
    data = condition.to_data()
    if "item" in data and "equals" in data:
        label = instrument.item(data["item"]).label_for(data["equals"])
        return str(label or data["equals"]).lower()
    return str(data)


def reliability_checks(cohort: Cohort, instrument: Instrument) -> list[dict]:
    from readiness.stats.reliability import cronbach_alpha

    out = []
    for scale_id, published in PUBLISHED_ALPHAS.items():
        scale = instrument.scale(scale_id)
        matrix = pd.DataFrame(
            scale_item_matrix(instrument, scale_id, cohort.responses), columns=list(scale.items)
        )
        result = cronbach_alpha(matrix)
        out.append(
            {
                "scale": scale_id,
                "label": scale.label,
                "raw_alpha": result.raw_alpha,
                "n": result.n,
                "n_items": result.n_items,
                "missing": result.missing,
                "published_alpha": published,
            }
        )
    return out


def response_rate(cohort: Cohort) -> dict:
    attended = int(cohort.sessions["attended"].sum())
    responded = int(cohort.sessions["responded"].sum())
    return {
        "responded": responded,
        "attended": attended,
        "percent": 100 * responded / attended,
        "sites": int(cohort.sessions["site"].nunique()),
        "sessions": len(cohort.sessions),
        "published_percent": PUBLISHED["response"]["printed_percent"],
    }
