"""Instruments derived from SPSS (.sav, .zsav) and Stata (.dta) files the tests write."""

from __future__ import annotations

import datetime as dt
import json
import struct

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.cli import main
from readiness.errors import ConversionError
from readiness.instrument import load_instrument
from readiness.instrument.statfiles import date_type, read_statfile

SEX_LABELS = {1: "Gwryw", 2: "Benyw", 3: "Anneuaidd 🏳️‍🌈", 9: "Gwrthod ateb"}


def survey_frame() -> pd.DataFrame:
    """Four Welsh NHS staff, as an SPSS user would hold them: codes, dates and free text."""
    return pd.DataFrame(
        {
            "SEX": [1.0, 2.0, 9.0, np.nan],
            "OED": [34.0, 51.0, -9.0, 99.0],
            "SWYDD": ["Nyrs", "Meddyg 🩺", "", "Ffisiotherapydd"],
            "DYDDIAD": [dt.date(2024, 3, 15)] * 4,
            "AMSER": [dt.time(14, 30)] * 4,
            "PRYD": [dt.datetime(2024, 3, 15, 14, 30)] * 4,
            "HYDER": [1.0, 4.0, 5.0, 8.0],
            "SGOR": [2.5, 3.0, 1.0, 4.5],
        }
    )


def write_survey_sav(path, **extra) -> None:
    pyreadstat.write_sav(
        survey_frame(),
        str(path),
        compress=str(path).endswith(".zsav"),
        column_labels={
            "SEX": "Beth yw eich rhyw? 😀",
            "OED": "Eich oedran (blynyddoedd)",
            "SWYDD": "Eich swydd",
            "DYDDIAD": "Dyddiad yr hyfforddiant",
            "AMSER": "Amser dechrau",
            "PRYD": "Pryd y cwblhawyd",
            "HYDER": "Pa mor hyderus ydych chi?",
        },
        variable_value_labels={
            "SEX": SEX_LABELS,
            "HYDER": {1: "Dim o gwbl", 4: "Iawn", 5: "Hyderus iawn", 8: "Ddim yn gwybod"},
            "SGOR": {-1.0: "Heb ei ofyn"},
        },
        missing_ranges={
            "SEX": [9],
            "OED": [{"lo": -9, "hi": -1}, 99],
            "HYDER": [8],
            "SGOR": [{"lo": -1e308, "hi": -1}],
        },
        variable_format={"OED": "F3.0"},
        variable_measure={"HYDER": "ordinal", "SGOR": "nominal"},
        **extra,
    )


@pytest.mark.parametrize("suffix", [".sav", ".zsav"])
def test_spss_items_choices_and_types(tmp_path, suffix):
    path = tmp_path / f"Arolwg_Cymru{suffix}"
    write_survey_sav(path, file_label="Arolwg parodrwydd")
    result = read_statfile(path)
    inst = result.instrument
    assert inst.id == "arolwg_cymru" and inst.title == "Arolwg parodrwydd"
    assert [i.id for i in inst.items] == list(survey_frame().columns)  # upper case kept
    sex = inst.item("SEX")
    assert (sex.type, sex.text) == ("single_choice", "Beth yw eich rhyw? 😀")
    # 9 is declared missing: never an answer choice.
    assert [(c.code, c.label) for c in sex.choices] == [
        (1, "Gwryw"),
        (2, "Benyw"),
        (3, "Anneuaidd 🏳️‍🌈"),
    ]
    assert all(isinstance(c.code, int) for c in sex.choices)
    age = inst.item("OED")
    assert (age.type, age.integer) == ("number", True)
    assert inst.item("SGOR").type == "number" and not inst.item("SGOR").integer
    assert inst.item("SWYDD").type == "text"
    assert [inst.item(v).type for v in ("DYDDIAD", "AMSER", "PRYD")] == ["date", "time", "datetime"]
    assert inst.item("HYDER").codes == (1, 4, 5)


