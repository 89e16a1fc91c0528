"""How queries find conditions: names, aliases, codes, everyday words, free text and typos."""

from __future__ import annotations

import pytest
import simple_icd_10_cm as icd
from hypothesis import given, settings
from hypothesis import strategies as st

from massage_cli.icd10 import parse_codes
from massage_cli.knowledge import load_bundled
from massage_cli.matching import (
    Index,
    Match,
    NoMatch,
    compact,
    lookup,
    normalise,
    search,
    stem,
)
from massage_cli.model import replace

KB = load_bundled()
CONDITIONS = KB.conditions


def found_id(index: Index, query: str) -> str | None:
    result = lookup(index, query)
    return result.condition.id if isinstance(result, Match) else None


class TestNormalise:
    """The normaliser ignores case, spacing, hyphens, punctuation and accents."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Low-Back  Pain!", "low back pain"),
            ("  FIBROMYALGIA ", "fibromyalgia"),
            ("Sjögren’s", "sjogrens"),
            ("M54.50", "m54 50"),
            ("", ""),
        ],
    )
    def test_examples(self, raw: str, expected: str) -> None:
        """Known inputs normalise to known outputs."""
        assert expected == normalise(raw)

    @given(st.text())
    def test_idempotent(self, text: str) -> None:
        """Normalising twice changes nothing."""
        assert normalise(normalise(text)) == normalise(text)

    @given(st.text(alphabet=st.characters(max_codepoint=0x17F, exclude_characters="ßſıİÿŉ")))
    def test_case_and_space_insensitive(self, text: str) -> None:
        """Upper case and extra spaces do not change the result (Latin letters)."""
        assert normalise(text.lower()) == normalise(text.upper())
        assert compact(f"  {text} ") == compact(text)

    def test_stem_meets_plurals(self) -> None:
        """Plurals and third-person verbs meet their base word."""
        assert [stem("legs"), stem("hurts"), stem("injuries"), stem("stress")] == [
            "leg",
            "hurt",
            "injury",
            "stress",
        ]

    @pytest.mark.parametrize(
        ("query", "key"), [("M79.7", "M797"), ("m797", "M797"), ("s13.4xxa", "S134XXA"), ("back", None)]
    )
    def test_code_key(self, query: str, key: str | None) -> None:
        """Code-shaped queries become upper case keys without the dot; other words are no code."""
        assert ([key] if key else None) == parse_codes(query)


class TestEveryConditionResolves:
    """Every id, name, alias and code in the knowledge base leads back to its own condition."""

    @pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.id)
    def test_id_and_name(self, index: Index, condition) -> None:
        """The id and the name (in any case, with odd spacing) find the condition."""
        for query in (condition.id, condition.name, condition.name.upper(), f"  {condition.name}  "):
            assert condition.id == found_id(index, query), query

    @pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.id)
    def test_aliases(self, index: Index, condition) -> None:
        """Each alias finds the condition."""
        for alias in condition.aliases:
            assert condition.id == found_id(index, alias), alias

    @pytest.mark.parametrize("condition", [c for c in CONDITIONS if c.icd10], ids=lambda c: c.id)
    def test_codes_with_and_without_dot(self, index: Index, condition) -> None:
        """Each code finds the condition, written with or without the dot, in any case."""
        for code in condition.icd10:
            for query in (code, code.replace(".", ""), code.lower()):
                result = lookup(index, query)
                assert isinstance(result, Match) and result.condition.id == condition.id, query
                assert "icd10" == result.matched_by or result.matched_by in ("alias", "name")

    @pytest.mark.parametrize("condition", [c for c in CONDITIONS if c.icd10], ids=lambda c: c.id)
    def test_more_specific_codes_resolve_up_the_hierarchy(self, index: Index, condition) -> None:
        """A child of a listed code finds the nearest condition up the code's hierarchy."""
        listed = {c.replace(".", ""): cond.id for cond in CONDITIONS for c in cond.icd10}
        for code in condition.icd10:
            for child in icd.get_descendants(code)[:25]:
                key = child.replace(".", "")
                owner = next(listed[key[:end]] for end in range(len(key), 2, -1) if key[:end] in listed)
                assert owner == found_id(index, child), child


