"""Plain-YAML sanity checks of the shipped guide content (src/readiness/guide/data).

These read the four files with ``yaml.safe_load`` only, so they do not depend on the loader or
the full safety check. They prove the content hangs together: every id it cites exists, the
vocabularies are the format's, contact numbers shown in actions are the cited facts' values,
and a small walk of every path keeps the safety rules (I1-I10) on the shipped graph. Each check
returns a list of problems; the tests at the end break a copy on purpose to show it can fail.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

DATA = Path(str(resources.files("readiness.guide") / "data"))
NATIONS = ("england", "wales", "scotland", "northern_ireland")
GB = ("england", "wales", "scotland")
STATUSES = {"confirmed", "unverified", "contradicted", "superseded"}
VOLATILITY = {"contact", "service", "statistics", "guidance", "legislation", "research", "local"}
SOURCE_KINDS = {"legislation", "guidance", "statistics", "service", "research", "secondary"}
TAGS = {
    "police",
    "emergency",
    "staff_submit_nrm",
    "nrm_referral",
    "treat_now",
    "document",
    "tell_safeguarding_lead",
}
STATE = {
    "nation": set(NATIONS),
    "danger": {"yes", "no"},
    "age": {"child", "adult"},
    "private": {"yes", "no_companion_refuses", "no_interpreter"},
    "consent_nrm": {"yes", "no", "not_now"},
    "consent_police": {"yes", "no"},
    "care_needs": {"yes", "no", "unsure"},
}
CHECKED = dt.date(2026, 12, 5)
REVIEW_BY = {
    "contact": dt.date(2027, 6, 5),
    "service": dt.date(2027, 6, 5),
    "statistics": dt.date(2027, 3, 5),
    "guidance": dt.date(2027, 12, 5),
    "legislation": dt.date(2027, 12, 5),
    "research": dt.date(2029, 12, 5),
}
ID = re.compile(r"^[a-z0-9_]+$")
# Telephone numbers as written in texts: UK numbers starting 0, and the short codes.
PHONE = re.compile(r"\b0\d{2,4}(?: ?\d){6,8}\b|\b(?:999|101)\b")
STAFF_SUBMIT = re.compile(r"\b(complete|submit|fill in|fill out)\b", re.IGNORECASE)


def load_feedback() -> dict:
    return yaml.safe_load((DATA / "feedback.yaml").read_text(encoding="utf-8"))


def load_all() -> dict:
    return {
        name: yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))
        for name in ("sources", "facts", "guide", "local-slots")
    }


@pytest.fixture(scope="module")
def content() -> dict:
    return load_all()


# -- checks -------------------------------------------------------------------------------------


def _variant_for(action: dict, nation: str) -> dict | None:
    variants = action.get("variants") or {}
    return variants.get(nation) or variants.get("all")


def _applies(variant_key: str, action: dict) -> tuple[str, ...]:
    """The nations a variant is used for (``all`` covers nations with no variant of their own)."""
    if variant_key != "all":
        return (variant_key,)
    return tuple(n for n in NATIONS if n not in (action.get("variants") or {}))


def _holds(when: dict | None, state: dict) -> bool:
    for var, value in (when or {}).items():
        values = value if isinstance(value, list) else [value]
        if state.get(var) not in [str(v) for v in values]:
            return False
    return True


def check_vocabularies(c: dict) -> list[str]:  # noqa: C901 - one check per vocabulary rule
    problems = []
    for sid, src in c["sources"]["sources"].items():
        if not ID.match(sid):
            problems.append(f"source id {sid!r}")
        for key in ("title", "publisher", "url", "version", "kind"):
            if not src.get(key):
                problems.append(f"source {sid}: no {key}")
        if src.get("kind") not in SOURCE_KINDS:
            problems.append(f"source {sid}: kind {src.get('kind')!r}")
        if not str(src.get("url", "")).startswith(("https://", "http://")):
            problems.append(f"source {sid}: url {src.get('url')!r}")
    for fid, fact in c["facts"]["facts"].items():
        if not ID.match(fid):
            problems.append(f"fact id {fid!r}")
        if fact.get("status") not in STATUSES:
            problems.append(f"fact {fid}: status {fact.get('status')!r}")
        if fact.get("volatility") not in VOLATILITY:
            problems.append(f"fact {fid}: volatility {fact.get('volatility')!r}")
        if not fact.get("nations") or set(fact["nations"]) - set(NATIONS):
            problems.append(f"fact {fid}: nations {fact.get('nations')!r}")
        if "value" in fact and fact.get("volatility") != "contact":
            problems.append(f"fact {fid}: has a value but is not a contact fact")
        if fact.get("last_checked") != CHECKED or fact.get("checked_by") != "readiness-maintainers":
            problems.append(f"fact {fid}: last_checked/checked_by")
        if fact.get("review_by") != REVIEW_BY.get(fact.get("volatility")):
            problems.append(f"fact {fid}: review_by {fact.get('review_by')} for its volatility")
        if not str(fact.get("statement", "")).strip():
            problems.append(f"fact {fid}: no statement")
    for aid, action in c["guide"]["actions"].items():
        for tag in action.get("tags") or []:
            if tag not in TAGS:
                problems.append(f"action {aid}: tag {tag!r}")
        for key in action.get("variants") or {}:
            if key != "all" and key not in NATIONS:
                problems.append(f"action {aid}: variant {key!r}")
    for sid, slot in c["local-slots"]["slots"].items():
        if not slot.get("label") or not slot.get("nations"):
            problems.append(f"slot {sid}: label or nations missing")
        if set(slot.get("nations") or []) - set(NATIONS):
            problems.append(f"slot {sid}: nations {slot.get('nations')!r}")
    return problems


def check_references(c: dict) -> list[str]:  # noqa: C901 - one check per kind of reference
    problems = []
    sources, facts = c["sources"]["sources"], c["facts"]["facts"]
    nodes, actions = c["guide"]["nodes"], c["guide"]["actions"]
    slots = c["local-slots"]["slots"]
    for fid, fact in facts.items():
        if not fact.get("sources"):
            problems.append(f"fact {fid}: no sources")
        for ref in fact.get("sources") or []:
            if ref["id"] not in sources:
                problems.append(f"fact {fid}: source {ref['id']} does not exist")
        if fact.get("supersedes") and fact["supersedes"] not in facts:
            problems.append(f"fact {fid}: supersedes {fact['supersedes']} does not exist")
    if c["guide"]["start"] not in nodes:
        problems.append("start node does not exist")
    for nid, node in nodes.items():
        for opt in node.get("options") or []:
            if opt["next"] not in nodes:
                problems.append(f"node {nid}: next {opt['next']} does not exist")
            for fid in opt.get("facts") or []:
                if fid not in facts:
                    problems.append(f"node {nid}: fact {fid} does not exist")
            for var, value in (opt.get("set") or {}).items():
                if str(value) not in STATE.get(var, ()):
                    problems.append(f"node {nid}: sets {var}={value}")
        if node["type"] == "action" and node.get("next") not in nodes:
            problems.append(f"node {nid}: next {node.get('next')} does not exist")
        for ref in node.get("actions") or []:
            aid = ref if isinstance(ref, str) else ref["id"]
            if aid not in actions:
                problems.append(f"node {nid}: action {aid} does not exist")
    for aid, action in actions.items():
        for key, variant in (action.get("variants") or {}).items():
            if not variant.get("facts"):
                problems.append(f"action {aid}/{key}: cites no fact")
            for fid in variant.get("facts") or []:
                if fid not in facts:
                    problems.append(f"action {aid}/{key}: fact {fid} does not exist")
            for slot in variant.get("local") or []:
                if slot not in slots:
                    problems.append(f"action {aid}/{key}: slot {slot} does not exist")
    return problems


def check_variants(c: dict) -> list[str]:  # noqa: C901 - one check per rule on a variant
    """I8, I9 and I6's text rule, per action variant and the nations it is used for."""
    problems = []
    facts, slots = c["facts"]["facts"], c["local-slots"]["slots"]
    for aid, action in c["guide"]["actions"].items():
        gb_only_tag = "staff_submit_nrm" in (action.get("tags") or [])
        for key, variant in (action.get("variants") or {}).items():
            nations = _applies(key, action)
            where = f"action {aid}/{key}"
            text = variant.get("text", "")
            cited = [facts[f] for f in variant.get("facts") or [] if f in facts]
            if not any(f["status"] == "confirmed" for f in cited):
                problems.append(f"{where}: cites no confirmed fact")
            for fid in variant.get("facts") or []:
                fact = facts.get(fid)
                if fact is None:
                    continue
                if set(nations) - set(fact["nations"]):
                    problems.append(f"{where}: fact {fid} does not hold in {nations}")
                if fact["status"] in ("contradicted", "superseded"):
                    problems.append(f"{where}: cites {fact['status']} fact {fid}")
                if fact["status"] == "unverified" and not (
                    variant.get("shows_uncertainty") and "check with" in text.lower()
                ):
                    problems.append(f"{where}: cites unverified {fid} without 'check with'")
                if fact["review_by"] < CHECKED:
                    problems.append(f"{where}: fact {fid} overdue")
            for slot in variant.get("local") or []:
                if slot in slots and set(nations) - set(slots[slot]["nations"]):
                    problems.append(f"{where}: slot {slot} is not declared for {nations}")
            shown = {
                re.sub(r"\s", "", f.get("value", ""))
                for f in cited
                if f["status"] == "confirmed" and f.get("value")
            }
            for number in PHONE.findall(text):
                if re.sub(r"\s", "", number) not in shown:
                    problems.append(f"{where}: {number} is not the value of a confirmed cited fact")
            if set(nations) & set(GB):
                if gb_only_tag:
                    problems.append(f"{where}: staff_submit_nrm variant used in {nations}")
                if STAFF_SUBMIT.search(text):
                    problems.append(f"{where}: text may tell staff to make the NRM referral")
    return problems