def test_spss_losses_are_named_variable_by_variable(tmp_path):
    path = tmp_path / "arolwg.sav"
    write_survey_sav(path)
    result = read_statfile(path)
    lost = {note.field: note.message for note in result.unmapped}
    assert "9 = 'Gwrthod ateb'" in lost["SEX"] and "declared missing" in lost["SEX"]
    assert "99" in lost["OED"] and "-9 to -1" in lost["OED"]
    hyder = [n.message for n in result.unmapped if n.field == "HYDER"]
    assert any("8 = 'Ddim yn gwybod'" in m for m in hyder)
    assert any("'ordinal' is not kept" in m for m in hyder)
    sgor = [n.message for n in result.unmapped if n.field == "SGOR"]
    assert any("LOWEST to -1 (-1 = 'Heb ei ofyn')" in m for m in sgor)
    assert any("'nominal' is not kept" in m for m in sgor)
    unlabelled = [w.message for w in result.warnings if "no variable label" in w.message]
    assert unlabelled == [
        "1 variable(s) have no variable label; their names are the item texts: SGOR."
    ]
    assert not result.complete
    summary = result.summary()
    assert summary.startswith(f"Read SPSS file {path}: 8 items in 1 sections")
    assert "Not mapped (6)" in summary


def test_spss_names_that_are_not_identifiers_are_renamed_and_named(tmp_path):
    path = tmp_path / "enwau.sav"
    frame = pd.DataFrame({"Cân": [1.0], "Q@1": [2.0], "TOTAL.A": [3.0], "ID": ["a"]})
    pyreadstat.write_sav(frame, str(path))
    result = read_statfile(path)
    assert result.instrument.item_ids == ("Can", "Q_1", "TOTAL_A", "ID")
    renamed = {w.field: w for w in result.warnings if w.field}
    assert "the item is 'Can'" in renamed["Cân"].message
    assert "RENAME VARIABLES (Q@1=Q_1)" in renamed["Q@1"].fix


def test_spss_string_value_labels_and_month_and_quarter_formats(tmp_path):
    path = tmp_path / "llinynnau.sav"
    frame = pd.DataFrame({"ATEB": ["i", "n", "x"], "MIS": [0.0] * 3, "CHW": [0.0] * 3})
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"ATEB": {"i": "Ie", "n": "Na", "x": "Dim ateb"}},
        missing_ranges={"ATEB": ["x"]},
        variable_format={"MIS": "MOYR8", "CHW": "QYR8"},
    )
    result = read_statfile(path)
    ateb = result.instrument.item("ATEB")
    assert ateb.type == "single_choice" and ateb.codes == ("i", "n")
    assert result.instrument.item("MIS").type == "month_year"
    assert result.instrument.item("CHW").type == "number"
    lost = {n.field: n.message for n in result.unmapped}
    assert "'x' = 'Dim ateb'" in lost["ATEB"]
    assert "QYR8" in lost["CHW"]


def _insert_before_dictionary_end(raw: bytes, record: bytes) -> bytes:
    end = raw.index(struct.pack("<ii", 999, 0), 176)
    return raw[:end] + record + raw[end:]


def test_spss_multiple_response_sets_and_weight_are_named(tmp_path):
    """pyreadstat writes neither, so the test adds them to the file as SPSS stores them: a
    subtype 7 record for the set, the weight's dictionary index in the header."""
    path = tmp_path / "pwysau.sav"
    frame = pd.DataFrame(
        {"NOTE": ["x" * 20] * 2, "TV": [1.0, 0.0], "RADIO": [0.0, 1.0], "PWYSAU": [1.5, 2.0]}
    )
    pyreadstat.write_sav(frame, str(path))
    raw = path.read_bytes()
    text = b"$CYFRYNGAU=D1 1 9 Cyfryngau TV RADIO\n"
    raw = _insert_before_dictionary_end(raw, struct.pack("<iiii", 7, 7, 1, len(text)) + text)
    # NOTE (20 bytes) takes 3 dictionary records, TV the 4th, RADIO the 5th, PWYSAU the 6th.
    raw = raw[:76] + struct.pack("<i", 6) + raw[80:]
    path.write_bytes(raw)
    result = read_statfile(path)
    lost = {n.field: n.message for n in result.unmapped}
    assert "multiple dichotomy set counting 1 of TV, RADIO" in lost["CYFRYNGAU"]
    assert "weighted by PWYSAU" in lost["PWYSAU"]
    assert [i.id for i in result.instrument.items] == ["NOTE", "TV", "RADIO", "PWYSAU"]