class TestLookup:
    """Lookups people actually type."""

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("slipped disc", "herniated-disc"),
            ("stiff neck", "neck-pain"),
            ("blood clot", "deep-vein-thrombosis"),
            ("broken bone", "broken-bone"),
            ("Fibromyalgia", "fibromyalgia"),
            ("M79.7", "fibromyalgia"),
            ("m797", "fibromyalgia"),
            ("M54.41", "sciatica"),
            ("my lower back hurts after lifting boxes", "low-back-pain"),
            ("I think I have fibromyalgia", "fibromyalgia"),
            ("pain from kidney stones", "kidney-stone"),
            ("whiplash after a car crash", "whiplash"),
        ],
    )
    def test_finds(self, index: Index, query: str, expected: str) -> None:
        """Everyday words, codes and free text find the right condition."""
        assert expected == found_id(index, query)

    def test_free_text_prefers_the_most_cautious_condition(self, index: Index) -> None:
        """When the words name two conditions, the more cautious one is shown and the other noted."""
        result = lookup(index, "fibromyalgia and a blood clot in my leg")
        assert isinstance(result, Match)
        assert "deep-vein-thrombosis" == result.condition.id
        assert "fibromyalgia" in [c.id for c in result.also]

    def test_one_clear_typo_is_corrected(self, index: Index) -> None:
        """A misspelling with one clear best match is taken, marked as fuzzy."""
        result = lookup(index, "fibromyalga")
        assert isinstance(result, Match)
        assert ("fibromyalgia", "fuzzy") == (result.condition.id, result.matched_by)

    def test_unknown_words_get_no_match(self, index: Index) -> None:
        """Words that name nothing give no match."""
        assert isinstance(lookup(index, "quantum chromodynamics"), NoMatch)

    def test_never_guesses_between_close_conditions(self) -> None:
        """Two conditions equally close to a typo: nothing is shown, both are suggested."""
        base = KB.conditions[0]
        twins = (
            replace(base, id="twin-a", name="Lumbar thing", aliases=()),
            replace(base, id="twin-b", name="Lumbar thong", aliases=()),
        )
        index = Index.build(replace(KB, conditions=twins))
        result = lookup(index, "lumbar thang")
        assert isinstance(result, NoMatch)
        assert {"Lumbar thing", "Lumbar thong"} == set(result.suggestions)

    def test_header_code_of_two_conditions_is_not_guessed(self, index: Index) -> None:
        """M54.5 covers acute (M54.50) and chronic (M54.51) low back pain: both are suggested, neither shown."""
        result = lookup(index, "M54.5")
        assert isinstance(result, NoMatch)
        expected = {index.condition("low-back-pain").name, index.condition("chronic-low-back-pain").name}
        assert expected == set(result.suggestions)

    def test_unknown_code_is_not_found(self, index: Index) -> None:
        """A code-shaped query that no condition lists finds nothing."""
        assert isinstance(lookup(index, "Z99.89"), NoMatch)

    @given(st.text(max_size=300))
    @settings(max_examples=300, deadline=None)
    def test_any_text_is_handled(self, text: str) -> None:
        """Any string gives a match or a no-match, never an exception."""
        index = Index.build(KB)
        assert isinstance(lookup(index, text), (Match, NoMatch))


class TestSearch:
    """Full-text search ranks conditions by where the words appear."""

    def test_names_rank_first(self, kb) -> None:
        """A word in a condition's name ranks that condition first."""
        hits = search(kb, "sciatica")
        assert "sciatica" == hits[0].condition.id

    def test_no_hits(self, kb) -> None:
        """Words found nowhere give no hits."""
        assert [] == search(kb, "xylophone zeppelin")


class TestSearchRanks:
    """Search ranks by coverage, place and rarity, never by the alphabet, and drops generic-only hits."""

    def test_bare_body_word_puts_the_general_entry_first(self, kb) -> None:
        """'back' ranks low back pain above the alphabetically earlier back entries."""
        ids = [h.condition.id for h in search(kb, "back")]
        assert "low-back-pain" in ids[:3]

    def test_generic_only_hits_dropped(self, kb) -> None:
        """Every hit for 'knee pain' shares 'knee', not only 'pain'."""
        hits = search(kb, "knee pain")
        assert hits
        for hit in hits:
            c = hit.condition
            text = " ".join(
                [
                    c.name,
                    *c.aliases,
                    c.summary,
                    *c.benefits,
                    *c.precautions,
                    *(item.line for item in c.see_a_doctor_if),
                    *c.cannot_replace,
                    c.evidence.summary,
                ]
            ).lower()
            assert "knee" in text, c.id

    def test_scores_strictly_order_ties_by_relevance(self, kb) -> None:
        """Scores are never increasing down the list."""
        scores = [h.score for h in search(kb, "sore back after gardening")]
        assert scores == sorted(scores, reverse=True)

    def test_rare_word_outranks_common_word(self, kb) -> None:
        """A rare word that names an entry beats a word found everywhere."""
        assert "sciatica" == search(kb, "sciatica pain")[0].condition.id

    def test_json_objects_are_list_objects_plus_score(self, run) -> None:
        """search --json objects carry everything list --json does, plus score."""
        import json

        listed = json.loads(run("list", "--json").stdout)
        found = json.loads(run("search", "sciatica", "--json").stdout)
        assert set(listed[0]) | {"score"} == set(found[0])


class TestTokensFastPath:
    """The fast path of tokens() gives exactly the words of the full path."""

    @settings(max_examples=500, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("abcdimnotw ,./-'`\"!?A\u00e9")), max_size=30))
    def test_same_words(self, text: str) -> None:
        """With or without apostrophes and contraction words, the tokens are the same."""
        from massage_cli.words import expand_contractions, tokens

        assert tuple(stem(w) for w in expand_contractions(text).split()) == tokens(text)
