"""The red-flag matcher's rules, on small catalogues of their own: real words are never typos,
idioms are not signs, context and age gate the flags that need them, and the whole scan limit holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from massage_cli.model import Action, RedFlag, Source
from massage_cli.redflags import MAX_SCAN, RedFlagIndex, content_words
from massage_cli.words import english_words

SOURCE = (Source("NHS", "https://www.nhs.uk/"),)


def flag(flag_id: str, *phrases: str, action: Action = Action.URGENT, **extra) -> RedFlag:
    return RedFlag(flag_id, flag_id, action, "May mean.", "See a doctor today.", phrases, SOURCE, **extra)


CATALOGUE = (
    flag("chills", "fever", "chills", "shivery"),
    flag("clot", "blood clot", "clot leg"),
    flag("fall", "fell", "fall", "slipped", context=("back", "neck", "spine")),
    flag("cancer", "cancer", "chemo", context=("back pain", "spine"), past_counts=True),
    flag("jaw", "jaw pain chewing", context=("headache",), min_age=50),
)
INDEX = RedFlagIndex.build(CATALOGUE)


def ids(query: str, context: str = "") -> list[str]:
    return [f.id for f in INDEX.detect(query, context)]


class TestRealWordsAreNotTypos:
    """A real English word is what the person meant, never a misspelt warning sign."""

    @pytest.mark.parametrize(
        "query",
        ["my child has a stiff neck", "a cloth neck brace", "feeling chilly", "a clog in the sink"],
    )
    def test_real_word_one_letter_away(self, query: str) -> None:
        """child is not chill, cloth is not clot."""
        assert [] == ids(query)

    @pytest.mark.parametrize(("query", "expected"), [("feaver and aches", "chills"), ("blood clott", "clot")])
    def test_misspelling_that_is_no_word_is_still_caught(self, query: str, expected: str) -> None:
        """Typo tolerance stays for misspellings that are not words."""
        assert [expected] == ids(query)

    def test_dictionary_holds_everyday_words(self) -> None:
        """The shipped word list knows ordinary words and not common misspellings."""
        words = english_words()
        assert {"child", "cloth", "ankle", "wound"} <= words
        assert not {"feaver", "numbnes", "weaknes"} & words


class TestIdioms:
    """Figures of speech are not signs."""

    @pytest.mark.parametrize(
        "query",
        [
            "fell asleep on the couch and my back is stiff",
            "I keep falling asleep at my desk, neck ache",
            "chill out massage for my sore back",
            "we fell in love with hot stone massage, back pain gone",
        ],
    )
    def test_idiom_raises_nothing(self, query: str) -> None:
        """Falling asleep is not a fall; chilling out is not chills."""
        assert [] == ids(query)

    def test_real_fall_with_back_pain_still_counts(self) -> None:
        """A real fall with back pain is still caught."""
        assert ["fall"] == ids("I fell and hurt my back")


class TestContext:
    """Flags that are signs only together with something else need that something."""

    @pytest.mark.parametrize(
        "query", ["massage during cancer treatment", "does massage spread cancer?", "chemo and tired"]
    )
    def test_without_context_nothing(self, query: str) -> None:
        """The bare word raises nothing."""
        assert [] == ids(query)

    @pytest.mark.parametrize(
        "query", ["back pain and I had cancer", "cancer in my spine", "chemo, bad back pain"]
    )
    def test_with_context_the_flag(self, query: str) -> None:
        """With its context anywhere in the query, the flag counts."""
        assert ["cancer"] == ids(query)

    def test_context_from_the_matched_condition(self) -> None:
        """The name of the condition the query found counts as context."""
        assert ["fall"] == ids("I slipped yesterday", context="Spine problems")
        assert [] == ids("I slipped yesterday", context="Ankle sprain")

    def test_context_tolerates_typos(self) -> None:
        """A misspelt context word still counts."""
        assert ["cancer"] == ids("had cancer and now my spnie hurts")

    def test_context_alone_raises_nothing(self) -> None:
        """Context words are not signs on their own."""
        assert [] == ids("back pain and a stiff neck")


class TestMinAge:
    """A flag with a minimum age does not count when a younger age is stated."""

    def test_no_age_stated_counts(self) -> None:
        """Without an age, be cautious: the flag counts."""
        assert ["jaw"] == ids("new headache and jaw pain when chewing")

    @pytest.mark.parametrize(("age", "expected"), [("30", []), ("49", []), ("50", ["jaw"]), ("72", ["jaw"])])
    def test_stated_age(self, age: str, expected: list[str]) -> None:
        """Below the minimum, nothing; at or above it, the flag."""
        assert expected == ids(f"I'm {age} with a new headache and jaw pain when chewing")


class TestScanLimit:
    """The documented limit of the scan (MAX_SCAN characters) is what is scanned."""

    FILLER = "my back has been sore for a while and "

    def padded(self, end: int, phrase: str = "blood clot") -> str:
        """A long message whose phrase ends exactly at character `end`."""
        filler = (self.FILLER * (end // len(self.FILLER) + 1))[: end - len(phrase) - 1]
        return filler + " " + phrase

    def test_sign_at_the_limit_is_caught(self) -> None:
        """A warning sign that ends at character 20,000 is caught."""
        query = self.padded(MAX_SCAN)
        assert MAX_SCAN == len(query)
        assert ["clot"] == ids(query)

    def test_sign_past_the_limit_is_not_scanned(self) -> None:
        """A warning sign wholly after the limit is past the documented scan."""
        query = self.padded(MAX_SCAN)[: MAX_SCAN - len("blood clot") - 1] + " " * 20 + " blood clot"
        assert [] == ids(query)

    def test_limit_is_twenty_thousand(self) -> None:
        """The README promises 20,000 characters."""
        assert 20_000 == MAX_SCAN
        readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
        assert "20,000" in readme


_PHRASE_WORDS = {w for f in CATALOGUE for p in (*f.phrases, *f.context, f.name) for w in content_words(p)}
_ORDINARY = sorted(w for w in english_words() if len(w) <= 9 and not (set(content_words(w)) & _PHRASE_WORDS))


class TestProperties:
    """Properties over many generated sentences."""

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(_ORDINARY), min_size=1, max_size=25))
    def test_real_words_that_name_no_sign_raise_nothing(self, words: list[str]) -> None:
        """Sentences of real words that are not sign words raise no flag, however close the spelling."""
        assert [] == ids(" ".join(words))


class TestBannerAction:
    """The verdict line says the strongest action the flags present call for, not always 'emergency'."""

    LAYER: ClassVar[dict[str, object]] = {
        "red_flags": [
            {
                "id": "only-urgent",
                "name": "An urgent but not emergency sign",
                "question": "Do you have zzqx?",
                "action": "urgent",
                "may_mean": "It may mean something.",
                "message": "See a doctor today.",
                "phrases": ["zzqx"],
                "sources": [{"title": "NHS", "url": "https://www.nhs.uk/"}],
            }
        ]
    }

    def test_urgent_flag_says_see_a_doctor_today(self, run, tmp_path: Path) -> None:
        """An urgent flag alone gives 'See a doctor today', in the verdict line and the warning."""
        layer = tmp_path / "layer.yaml"
        layer.write_text(json.dumps(self.LAYER), encoding="utf-8")
        result = run("--kb", str(layer), "check", "sciatica and zzqx", "--format", "plain")
        assert 1 != result.exit_code or result.stdout, result.output
        head = result.stdout.splitlines()
        assert head[0] == "WARNING: See a doctor today, before any massage."
        verdict = next(line for line in head if line.startswith("SEE A DOCTOR TODAY: "))
        assert verdict == "SEE A DOCTOR TODAY: Massage is not the answer."  # the badge says when, once
        assert "emergency department" not in verdict


class TestIdiomsAndStems:
    """More idioms, and typos whose stem is a word."""

    @pytest.mark.parametrize(
        "query",
        [
            "fell pregnant and my back hurts",
            "fell ill last week, stiff back",
            "fell out with my boss, back pain",
        ],
    )
    def test_more_idioms(self, query: str) -> None:
        """Falling pregnant, ill or out with someone is not a fall."""
        assert [] == ids(query)

    def test_falling_out_of_bed_is_a_fall(self) -> None:
        """Falling out of bed is a fall."""
        assert ["fall"] == ids("I fell out of bed and hurt my back")