def write_survey_dta(path) -> None:
    frame = pd.DataFrame(
        {
            "SEX": [1.0, 2.0, "a", "r"],
            "sgor": [3, 4, 5, 6],
            "DYDDIAD": [dt.date(2024, 3, 15)] * 4,
            "PRYD": [dt.datetime(2024, 3, 15, 14, 30)] * 4,
            "AMSER": [0.0] * 4,
            "MIS": [0.0] * 4,
            "CHWARTER": [0.0] * 4,
            "SYLW": ["Diolch 🙏", "Da iawn", "", "Ardderchog"],
        }
    ).astype({"sgor": "int16"})
    pyreadstat.write_dta(
        frame,
        str(path),
        column_labels={"SEX": "Rhyw 😀", "sgor": "Sgôr", "SYLW": "Sylwadau"},
        variable_value_labels={"SEX": {1: "Gwryw", 2: "Benyw", "a": "Gwrthod ateb"}},
        missing_user_values={"SEX": ["a", "r"]},
        variable_format={"AMSER": "%tcHH:MM", "MIS": "%tm", "CHWARTER": "%tq"},
    )


def test_stata_items_tagged_missing_and_types(tmp_path):
    path = tmp_path / "arolwg.dta"
    write_survey_dta(path)
    result = read_statfile(path)
    inst = result.instrument
    sex = inst.item("SEX")
    assert sex.type == "single_choice" and sex.text == "Rhyw 😀"
    assert [(c.code, c.label) for c in sex.choices] == [(1, "Gwryw"), (2, "Benyw")]
    types = {i.id: i.type for i in inst.items}
    assert types == {
        "SEX": "single_choice",
        "sgor": "number",
        "DYDDIAD": "date",
        "PRYD": "datetime",
        "AMSER": "time",
        "MIS": "month_year",
        "CHWARTER": "number",
        "SYLW": "text",
    }
    assert inst.item("sgor").integer
    lost = {n.field: n.message for n in result.unmapped}
    assert ".a = 'Gwrthod ateb', .r are not answer choices" in lost["SEX"]
    assert "%tq" in lost["CHWARTER"]


def test_stata_names_differing_only_in_case_are_kept_apart(tmp_path):
    path = tmp_path / "achos.dta"
    pyreadstat.write_dta(pd.DataFrame({"sex": [1.0], "SEX": [2.0]}), str(path))
    result = read_statfile(path)
    assert result.instrument.item_ids == ("sex", "SEX_2")
    assert any("differs only in case" in w.message for w in result.warnings)


