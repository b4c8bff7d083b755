"""The self-generated code: digests, normalisation and one-to-one linking of two waves."""

from __future__ import annotations

import hashlib
import hmac
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.errors import ReadinessError
from readiness.evaluation.linkage import (
    SGIC_ELEMENT_IDS,
    Record,
    SgicError,
    link_waves,
    sgic_digests,
)

SECRET = b"test secret of thirty-two bytes!"
OTHER_SECRET = b"another secret, also long enough"

ANSWERS = {
    "mother_initial": "Margaret",
    "birth_day": "07",
    "older_siblings": "2",
    "birth_town_initial": "leeds",
    "shoe_size_band": "3",
}


def person(**changes: str) -> dict[str, str]:
    return {**ANSWERS, **changes}


def record(rid: str, answers: dict[str, str], site: str | None = "A", secret=SECRET) -> Record:
    return Record(rid, sgic_digests(secret, answers), site)


# --- digests ----------------------------------------------------------------------------------


def test_digest_is_hmac_sha256_of_element_id_unit_separator_normalised_value():
    digests = sgic_digests(SECRET, ANSWERS)
    expected = hmac.new(SECRET, b"birth_day\x1f7", hashlib.sha256).hexdigest()
    assert digests["birth_day"] == expected
    assert (
        digests["mother_initial"] == hmac.new(SECRET, b"mother_initial\x1fM", "sha256").hexdigest()
    )
    assert set(digests) == set(SGIC_ELEMENT_IDS)
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests.values())


def test_normalising_upper_case_trimmed_first_letter_and_leading_zeros():
    a = sgic_digests(SECRET, ANSWERS)
    b = sgic_digests(
        SECRET,
        person(mother_initial="  m", birth_day="7 ", birth_town_initial="L", older_siblings="02"),
    )
    assert a == b


def test_accents_are_removed_from_letters():
    assert sgic_digests(SECRET, person(mother_initial="Élise")) == sgic_digests(
        SECRET, person(mother_initial="e")
    )


def test_the_same_value_under_another_element_gives_another_digest():
    # "birth_day 2" and "older_siblings 2" must not collide
    d = sgic_digests(SECRET, person(birth_day="2", older_siblings="2"))
    assert d["birth_day"] != d["older_siblings"]


def test_digests_never_contain_the_raw_or_normalised_value():
    answers = person(mother_initial="Zed", birth_day="29", birth_town_initial="Quarry")
    digests = sgic_digests(SECRET, answers)
    text = json.dumps(digests)
    assert "Zed" not in text and "Quarry" not in text
    for element, value in (
        ("mother_initial", "Z"),
        ("birth_day", "29"),
        ("birth_town_initial", "Q"),
    ):
        assert digests[element] != value
        # nor a plain (unkeyed) hash of it, which anyone could reverse by trying every value
        for plain in (value, f"{element}\x1f{value}"):
            assert hashlib.sha256(plain.encode()).hexdigest() not in text
            assert hashlib.md5(plain.encode()).hexdigest() not in text


def test_different_secret_gives_different_digests_and_never_matches():
    ours = [record("p1", ANSWERS, secret=SECRET)]
    theirs = [record("f1", ANSWERS, secret=OTHER_SECRET)]
    assert set(ours[0].digests.values()).isdisjoint(theirs[0].digests.values())
    result = link_waves(ours, theirs, max_mismatch=1)
    assert result.links == ()
    assert result.unmatched_earlier == ("p1",) and result.unmatched_later == ("f1",)


def test_bad_answers_are_all_listed_with_the_element_and_a_fix():
    with pytest.raises(SgicError) as err:
        sgic_digests(
            SECRET, person(birth_day="45", mother_initial="7", shoe_size_band="9", extra="x")
        )
    columns = {p.column for p in err.value.problems}
    assert columns == {"birth_day", "mother_initial", "shoe_size_band", "extra"}
    assert all(p.fix for p in err.value.problems)


def test_blank_answer_gets_no_digest():
    d = sgic_digests(SECRET, person(older_siblings="  "))
    assert "older_siblings" not in d and len(d) == 4


