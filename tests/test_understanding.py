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