def test_import_command_writes_an_instrument_that_loads(tmp_path, capsys):
    source = tmp_path / "arolwg.zsav"
    write_survey_sav(source)
    out = tmp_path / "arolwg.yaml"
    code = main(["instrument", "import", str(source), "--out", str(out), "--id", "arolwg-2024"])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"Read SPSS file {source}: 8 items" in printed and "Not mapped (6)" in printed
    inst = load_instrument(out)
    assert inst.id == "arolwg-2024" and inst.item("SEX").codes == (1, 2, 3)
    dta = tmp_path / "arolwg.dta"
    write_survey_dta(dta)
    code = main(["instrument", "import", str(dta), "--out", str(out), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["format"] == "stata" and data["instrument"]["items"] == 8
    assert {n["field"] for n in data["unmapped"]} == {"SEX", "CHWARTER"}


def test_a_damaged_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "difrod.sav"
    path.write_bytes(b"$FL2 not really an SPSS file")
    with pytest.raises(ConversionError) as err:
        read_statfile(path)
    assert str(path) in str(err.value) and "could not be read as a SPSS file" in str(err.value)


def test_export_to_spss_is_refused_with_the_way_to_do_it(tmp_path, capsys):
    code = main(["instrument", "export", "readiness-survey", "--out", str(tmp_path / "x.sav")])
    assert code != 0
    assert "responses convert" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("fmt", "kind", "expected"),
    [
        ("DATE11", "spss", ("date", True)),
        ("ADATE10", "spss", ("date", True)),
        ("DTIME12", "spss", ("time", True)),
        ("YMDHMS19", "spss", ("datetime", True)),
        ("MOYR8", "spss", ("month_year", True)),
        ("WKYR10", "spss", (None, False)),
        ("F8.2", "spss", (None, True)),
        ("%tdDD/NN/CCYY", "stata", ("date", True)),
        ("%tc", "stata", ("datetime", True)),
        ("%tCDD/NN/CCYY_HH:MM:SS", "stata", ("datetime", True)),
        ("%tcHH:MM:SS", "stata", ("time", True)),
        ("%tm", "stata", ("month_year", True)),
        ("%ty", "stata", (None, False)),
        ("%9.0g", "stata", (None, True)),
        ("%-20s", "stata", (None, True)),
    ],
)
def test_date_formats(fmt, kind, expected):
    assert date_type(fmt, kind) == expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    labels=st.dictionaries(
        st.integers(-99, 99),
        st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12)
        .map(str.strip)
        .filter(bool),
        min_size=1,
        max_size=8,
    ),  # fmt: skip
    data=st.data(),
)
def test_choices_are_the_labelled_codes_that_are_not_declared_missing(tmp_path, labels, data):
    codes = sorted(labels)
    missing = data.draw(st.lists(st.sampled_from(codes), max_size=3, unique=True))
    path = tmp_path / "priodwedd.sav"
    pyreadstat.write_sav(
        pd.DataFrame({"Q1": [float(codes[0])]}),
        str(path),
        variable_value_labels={"Q1": {float(c): labels[c] for c in codes}},
        missing_ranges={"Q1": [float(c) for c in missing]} if missing else None,
    )
    item = read_statfile(path).instrument.item("Q1")
    answers = [c for c in codes if c not in missing]
    if answers:
        assert item.type == "single_choice"
        assert [(c.code, c.label) for c in item.choices] == [(c, labels[c]) for c in answers]
    else:
        assert item.type == "number"


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_the_file_reads_as_responses_to_the_instrument_derived_from_it(tmp_path, suffix):
    from readiness.responses import read_responses

    path = tmp_path / f"arolwg{suffix}"
    (write_survey_sav if suffix == ".sav" else write_survey_dta)(path)
    result = read_responses(path, read_statfile(path).instrument)
    assert len(result) == 4
    assert not [w for w in result.warnings if "value labels" in w.message]
    assert result.frame["DYDDIAD"].tolist() == ["2024-03-15"] * 4
    assert result.frame["PRYD"].tolist() == ["2024-03-15T14:30"] * 4
    assert sum(result.declared_counts()["SEX"].values()) == (1 if suffix == ".sav" else 2)


def test_a_base_whose_scales_do_not_fit_the_file_names_each_one_left_out(tmp_path):
    """Several scales and indicators left out at once (this crashed: popped in the wrong order)."""
    from readiness.instrument import shipped_instrument

    path = tmp_path / "arolwg.sav"
    write_survey_sav(path)
    base = shipped_instrument()
    result = read_statfile(path, base=base)
    left_out = {n.field for n in result.unmapped if "was not kept" in n.message}
    assert left_out == {s.id for s in base.scales} | {i.id for i in base.indicators}
    assert result.instrument.scales == () and result.instrument.indicators == ()