def walk(c: dict) -> list[tuple[dict, list[str], list[str]]]:
    """Every path: (final state, node ids visited, action ids in order)."""
    nodes = c["guide"]["nodes"]
    paths = []
    stack = [(c["guide"]["start"], {}, [], [])]
    while stack:
        nid, state, seen, done = stack.pop()
        if nid in seen:
            raise AssertionError(f"cycle at {nid}: {seen}")
        node, seen = nodes[nid], seen + [nid]
        refs = [r if isinstance(r, dict) else {"id": r} for r in node.get("actions") or []]
        acts = [r["id"] for r in refs if _holds(r.get("when"), state)]
        if node["type"] == "outcome":
            paths.append((state, seen, done + acts))
        elif node["type"] == "action":
            stack.append((node["next"], state, seen, done + acts))
        else:
            options = [o for o in node["options"] if _holds(o.get("when"), state)]
            if not options:
                raise AssertionError(f"dead end at {nid} with {state}")
            if not any(o.get("label") for o in node["options"]):
                options = options[:1]  # a router takes its first open option
            for opt in options:
                after = {**state, **{k: str(v) for k, v in (opt.get("set") or {}).items()}}
                stack.append((opt["next"], after, seen, done))
    return paths


def check_paths(c: dict) -> list[str]:
    """I1-I7 and I10 on every path of the shipped graph."""
    problems = []
    nodes, actions = c["guide"]["nodes"], c["guide"]["actions"]
    age = nodes.get("age", {}).get("options", [])
    for label in ("Yes", "Not sure"):
        if not any(o.get("label") == label and o.get("set", {}).get("age") == "child" for o in age):
            problems.append(f"I1: age answer {label!r} does not set child")
    paths = walk(c)
    visited = set()
    for state, seen, acts in paths:
        visited.update(seen)
        where = " > ".join(seen)
        tags = [set(actions[a].get("tags") or []) for a in acts]
        outcome = nodes[seen[-1]]
        own = [
            (r if isinstance(r, str) else r["id"])
            for r in outcome["actions"]
            if isinstance(r, str) or _holds(r.get("when"), state)
        ]
        if state["age"] == "child" and {"consent_nrm", "consent_police"} & set(seen):
            problems.append(f"I2: child path asks for consent: {where}")
        if state["age"] == "adult":
            if any("nrm_referral" in t for t in tags) and state.get("consent_nrm") != "yes":
                problems.append(f"I3: NRM referral without consent: {where}")
            if any("police" in t for t in tags) and "yes" not in (
                state.get("consent_police"),
                state.get("danger"),
            ):
                problems.append(f"I4: police without consent or danger: {where}")
        if not own or "treat_now" not in (actions[own[0]].get("tags") or []):
            problems.append(f"I5: outcome does not start with treat_now: {where}")
        own_tags = set().union(*(set(actions[a].get("tags") or []) for a in own))
        if not {"document", "tell_safeguarding_lead"} <= own_tags:
            problems.append(f"I7: outcome lacks document or tell_safeguarding_lead: {where}")
        if state["nation"] in GB and any("staff_submit_nrm" in t for t in tags):
            problems.append(f"I6: staff_submit_nrm in {state['nation']}: {where}")
        for aid in acts:
            if _variant_for(actions[aid], state["nation"]) is None:
                problems.append(f"{aid} has no variant for {state['nation']}: {where}")
    for nid in set(nodes) - visited:
        problems.append(f"I10: node {nid} is unreachable")
    return problems


