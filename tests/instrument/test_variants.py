"""The Northern Ireland variant of the shipped survey, assembled from the base by a data file."""

from __future__ import annotations

import pytest

from readiness.errors import InstrumentError
from readiness.instrument import (
    instrument_to_data,
    parse_instrument,
    resolve_instrument,
    shipped_instrument,
)
from readiness.instrument import variants as v
from readiness.instrument.variants import (
    assemble_variant,
    base_item_ids,
    instrument_for_nation,
    load_variant,
    variant_nation,
    variant_yaml,
)

NI = "readiness-survey-ni"
REPLACED = {"k_first_responder": "k_first_responder_ni", "k_gp_papers": "k_gp_papers_ni"}


def test_the_ni_variant_loads_validates_and_replaces_the_two_england_worded_items():
    ni = shipped_instrument(NI)
    base = shipped_instrument()
    assert ni.id == NI and ni.version == f"{base.version}.1"
    assert ni.path is None  # no file of its own: stored as its assembled YAML
    ids = set(ni.item_ids)
    assert not ids & set(REPLACED) and set(REPLACED.values()) <= ids
    first = ni.item("k_first_responder_ni")
    assert first.text == (
        "Staff of a Health and Social Care Trust in Northern Ireland can make a National "
        "Referral Mechanism referral."
    )
    assert first.key is True and base.item("k_first_responder").key is False
    assert ni.item("k_gp_papers_ni").key is True
    assert "Business Services Organisation" in ni.item("k_gp_papers_ni").text
    # renamed everywhere: the section, the actual knowledge scale, in the same places
    knowledge = [i.replace("_ni", "") for i in ni.scale("actual_knowledge").items]
    assert knowledge == list(base.scale("actual_knowledge").items)
    assert ni.section_of("k_gp_papers_ni").id == base.section_of("k_gp_papers").id
    # every source the new items cite is in the assembled instrument, with a web address
    for new in REPLACED.values():
        assert ni.sources[ni.item(new).source]["url"].startswith("https://")


def _as_base(data: dict) -> dict:
    """The variant's data with the replaced ids named back and their own fields blanked."""
    back = {new: old for old, new in REPLACED.items()}
    data = v._rename(data, back)
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] in REPLACED:
                for field in ("text", "key", "explanation", "source"):
                    item.pop(field, None)
    for key in ("id", "version", "title", "sources"):
        data.pop(key)
    data.pop("translations", None)  # the base's Welsh is not the variant's (see below)
    return data


def test_the_variant_differs_from_the_base_only_in_the_listed_items():
    base = instrument_to_data(shipped_instrument())
    ni = instrument_to_data(shipped_instrument(NI))
    assert _as_base(ni) == _as_base(base)
    # and the listed items do differ, in text and key
    texts = {i["id"]: i for s in ni["sections"] for i in s["items"]}
    olds = {i["id"]: i for s in base["sections"] for i in s["items"]}
    for old, new in REPLACED.items():
        assert texts[new]["text"] != olds[old]["text"]
        assert texts[new]["key"] != olds[old]["key"]
    # the base's sources are all kept
    assert set(base["sources"]) <= set(ni["sources"])


def test_the_variant_does_not_take_the_base_s_welsh():
    # Its title and replaced items are worded for Northern Ireland: the base's Welsh texts
    # would name England's wording, and Northern Ireland does not need a Welsh version.
    assert "cy" in shipped_instrument().translations
    assert shipped_instrument(NI).translations == {}


def test_a_condition_or_indicator_on_a_replaced_item_is_renamed(monkeypatch):
    data = v._base_data("readiness-survey")
    data["indicators"].append(
        {"id": "wrong_fro", "label": "x", "item": "k_first_responder", "when": {"incorrect": True}}
    )
    data["sections"][-1]["show_if"] = {"item": "k_gp_papers", "equals": 1}
    monkeypatch.setattr(v, "_base_data", lambda base: data)
    built = parse_instrument(variant_yaml(NI))
    assert built.indicator("wrong_fro").item == "k_first_responder_ni"
    assert built.sections[-1].show_if.items() == {"k_gp_papers_ni"}


def test_the_assembled_yaml_reads_back_as_the_same_instrument():
    again = parse_instrument(variant_yaml(NI))
    assert instrument_to_data(again) == instrument_to_data(assemble_variant(NI))


def test_the_commands_find_the_variant_by_name():
    assert resolve_instrument(NI).id == NI
    from click.testing import CliRunner

    from readiness.cli.instrument import instrument

    result = CliRunner().invoke(instrument, ["validate", NI])
    assert result.exit_code == 0, result.output
    assert "readiness-survey-ni v1.1" in result.output


def test_which_instrument_a_nation_uses_and_which_base_item_a_new_one_stands_for():
    assert instrument_for_nation("readiness-survey", "northern_ireland") == NI
    for nation in ("england", "wales", "scotland"):
        assert instrument_for_nation("readiness-survey", nation) == "readiness-survey"
    assert variant_nation(NI) == "northern_ireland"
    assert variant_nation("readiness-survey") is None
    assert base_item_ids() == {new: old for old, new in REPLACED.items()}


def _variant_file(tmp_path, monkeypatch, text: str) -> str:
    folder = tmp_path / "variants"
    folder.mkdir()
    (folder / "bad.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(v, "_folder", lambda: folder)
    load_variant.cache_clear()
    return "bad"


def test_a_replacement_that_keeps_its_id_or_changes_its_type_is_refused(tmp_path, monkeypatch):
    name = _variant_file(
        tmp_path,
        monkeypatch,
        "id: bad\nbase: readiness-survey\nrevision: 1\nnation: wales\ntitle: T\n"
        "replace:\n  k_gp_papers:\n    id: k_gp_papers\n    type: likert\n",
    )
    try:
        with pytest.raises(InstrumentError) as err:
            load_variant(name)
        text = str(err.value)
        assert (
            "variants/bad.yaml, line 8, field replace.k_gp_papers.id" in text
            and "'k_gp_papers' keeps its id" in text
        )
        assert "'type' cannot be replaced" in text
    finally:
        load_variant.cache_clear()


def test_replacing_an_item_the_base_does_not_have_names_it(tmp_path, monkeypatch):
    name = _variant_file(
        tmp_path,
        monkeypatch,
        "id: bad\nbase: readiness-survey\nrevision: 1\nnation: wales\ntitle: T\n"
        "replace:\n  k_nothing:\n    id: k_nothing_w\n",
    )
    try:
        with pytest.raises(InstrumentError, match="replaces 'k_nothing', which is not an item"):
            v.variant_data(name)
    finally:
        load_variant.cache_clear()
