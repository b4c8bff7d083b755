"""Responses as REDCap data: a CSV that REDCap's Data Import Tool takes, and its dictionary.

The data hold REDCap's record identifier first (the response id, or the row number when there
is none; ``SYNTHETIC-<id>`` for synthetic data), then the dictionary's fields in the
instrument's order under their REDCap names (:func:`readiness.instrument.redcap.redcap_names`).
A multiple-choice item becomes one ``item___code`` column per choice, 1 when ticked and 0
otherwise; a note has no column.  REDCap accepts only the dictionary's fields, so where the
responses hold their ``session`` and ``completed_on`` (an export's do), the dictionary gets a
``session`` text field and a ``completed_on`` date field (YYYY-MM-DD) after the record id, and
the data fill them: with the sessions' sizes, the response rates can be worked out again from
REDCap.  The wave and link are not in the data.

Every cell is text.  Numbers are written as numbers (``2``, not ``2.0``) and never get an
apostrophe; other text that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets one before it, as in the CSV responses.
:func:`readiness.responses.read_responses` reads such a file back: it folds the checkbox
columns into the item's codes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.errors import ReadinessError
from readiness.instrument.model import Instrument, Item
from readiness.instrument.redcap import record_field, redcap_names, write_redcap_dictionary
from readiness.instrument.redcap_columns import checkbox_column
from readiness.responses.read import Responses
from readiness.responses.write import number_text
from readiness.tabular import atomic_write, formula_safe_values

# What REDCap gets of where and when each response was given: (name, label, validation).
CONTEXT_FIELDS = (
    ("session", "Session (collection link or event)", ""),
    ("completed_on", "Date completed", "date_ymd"),
)


@dataclass(frozen=True)
class RedcapWritten:
    """What :func:`write_redcap` wrote: the data, the dictionary beside them, the number of
    records, and what REDCap could not hold, in words."""

    data: Path
    dictionary: Path
    rows: int
    notes: list[str] = field(default_factory=list)


def dictionary_path(path: str | Path) -> Path:
    """The data dictionary written beside REDCap data: ``<stem>-dictionary.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}-dictionary.csv")


def record_ids(frame: pd.DataFrame, *, synthetic: bool = False) -> list[str]:
    """Each row's record identifier: its ``response_id`` (the row number, from 1, where there
    is none), with ``SYNTHETIC-`` before it for synthetic data."""
    if "response_id" in frame:
        given = frame["response_id"].astype(object).where(frame["response_id"].notna(), "")
        ids = [_id_text(v) or str(i + 1) for i, v in enumerate(given)]
    else:
        ids = [str(i + 1) for i in range(len(frame))]
    return [f"SYNTHETIC-{v}" for v in ids] if synthetic else ids


def _id_text(value) -> str:
    # A response id read from a file comes back as a float when every id is a number.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def redcap_data(
    data: pd.DataFrame | Responses, instrument: Instrument, *, synthetic: bool = False
) -> pd.DataFrame:
    """The responses as REDCap's CSV data: the record id, then the dictionary's fields in order.

    ``data`` holds one row per response and one column per item, stored codes (as
    :func:`readiness.responses.read_responses` gives).  Multiple-choice items become one column
    per choice, 1 when ticked and 0 otherwise (also when the item was not answered: REDCap
    cannot tell the two apart).  Every cell is text.
    """
    frame = data.frame if isinstance(data, Responses) else data
    columns: dict[str, np.ndarray | list] = {
        record_field(instrument): record_ids(frame, synthetic=synthetic)
    }
    for name in context_fields(frame, instrument):
        text = frame[name].astype(object).where(frame[name].notna(), "").tolist()
        columns[name] = [v[:10] for v in text] if name == "completed_on" else text
        columns[name] = formula_safe_values([str(v) for v in columns[name]])
    names = redcap_names(instrument)  # REDCap's variable names: lower-case
    for section in instrument.sections:
        for item_id in section.items:
            item = instrument.item(item_id)
            if item.holds_data:  # a note is a descriptive field: no data
                columns.update(_item_columns(frame[item_id], item, names[item_id]))
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def context_fields(frame: pd.DataFrame, instrument: Instrument) -> list[str]:
    """The :data:`CONTEXT_FIELDS` the responses hold and no REDCap field of the instrument
    is named already."""
    taken = set(redcap_names(instrument).values()) | {record_field(instrument)}
    return [name for name, _l, _v in CONTEXT_FIELDS if name in frame and name not in taken]


def _add_context_fields(dictionary: Path, names: list[str]) -> None:
    """The context fields as rows of the dictionary, after the record id and in its form (a
    form's fields stand together in a REDCap dictionary)."""
    with open(dictionary, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, record = rows[0], rows[1]
    labels = {name: (label, check) for name, label, check in CONTEXT_FIELDS}
    added = []
    for name in names:
        row = [""] * len(header)
        row[:5] = [name, record[1], "", "text", labels[name][0]]
        row[7] = labels[name][1]  # the text validation: a date as YYYY-MM-DD
        added.append(row)

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([header, record, *added, *rows[2:]])

    atomic_write(dictionary, write)


def _item_columns(series: pd.Series, item: Item, name: str) -> dict[str, np.ndarray | list]:
    """One item's REDCap columns: a 1/0 column per choice of a multiple-choice item, else one."""
    if item.type == "multiple_choice":
        chosen = [
            set(str(v).split()) if isinstance(v, str) else set()
            for v in series.astype(object).where(series.notna(), None)
        ]
        return {
            checkbox_column(name, choice.code): [
                "1" if str(choice.code) in c else "0" for c in chosen
            ]
            for choice in item.choices
        }
    if pd.api.types.is_float_dtype(series.dtype):
        return {name: number_text(series.to_numpy(dtype=float))}
    text = series.astype(object).where(series.notna(), "").tolist()
    return {name: formula_safe_values(text)}


def write_redcap(
    data: pd.DataFrame | Responses,
    instrument: Instrument,
    path: str | Path,
    *,
    synthetic: bool = False,
) -> RedcapWritten:
    """Write the responses as REDCap data to ``path`` and the instrument's data dictionary
    beside it (:func:`dictionary_path`), each atomically.  Import the dictionary into REDCap
    first: it creates the fields the data fill."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise ReadinessError(
            f"{path}: REDCap data are a .csv file. Fix: give a file name ending in .csv."
        )
    dictionary = dictionary_path(path)
    result = write_redcap_dictionary(instrument, dictionary)
    frame = data.frame if isinstance(data, Responses) else data
    context = context_fields(frame, instrument)
    if context:
        _add_context_fields(dictionary, context)
    notes = []
    if result.unmapped:
        notes.append(
            f"The dictionary leaves out {len(result.unmapped)} parts REDCap cannot hold (scales, "
            "indicators, tags, translations, the analysis block); the instrument's YAML keeps "
            "them."
        )
    table = redcap_data(data, instrument, synthetic=synthetic)
    atomic_write(
        path, lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    )
    return RedcapWritten(path, dictionary, len(table), notes)