def guide_texts(c: dict) -> list[tuple[str, str]]:
    """(where, text) for every text staff read in the guide: questions, outcomes and actions."""
    out = []
    for nid, node in c["guide"]["nodes"].items():
        for name in ("text", "help", "summary"):
            if node.get(name):
                out.append((f"node {nid} {name}", node[name]))
            for nation, fields in (node.get("variants") or {}).items():
                if fields.get(name):
                    out.append((f"node {nid} ({nation}) {name}", fields[name]))
        for opt in node.get("options") or []:
            if opt.get("label"):
                out.append((f"node {nid} option", opt["label"]))
    for aid, action in c["guide"]["actions"].items():
        out.append((f"action {aid} title", action.get("title", "")))
        for key, variant in (action.get("variants") or {}).items():
            out.append((f"action {aid}/{key}", variant.get("text", "")))
    return out


def check_acronyms_outside_brackets(c: dict) -> list[str]:
    """An acronym is spelt out at its first use on a page ("MASH" becomes "Multi-Agency
    Safeguarding Hub (MASH)"), so one written inside brackets would end up in nested brackets."""
    problems = []
    acronyms = c["guide"]["acronyms"]
    for where, text in guide_texts(c):
        for inside in re.findall(r"\(([^()]*)\)", text):
            for short, long in acronyms.items():
                if long not in text and re.search(rf"\b{re.escape(short)}\b", inside):
                    problems.append(f"{where}: {short} inside brackets: ({inside})")
    return problems


