"""Common questions with weak evidence reach an `unproven` entry, not nothing (issue 16 point 4)."""

from __future__ import annotations

import json

import pytest

from massage_cli.matching import Index, Match, lookup
from massage_cli.model import KnowledgeBase, Verdict

NEW_ENTRIES = {
    "autism": [
        "does massage help autism",
        "massage for autistic child",
        "my autistic son",
        "asd",
        "aspergers",
    ],
    "asthma": ["does massage help asthma", "asthma", "i have asthma"],
    "epilepsy": ["epilepsy", "can I have a massage if I have epilepsy", "seizures"],
    "irritable-bowel-syndrome": ["ibs", "irritable bowel syndrome", "does massage help ibs"],
}
"""Each new entry and questions people really type that reached no entry (or a wrong one) before."""


class TestQuestionsReachTheEntry:
    """Everyday questions find the new entries through the pure core."""

    @pytest.mark.parametrize(
        ("query", "expected"),
        [(query, entry) for entry, queries in NEW_ENTRIES.items() for query in queries],
    )
    def test_query_reaches_unproven_entry(self, index: Index, query: str, expected: str) -> None:
        """The question reaches its entry, and the verdict is `unproven`, not a green light."""
        result = lookup(index, query)
        assert isinstance(result, Match), query
        assert expected == result.condition.id, query
        assert Verdict.UNPROVEN is result.condition.verdict

    @pytest.mark.parametrize("entry", sorted(NEW_ENTRIES))
    def test_entry_cites_its_trials_and_a_doctor_sign(self, kb: KnowledgeBase, entry: str) -> None:
        """Each entry says how weak the evidence is, cites https sources and names when to see a doctor."""
        condition = next(c for c in kb.conditions if c.id == entry)
        assert condition.evidence.level.value in {"very-low", "expert-opinion"}
        assert len(condition.sources) >= 2
        assert all(s.url.startswith("https://") for s in condition.sources)
        assert condition.see_a_doctor_if
        assert condition.cannot_replace


class TestCheckCommand:
    """The CLI answers the autism question with the autism entry and its sources."""

    def test_autism_question_answers_unproven_with_sources(self, run) -> None:
        """`check "does massage help autism"` shows the autism entry, verdict unproven, with its review cited."""
        result = run("check", "does massage help autism", "--format", "json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["found"] is True
        assert "autism" == data["condition"]["id"]
        assert "unproven" == data["verdict"]
        urls = [s["url"] for s in data["sources"]]
        assert "https://pubmed.ncbi.nlm.nih.gov/36193150/" in urls

    def test_ibs_no_longer_corrected_to_it_band(self, run) -> None:
        """`check ibs` reaches irritable bowel syndrome, not IT band syndrome by typo correction."""
        result = run("check", "ibs", "--format", "json")
        assert result.exit_code == 0, result.output
        assert "irritable-bowel-syndrome" == json.loads(result.stdout)["condition"]["id"]
