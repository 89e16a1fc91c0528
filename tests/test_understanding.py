"""What people really type finds the right entry: sentences, questions, body parts, typos and codes,
and when nothing fits, the suggestions stay on the body part and never frighten on spelling alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from massage_cli.answer import answer
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index, Match, NoMatch, lookup
from massage_cli.model import Verdict
from massage_cli.words import body_parts_named, other_body_part

KB = load_bundled()
INDEX = Index.build(KB)
BY_NAME = {c.name: c for c in KB.conditions}
PHRASINGS = yaml.safe_load((Path(__file__).parent / "data" / "phrasings.yaml").read_text(encoding="utf-8"))


def shown(query: str) -> str | None:
    """The id of the entry a query is answered with, or None."""
    result = answer(INDEX, query)
    return result.condition.id if result.condition else None


class TestEverydayPhrasings:
    """Each entry is found by the ordinary ways people describe it (tests/data/phrasings.yaml)."""

    def test_enough(self) -> None:
        """At least two phrasings for each entry added in the whole-body round, 150 in all."""
        assert len(PHRASINGS) >= 150

    @pytest.mark.parametrize("case", PHRASINGS, ids=[c["query"] for c in PHRASINGS])
    def test_phrasing_finds_its_entry(self, case: dict[str, str]) -> None:
        """The phrasing is answered with its entry."""
        assert case["id"] == shown(case["query"])


# (query, the entry it must show). Sentences, questions, body parts and typos.
UNDERSTOOD = [
    # sentences and questions
    ("my back is killing me", "low-back-pain"),
    ("my lower back is sore after gardening", "low-back-pain"),
    ("I have a headache", "headache"),
    ("does massage help with fibromyalgia", "fibromyalgia"),
    ("does massage help with fibromyalgya", "fibromyalgia"),
    ("is it ok to get a massage with sciatica", "sciatica"),
    ("is it OK to get a massage if I have plantar fasciitis?", "plantar-fasciitis"),
    ("what about shin splints", "shin-splints"),
    ("I think I have tennis elbow", "tennis-elbow"),
    ("can massage help my frozen shoulder?", "frozen-shoulder"),
    ("will a massage help my migraines", "migraine"),
    ("massage for anxiety", "anxiety"),
    ("my knee hurts when I climb stairs", "knee-pain"),
    ("back is sore", "low-back-pain"),
    ("neck is stiff", "neck-pain"),
    ("I sprained my ankle", "ankle-sprain"),
    ("sore muscles after the gym", "doms"),
    ("lymphatic drainage detox", "detox"),
    ("lymphatic drainage for weight loss", "massage-for-weight-loss"),
    ("my healed burn scar is tight", "scar-tissue"),
    ("torticollis in my baby", "infant-torticollis"),
    # a body part and nothing more specific
    ("back", "low-back-pain"),
    ("neck", "neck-pain"),
    ("knee", "knee-pain"),
    ("my hip hurts", "hip-pain"),
    ("sore shoulder", "shoulder-pain"),
    ("shoulder", "shoulder-pain"),
    ("my feet hurt", "foot-pain"),
    ("headache", "headache"),
    ("knee pain", "knee-pain"),
    ("hip", "hip-pain"),
    # typos
    ("migrane", "migraine"),
    ("tennis elbo", "tennis-elbow"),
    ("frozen sholder", "frozen-shoulder"),
    ("carpal tunel", "carpal-tunnel"),
    ("plantar fascitis", "plantar-fasciitis"),
    ("sciatika", "sciatica"),
    ("fibromyalga", "fibromyalgia"),
]


class TestSentencesBodyPartsAndTypos:
    """Sentences, questions, bare body parts and misspellings reach the entry meant."""

    @pytest.mark.parametrize(("query", "expected"), UNDERSTOOD, ids=[q for q, _ in UNDERSTOOD])
    def test_understood(self, query: str, expected: str) -> None:
        """The query is answered with the entry a person means."""
        assert expected == shown(query)

    @pytest.mark.parametrize("query", ["I have a headache", "does massage help with fibromyalgia"])
    def test_name_inside_a_question_is_text(self, query: str) -> None:
        """A name found inside a question is matched_by 'text', not 'id' or 'name'."""
        result = lookup(INDEX, query)
        assert isinstance(result, Match) and "text" == result.matched_by

    def test_body_part_answer_is_marked(self) -> None:
        """A bare body part is answered with matched_by 'body-part'."""
        result = lookup(INDEX, "knee")
        assert isinstance(result, Match) and "body-part" == result.matched_by

    @pytest.mark.parametrize(
        ("query", "part"),
        [
            ("elbow", "elbow"),
            ("pain on the outside of my elbow", "elbow"),
            ("my wrist hurts", "wrist"),
            ("ankle", "ankle"),
            ("my toes hurt", "foot"),
        ],
    )
    def test_part_without_a_general_entry_gives_a_menu_of_that_part(self, query: str, part: str) -> None:
        """Without a general entry, the answer is found or a menu of entries on that part only."""
        result = lookup(INDEX, query)
        if isinstance(result, Match):
            assert part in result.condition.body_parts
        else:
            assert result.suggestions
            assert all(part in BY_NAME[name].body_parts for name in result.suggestions)

    @pytest.mark.parametrize("query", ["knee pain", "my knee hurts", "sore knees", "knee ache"])
    def test_knee_never_suggests_back_or_neck(self, query: str) -> None:
        """A knee query is never answered with, or offered, a back or neck condition."""
        result = lookup(INDEX, query)
        names = [result.condition.name] if isinstance(result, Match) else list(result.suggestions)
        for name in names:
            assert not {"neck", "upper-back", "lower-back"} & set(BY_NAME[name].body_parts), name

    @pytest.mark.parametrize("query", ["heel pain", "chest pain", "plantar fasciitis", "spondylolisthesis"])
    def test_no_bleeding_or_infection_by_spelling(self, query: str) -> None:
        """Spelling alone never brings up bleeding disorders or a spinal infection."""
        result = lookup(INDEX, query)
        names = [result.condition.name] if isinstance(result, Match) else list(result.suggestions)
        assert not any(BY_NAME[n].id in {"bleeding-disorder", "spinal-infection"} for n in names), names

    @pytest.mark.parametrize("query", ["xyzzy hurts", "zorblat", "a qwerty ache"])
    def test_no_urgent_suggestion_on_spelling(self, query: str) -> None:
        """Nonsense never brings up an urgent entry."""
        result = lookup(INDEX, query)
        if isinstance(result, NoMatch):
            assert not any(BY_NAME[n].verdict is Verdict.URGENT for n in result.suggestions)

    def test_at_most_three_suggestions(self) -> None:
        """Suggestions are a short list."""
        for query in ["leg pain", "sore legs", "tummy ache", "my thigh hurts", "wrist"]:
            result = lookup(INDEX, query)
            if isinstance(result, NoMatch):
                assert len(result.suggestions) <= 3


_PART_WORDS = [
    "knee",
    "knees",
    "hip",
    "shoulder",
    "elbow",
    "wrist",
    "ankle",
    "heel",
    "jaw",
    "neck",
    "back",
    "feet",
    "foot",
    "calf",
    "thigh",
    "hand",
    "arm",
    "face",
    "groin",
    "toes",
]
_FEELINGS = [
    "hurts",
    "is sore",
    "aches",
    "pain",
    "feels tight",
    "is killing me",
    "is stiff",
    "throbs",
    "clicks",
    "feels weird",
    "",
    "has been bad",
]
_PADDING = ["", "my", "really", "since monday", "after work", "a lot", "please help", "at night"]


class TestBodyPartProperty:
    """For any query naming a body part, no suggestion belongs only to another body part."""

    @given(
        part=st.sampled_from(_PART_WORDS),
        feeling=st.sampled_from(_FEELINGS),
        before=st.sampled_from(_PADDING),
        after=st.sampled_from(_PADDING),
    )
    @settings(max_examples=400, deadline=None)
    def test_suggestions_stay_on_the_part(self, part: str, feeling: str, before: str, after: str) -> None:
        """'my elbow clicks after work' never offers a neck entry."""
        query = " ".join(w for w in (before, "my", part, feeling, after) if w)
        named = body_parts_named(query)
        result = lookup(INDEX, query)
        if isinstance(result, NoMatch):
            for name in result.suggestions:
                assert not other_body_part(named, BY_NAME[name].body_parts), (query, name)
        elif result.matched_by in ("fuzzy", "body-part"):
            assert not other_body_part(named, result.condition.body_parts), (query, result.condition.id)


class TestCodesAsWritten:
    """Codes copied from a note: prefixes, several at once, any 7th character, headings, and codes
    the knowledge base does not list (answered from their official title)."""

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("dx: M54.50", "low-back-pain"),
            ("ICD-10: M54.50", "low-back-pain"),
            ("Dx - m5450", "low-back-pain"),
            ("S16.1XXD", "muscle-strain"),
            ("S13.4XXS", "whiplash"),
            ("S39.012D", "muscle-strain"),
            ("I80.20", "deep-vein-thrombosis"),
            ("M75.0", "frozen-shoulder"),
            ("G56.00", "carpal-tunnel"),
            ("G43.719", "migraine"),
        ],
    )
    def test_code_finds_its_entry(self, query: str, expected: str) -> None:
        """The code, however it is written, reaches the entry for it."""
        assert expected == shown(query)

    def test_several_codes_show_the_most_cautious_and_name_the_others(self) -> None:
        """'M54.50, M79.7' shows the more cautious entry and names the other one."""
        result = answer(INDEX, "M54.50, M79.7")
        assert result.match is not None
        assert "fibromyalgia" == result.match.condition.id
        assert ["low-back-pain"] == [c.id for c in result.match.also]

    def test_unlisted_code_is_named_with_its_title(self, run) -> None:
        """M25.561 names the code, its official title and that it is billable, and reaches the knee."""
        import json

        data = json.loads(run("check", "M25.561", "--json").stdout)
        assert {"code": "M25.561", "title": "Pain in right knee", "billable": True} == data["code"]
        assert "knee" in data["condition"]["body_parts"]

    def test_answer_from_the_title_is_marked(self) -> None:
        """A code no entry lists is answered from its title, with its own matched_by and a note."""
        result = lookup(INDEX, "G43.719")
        assert isinstance(result, Match) and "icd10-title" == result.matched_by
        assert result.code is not None and "migraine" in result.code.title.lower()
        assert "No entry lists this code" in result.note

    def test_title_never_answers_with_another_body_part(self) -> None:
        """An ACL sprain of the knee (S83.511A) is never the back sprain entry."""
        result = lookup(INDEX, "S83.511A")
        names = [result.condition.name] if isinstance(result, Match) else list(result.suggestions)
        assert names and all("knee" in BY_NAME[n].body_parts for n in names)

    def test_retired_code_says_so_and_offers_its_successors(self) -> None:
        """M54.5 says it is no longer billable since 1 October 2021 and offers the low back entries."""
        result = lookup(INDEX, "M54.5")
        assert isinstance(result, NoMatch)
        assert "1 October 2021" in result.note and "M54.50" in result.note
        assert {"low-back-pain", "chronic-low-back-pain"} <= {BY_NAME[n].id for n in result.suggestions}

    def test_endplate_code_carries_its_note(self) -> None:
        """M54.51 reaches chronic low back pain only with the note on what the code means."""
        result = lookup(INDEX, "M54.51")
        assert isinstance(result, Match) and "chronic-low-back-pain" == result.condition.id
        assert "scan" in result.note

    def test_code_not_in_the_code_set(self) -> None:
        """A code-shaped text that is no ICD-10-CM code says so."""
        result = lookup(INDEX, "Z99.99")
        assert isinstance(result, NoMatch) and "not a code in the ICD-10-CM code set" in result.note


class TestWordsNeverConfused:
    """Pairs of words that look alike but mean different things are kept apart."""

    @pytest.mark.parametrize(
        ("query", "expected", "never"),
        [
            ("cellulite", "cellulite", "skin-infection-or-wound"),
            ("does massage get rid of cellulite on my thighs", "cellulite", "skin-infection-or-wound"),
            ("cellulitis", "skin-infection-or-wound", "cellulite"),
            ("my healed burn scar is tight", "scar-tissue", "skin-infection-or-wound"),
            ("burn scars", "scar-tissue", "skin-infection-or-wound"),
            ("pulled my calf playing football", "leg-muscle-strain", "deep-vein-thrombosis"),
            ("calf strain", "leg-muscle-strain", "deep-vein-thrombosis"),
            ("dialysis", "kidney-disease", "kidney-stone"),
            ("I'm on dialysis, can I have a massage", "kidney-disease", "kidney-stone"),
            ("wound up and tense shoulders", "muscle-tension", "skin-infection-or-wound"),
            ("I sprained my ankle", "ankle-sprain", "sprain"),
            ("hay fever and a stiff neck", "neck-pain", "fever"),
            ("I have stable angina, is massage safe", "heart-disease", "stroke-warning-signs"),
        ],
    )
    def test_kept_apart(self, query: str, expected: str, never: str) -> None:
        """The query reaches its own entry and never the look-alike."""
        result = answer(INDEX, query)
        assert expected == shown(query)
        assert never not in [c.id for c in (result.match.also if result.match else ())]

    @pytest.mark.parametrize(
        "query", ["cellulite on my thighs", "pulled my calf playing football", "calf cramp"]
    )
    def test_look_alike_raises_no_flag(self, query: str) -> None:
        """Cellulite is not cellulitis and a strained calf is not a clot: no warning."""
        assert () == answer(INDEX, query).red_flags

    @pytest.mark.parametrize(
        ("query", "flag"),
        [("my calf is swollen and hot", "blood-clot-leg"), ("red hot swollen skin on my leg", "cellulitis")],
    )
    def test_the_real_sign_is_still_caught(self, query: str, flag: str) -> None:
        """A swollen, hot calf, or hot red swollen skin, is still a warning."""
        assert flag in [f.id for f in answer(INDEX, query).red_flags]


class TestPastConditions:
    """A condition named only in the past reaches its entry, unless that entry is for a problem
    that is there now (urgent or avoid), which would warn about something long gone."""

    @pytest.mark.parametrize(
        ("query", "entry"),
        [("had breast cancer", "cancer-care"), ("Bell's palsy 2 months ago", "bells-palsy")],
    )
    def test_a_past_condition_reaches_its_entry(self, index, query: str, entry: str) -> None:
        found = answer(index, query).condition
        assert found is not None and found.id == entry

    @pytest.mark.parametrize("query", ["had a DVT last year", "had shingles last year"])
    def test_a_past_acute_problem_is_not_shown_as_now(self, index, query: str) -> None:
        result = answer(index, query)
        assert result.condition is None and not result.red_flags