def check_locator_pages(c: dict) -> list[str]:
    """A locator that names one page ("page 12") must cite the source whose address is that
    page, where the address names a page (".../pages/14/")."""
    problems = []
    sources = c["sources"]["sources"]
    for fid, fact in c["facts"]["facts"].items():
        for ref in fact.get("sources") or []:
            named = re.match(r"page (\d+)\b", str(ref.get("locator", "")))
            url_page = re.search(r"/pages/(\d+)/?$", str(sources.get(ref["id"], {}).get("url", "")))
            if named and url_page and named.group(1) != url_page.group(1):
                problems.append(
                    f"fact {fid}: locator {ref['locator']!r} but {ref['id']} is page "
                    f"{url_page.group(1)}"
                )
    return problems


def check_feedback_overrides(c: dict, feedback: dict) -> list[str]:
    """A nation override that drops a fact not valid in that nation must give its own
    explanation: the base explanation leans on that fact, so it would claim more than the
    override's facts support (unless the item is about another nation: ``about``)."""
    problems = []
    facts = c["facts"]["facts"]
    for item, entry in feedback["feedback"].items():
        if entry.get("about"):
            continue
        for nation, override in (entry.get("nations") or {}).items():
            dropped = [
                f
                for f in entry.get("facts") or []
                if f not in (override.get("facts") or [])
                and nation not in facts.get(f, {}).get("nations", [])
            ]
            if dropped and not override.get("explanation"):
                problems.append(f"feedback {item} ({nation}): drops {dropped}, keeps the wording")
    return problems


# -- the shipped content -------------------------------------------------------------------------


def test_every_file_parses_to_its_top_key(content):
    assert set(content["sources"]) == {"sources"}
    assert set(content["facts"]) == {"facts"}
    assert set(content["local-slots"]) == {"slots"}
    assert content["guide"]["title"] == "Safeguarding guide"
    assert {"nodes", "actions", "acronyms", "start", "version"} <= set(content["guide"])