@pytest.mark.parametrize("secret", [b"short", "a text secret that is long enough"])
def test_secret_must_be_bytes_of_at_least_16(secret):
    with pytest.raises(ReadinessError, match="secret"):
        sgic_digests(secret, ANSWERS)


# --- linking ----------------------------------------------------------------------------------


def test_exact_match():
    result = link_waves(
        [record("p1", ANSWERS), record("p2", person(birth_day="12"))],
        [record("f1", person(birth_day="12")), record("f2", ANSWERS)],
    )
    assert [(lk.earlier, lk.later, lk.mismatches) for lk in result.links] == [
        ("p1", "f2", 0),
        ("p2", "f1", 0),
    ]
    assert result.exact == 2 and result.fuzzy == 0 and result.ambiguous == 0
    assert result.n == 2


def test_exact_match_ignores_the_site():
    result = link_waves([record("p1", ANSWERS, "A")], [record("f1", ANSWERS, "B")])
    assert result.exact == 1


def test_one_element_typo_links_fuzzily_and_is_counted_per_element():
    result = link_waves(
        [record("p1", ANSWERS), record("p2", person(birth_day="20", mother_initial="K"))],
        [
            record("f1", person(older_siblings="3")),
            record("f2", person(birth_day="21", mother_initial="K")),
        ],
    )
    links = {(lk.earlier, lk.later): lk for lk in result.links}
    assert links[("p1", "f1")].differing == ("older_siblings",)
    assert links[("p2", "f2")].differing == ("birth_day",)
    assert result.exact == 0 and result.fuzzy == 2
    rates = {e.element: (e.count, e.n, e.rate) for e in result.element_disagreement}
    assert rates["older_siblings"] == (1, 2, 0.5)
    assert rates["birth_day"] == (1, 2, 0.5)
    assert rates["mother_initial"] == (0, 2, 0.0)


def test_fuzzy_links_need_the_same_site():
    result = link_waves([record("p1", ANSWERS, "A")], [record("f1", person(birth_day="8"), "B")])
    assert result.links == () and result.unmatched_earlier == ("p1",)


def test_two_elements_wrong_is_not_linked_at_max_mismatch_1_but_is_at_2():
    earlier = [record("p1", ANSWERS)]
    later = [record("f1", person(birth_day="8", older_siblings="0"))]
    assert link_waves(earlier, later, max_mismatch=1).links == ()
    assert link_waves(earlier, later, max_mismatch=2).fuzzy == 1
    assert link_waves(earlier, later, max_mismatch=0).links == ()


def test_two_candidates_at_the_same_distance_stay_unmatched_and_are_ambiguous():
    result = link_waves(
        [record("p1", ANSWERS)],
        [record("f1", person(birth_day="8")), record("f2", person(older_siblings="5"))],
    )
    assert result.links == ()
    assert result.ambiguous_earlier == ("p1",)
    assert result.ambiguous_later == ("f1", "f2")
    assert result.ambiguous == 3
    assert result.unmatched_earlier == () and result.unmatched_later == ()


def test_a_later_record_claimed_by_two_earlier_ones_links_neither():
    result = link_waves(
        [record("p1", person(birth_day="8")), record("p2", person(birth_day="9"))],
        [record("f1", ANSWERS)],
    )
    assert result.links == ()
    assert result.ambiguous_earlier == ("p1", "p2") and result.ambiguous_later == ("f1",)


def test_two_identical_exact_codes_are_ambiguous_not_linked():
    result = link_waves([record("p1", ANSWERS), record("p2", ANSWERS)], [record("f1", ANSWERS)])
    assert result.links == () and result.ambiguous == 3


def test_an_exact_match_wins_over_a_fuzzy_candidate():
    # p2 is one element from f1, but f1 matches p1 exactly; p2 then has no candidate left
    result = link_waves(
        [record("p1", ANSWERS), record("p2", person(birth_day="8"))],
        [record("f1", ANSWERS)],
    )
    assert [(lk.earlier, lk.later) for lk in result.links] == [("p1", "f1")]
    assert result.unmatched_earlier == ("p2",) and result.ambiguous == 0


