"""The starter project: the topic guide and the four themes of the interview study by
Williamson et al. (2020), labelled as a starting point."""

from click.testing import CliRunner

from readiness.cli.interviews import interviews
from readiness.interviews import Project, refi, store
from readiness.interviews.codebook import apply_starter

THEMES = [
    "Entitlements to care",
    "Availability of resources",
    "Providers' knowledge",
    "Particular needs of trafficked people",
]


def test_starter_project_has_the_guide_areas_the_four_themes_and_the_label(tmp_path):
    res = CliRunner().invoke(
        interviews, ["init", str(tmp_path / "s"), "--starter", "--name", "Étude pilote"]
    )
    assert res.exit_code == 0, res.output
    assert "STARTING POINT after Williamson et al. (2020)" in res.output
    assert "starter codebook: 4 themes, 18 codes" in res.output
    p = store.load(tmp_path / "s")
    assert [t.name for t in p.themes.values()] == THEMES
    assert all(p.theme_codes(t) for t in p.themes)  # every theme has codes
    sections = [s.title for s in p.topic_guide.sections]
    assert {"Identifying", "Referring", "Caring"} <= set(sections)
    assert p.description.startswith("STARTING POINT, NOT A FINISHED ANALYSIS.")
    assert "Williamson et al." in p.description
    # examples are invented, and say so: nothing is presented as a quotation from the study
    assert all(c.example.startswith("(invented)") for c in p.codes.values() if c.example)
    audit = [e.action for e in store.read_audit(tmp_path / "s")]
    assert "load-starter" in audit


def test_the_label_travels_with_an_export(tmp_path):
    p = Project("Study")
    apply_starter(p)
    refi.write_qdpx(p, tmp_path / "s.qdpx", reason="test: no transcripts")
    back, _ = refi.read_qdpx(tmp_path / "s.qdpx")
    assert back.description.startswith("STARTING POINT")


def test_a_description_already_there_is_kept_after_the_label():
    p = Project("Study", description="Wave 2 of our evaluation.")
    s = apply_starter(p)
    assert p.description.startswith("STARTING POINT")
    assert p.description.endswith("Wave 2 of our evaluation.")
    assert (s.themes, s.codes) == (4, 18)
    apply_starter(p)  # a second time adds nothing twice
    assert p.description.count("STARTING POINT") == 1 and len(p.themes) == 4
    assert p.description.endswith("Wave 2 of our evaluation.")