def test_vocabularies_and_dates(content):
    assert check_vocabularies(content) == []


def test_every_cited_id_exists(content):
    assert check_references(content) == []


def test_action_variants_cite_confirmed_facts_for_their_nations(content):
    assert check_variants(content) == []


def test_every_path_keeps_the_safety_rules(content):
    assert check_paths(content) == []


def test_every_combination_of_answers_reaches_an_outcome(content):
    paths = walk(content)
    reached = {tuple(sorted(state.items())) for state, _, _ in paths}
    # child paths: 4 nations x 2 danger x 3 private (age yes and not sure both give child)
    # adult paths: 4 x 2 x 3 private x 3 consent_nrm x 2 consent_police x 3 care_needs
    assert len(paths) == 4 * 2 * (2 * 3 + 3 * 3 * 2 * 3)
    for combo in itertools.product(NATIONS, ("yes", "no"), sorted(STATE["private"])):
        nation, danger, private = combo
        child = {"nation": nation, "danger": danger, "age": "child", "private": private}
        assert tuple(sorted(child.items())) in reached


def test_every_unverified_item_is_carried_and_never_shown_as_fact(content):
    facts = content["facts"]["facts"]
    # Section 9 of the specification, by the fact that carries each item.
    carried = [
        "eng_reg16_wording",
        "scot_trafficking_exemption",
        "wales_family_scope",
        "wales_whc_trafficking",
        "wales_gp_registration",
        "ni_reg10_wording",
        "scotland_s38_commencement",
        "consent_change_feb_2026",
        "rg_threshold_later_change",
        "womens_aid_ni_line",
        "migrant_help_ni_office_line",
        "migrant_help_ni_referral_line",
        "ni_support_contract_holders",
        "ctac_hours",
        "scotland_child_guardian",
        "nrm_statistics_2026",
        "heal_toolkit_structure",
        "iom_action_sheets",
        "nhs_safeguarding_app_details",
        "elfh_module_version",
        "welsh_language_obligations",
        "exactci_central_interval",
        "leads_course_host",
        "icb_designated_roles",
        "prior_pass_open_items",
        "altman_newcombe_example",
    ]
    assert [f for f in carried if facts.get(f, {}).get("status") != "unverified"] == []
    # An unverified number is never cited by any action, uncertain or not.
    unverified_numbers = {
        f for f, v in facts.items() if v["status"] != "confirmed" and "value" in v
    }
    assert unverified_numbers >= {"womens_aid_ni_line", "migrant_help_ni_referral_line"}
    for aid, action in content["guide"]["actions"].items():
        for key, variant in action["variants"].items():
            assert not set(variant.get("facts") or []) & unverified_numbers, (aid, key)


def test_corrections_are_kept_as_contradicted(content):
    facts = content["facts"]["facts"]
    assert facts["eng_family_lawful_presence_claim"]["status"] == "contradicted"
    assert facts["eng_primary_community_free_claim"]["status"] == "contradicted"
    assert "no condition" in facts["eng_reg25_family"]["statement"]


def test_ross_benchmarks_match_the_shared_figures(content):
    facts = content["facts"]["facts"]
    assert "76.5% (598 of 782)" in facts["ross2015_police_unaware"]["statement"]
    assert (
        "71.0% of NHS staff (556 of 782)" in facts["ross2015_referral_men_unconfident"]["statement"]
    )


def test_northern_ireland_alone_has_the_trust_making_the_referral(content):
    actions = content["guide"]["actions"]
    tagged = {a for a, v in actions.items() if "staff_submit_nrm" in (v.get("tags") or [])}
    assert tagged == {"nrm_child_by_trust", "nrm_referral_by_trust"}
    for aid in tagged:
        assert set(actions[aid]["variants"]) == {"northern_ireland"}


def test_local_slots_cover_the_specification_table(content):
    slots = content["local-slots"]["slots"]
    for slot in ("safeguarding_team", "safeguarding_out_of_hours", "interpreter_service"):
        assert slots[slot]["nations"] == list(NATIONS) and slots[slot]["required"] is True
    assert slots["la_modern_slavery_lead"]["required"] is False
    assert slots["trust_nrm_first_responder"]["nations"] == ["northern_ireland"]
    assert slots["sw_child_protection"]["nations"] == ["scotland"]