def test_a_missing_element_counts_as_a_disagreement():
    result = link_waves([record("p1", person(older_siblings=""))], [record("f1", ANSWERS)])
    assert result.fuzzy == 1 and result.links[0].differing == ("older_siblings",)
    both = link_waves(
        [record("p1", person(older_siblings=""))], [record("f1", person(older_siblings=""))]
    )
    assert both.exact == 0 and both.fuzzy == 1


def test_linkage_table_counts_add_up():
    result = link_waves(
        [record("p1", ANSWERS), record("p2", person(birth_day="30")), record("p3", person())],
        [record("f1", person(birth_day="3", mother_initial="Q", older_siblings="9"))],
    )
    rows = {row: (e, lt) for row, e, lt in result.table()}
    assert rows["responses"] == (3, 1)
    assert sum(v[0] for k, v in rows.items() if k != "responses") == 3
    assert sum(v[1] for k, v in rows.items() if k != "responses") == 1


def test_duplicate_ids_in_a_wave_are_refused():
    with pytest.raises(SgicError, match="twice"):
        link_waves([record("p1", ANSWERS), record("p1", ANSWERS)], [])


def test_to_dict_is_json_and_holds_no_digest():
    result = link_waves([record("p1", ANSWERS)], [record("f1", person(birth_day="8"))])
    text = json.dumps(result.to_dict())
    for value in sgic_digests(SECRET, ANSWERS).values():
        assert value not in text


# --- properties -------------------------------------------------------------------------------

VALUES = {
    "mother_initial": "ABC",
    "birth_day": ["1", "2", "3"],
    "older_siblings": ["0", "1"],
    "birth_town_initial": "LM",
    "shoe_size_band": ["2", "3"],
}

people = st.lists(
    st.tuples(
        st.fixed_dictionaries({k: st.sampled_from(list(v)) for k, v in VALUES.items()}),
        st.sampled_from(["A", "B"]),
    ),
    max_size=9,
)


def _records(prefix: str, drawn) -> list[Record]:
    return [record(f"{prefix}{i}", answers, site) for i, (answers, site) in enumerate(drawn)]


@settings(max_examples=150, deadline=None)
@given(people, people, st.integers(0, 2), st.randoms(use_true_random=False))
def test_property_one_to_one_order_free_and_symmetric(a, b, max_mismatch, rnd: random.Random):
    earlier, later = _records("e", a), _records("l", b)
    result = link_waves(earlier, later, max_mismatch)
    lefts = [lk.earlier for lk in result.links]
    rights = [lk.later for lk in result.links]
    assert len(set(lefts)) == len(lefts) and len(set(rights)) == len(rights)  # one to one
    assert all(lk.mismatches <= max_mismatch for lk in result.links)
    # every record is in exactly one group
    groups_e = [set(lefts), set(result.ambiguous_earlier), set(result.unmatched_earlier)]
    assert sum(len(g) for g in groups_e) == len(earlier) == len(set().union(*groups_e))
    groups_l = [set(rights), set(result.ambiguous_later), set(result.unmatched_later)]
    assert sum(len(g) for g in groups_l) == len(later) == len(set().union(*groups_l))
    # the order of the records does not matter
    shuffled_e, shuffled_l = list(earlier), list(later)
    rnd.shuffle(shuffled_e)
    rnd.shuffle(shuffled_l)
    assert link_waves(shuffled_e, shuffled_l, max_mismatch) == result
    # swapping the waves swaps the sides of each link and nothing else
    swapped = link_waves(later, earlier, max_mismatch)
    assert {(lk.later, lk.earlier, lk.mismatches) for lk in swapped.links} == {
        (lk.earlier, lk.later, lk.mismatches) for lk in result.links
    }
    assert swapped.ambiguous_earlier == result.ambiguous_later
    assert swapped.unmatched_later == result.unmatched_earlier
    # no link has a closer candidate that was left unlinked for nothing
    for lk in result.links:
        e = next(r for r in earlier if r.id == lk.earlier)
        for r in later:
            d = sum(e.digests.get(k) != r.digests.get(k) for k in SGIC_ELEMENT_IDS)
            closer = d < lk.mismatches and (d == 0 or r.site == e.site)
            if closer:
                assert r.id in rights or r.id in result.ambiguous_later