def test_no_acronym_would_be_spelt_out_inside_brackets(content):
    assert check_acronyms_outside_brackets(content) == []


def test_page_locators_match_their_sources(content):
    assert check_locator_pages(content) == []


def test_feedback_overrides_reword_what_their_facts_no_longer_support(content):
    assert check_feedback_overrides(content, load_feedback()) == []


def test_england_only_guidance_is_cited_for_england_only(content):
    # The DHSC guidance for health staff is England's: its "legal obligation" line is not
    # shown in the other nations' child protection steps.
    facts = content["facts"]["facts"]
    assert facts["children_legal_obligation"]["nations"] == ["england"]
    variants = content["guide"]["actions"]["child_protection_referral"]["variants"]
    assert "children_legal_obligation" not in variants["northern_ireland"]["facts"]


def test_northern_ireland_support_providers_are_not_stated_as_current(content):
    variant = content["guide"]["actions"]["nrm_referral_by_trust"]["variants"]["northern_ireland"]
    assert "ni_support_contract_holders" in variant["facts"]
    assert variant.get("shows_uncertainty") is True
    assert "check with your safeguarding team" in variant["text"]
    assert content["facts"]["facts"]["womens_aid_ni_role"]["statement"].startswith("In 2021,")


# -- the checks can fail ---------------------------------------------------------------------------


def test_a_missing_fact_is_reported():
    c = load_all()
    del c["facts"]["facts"]["give_necessary_treatment"]
    assert any("give_necessary_treatment does not exist" in p for p in check_references(c))


def test_an_unverified_number_in_an_action_is_reported():
    c = load_all()
    variant = c["guide"]["actions"]["helpline_advice"]["variants"]["northern_ireland"]
    variant["text"] += " Migrant Help: 028 9244 8449."
    variant["facts"].append("migrant_help_ni_referral_line")
    problems = check_variants(c)
    assert any("028 9244 8449 is not the value" in p for p in problems)


def test_police_without_consent_is_reported():
    c = load_all()
    outcome = c["guide"]["nodes"]["adult_outcome"]
    outcome["actions"].append("police_with_consent")
    assert any(p.startswith("I4:") for p in check_paths(c))


def test_a_gb_text_telling_staff_to_submit_is_reported():
    c = load_all()
    variant = c["guide"]["actions"]["refer_to_fro_with_consent"]["variants"]["england"]
    variant["text"] = "Submit the NRM form yourself."
    assert any("may tell staff" in p for p in check_variants(copy.deepcopy(c)))


def test_not_sure_about_age_must_mean_child():
    c = load_all()
    for option in c["guide"]["nodes"]["age"]["options"]:
        if option["label"] == "Not sure":
            option["set"] = {"age": "adult"}
    assert "I1: age answer 'Not sure' does not set child" in check_paths(c)


def test_an_acronym_inside_brackets_is_reported():
    c = load_all()
    variant = c["guide"]["actions"]["child_protection_referral"]["variants"]["england"]
    variant["text"] = "Refer to children's social care (often the MASH) today."
    assert check_acronyms_outside_brackets(c) == [
        "action child_protection_referral/england: MASH inside brackets: (often the MASH)"
    ]


def test_a_locator_naming_another_page_is_reported():
    c = load_all()
    ref = c["facts"]["facts"]["police_only_with_consent_or_danger"]["sources"][0]
    ref["id"] = "scotgov2019_health_workers"  # the address of page 14
    assert check_locator_pages(c) == [
        "fact police_only_with_consent_or_danger: locator 'page 12 (prior pass)' but "
        "scotgov2019_health_workers is page 14"
    ]


def test_an_override_keeping_wording_its_facts_drop_is_reported():
    c, feedback = load_all(), load_feedback()
    feedback["feedback"]["k_urgent_delay"]["nations"]["wales"] = {
        "facts": ["give_necessary_treatment"]
    }
    assert check_feedback_overrides(c, feedback) == [
        "feedback k_urgent_delay (wales): drops ['eng_urgent_never_delayed'], keeps the wording"
    ]
