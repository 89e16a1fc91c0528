"""Patients can read it: a reading-level gate, honest evidence lines, and an audit of sources."""

from __future__ import annotations

import json
import re
import sys

import pytest

from massage_cli.cli import ExitCode
from massage_cli.knowledge import load_bundled
from massage_cli.model import DoctorSign, EvidenceLevel, Urgency, replace
from massage_cli.readability import CEILING, TARGET_MEDIAN, gate, scores

KB = load_bundled()
HARD = (
    "Notwithstanding considerable methodological heterogeneity, contemporaneous randomized "
    "investigations demonstrated statistically indeterminate musculoskeletal ameliorations "
    "attributable to manipulative soft-tissue interventions administered concomitantly with "
    "multidisciplinary rehabilitative programmes."
)


class TestReadingLevel:
    """Every patient-facing text is at a 6th-8th grade reading level (Flesch-Kincaid)."""

    def test_bundled_meets_the_target(self) -> None:
        """Median grade at most 6 and no entry above 8, for conditions (with what the patient tells
        the therapist), FAQ answers, red flags, and the therapist's session blocks and medicines."""
        found = scores(KB)
        assert [] == gate(found), "\n".join(gate(found))
        assert {"condition", "faq", "red-flag", "session", "medicine"} == {s.kind for s in found}

    @pytest.mark.parametrize("kind", ["condition", "faq", "red-flag", "session", "medicine"])
    def test_median_per_kind(self, kind: str) -> None:
        """Each kind of entry has a median grade of at most 8."""
        grades = sorted(s.grade for s in scores(KB) if s.kind == kind)
        assert grades[len(grades) // 2] <= TARGET_MEDIAN

    def test_hard_entry_fails_and_is_named(self) -> None:
        """Adding a hard-to-read entry fails the gate, naming the entry and its grade."""
        base = KB.conditions[0]
        hard = replace(
            base,
            id="jargon",
            summary=HARD,
            benefits=(HARD,),
            precautions=(HARD,),
            see_a_doctor_if=(DoctorSign(HARD, Urgency.SOON),),
            cannot_replace=(HARD,),
            evidence=replace(base.evidence, summary=HARD),
        )
        problems = gate(scores(replace(KB, conditions=(*KB.conditions, hard))))
        assert any(re.match(r"condition 'jargon': grade \d+\.\d is above 8", p) for p in problems), problems

    def test_many_hard_entries_fail_the_median(self) -> None:
        """If most entries are hard, the median check fails too."""
        hard = tuple(replace(c, summary=HARD, benefits=(HARD,)) for c in KB.conditions)
        problems = gate(scores(replace(KB, conditions=hard)))
        assert any(p.startswith("condition entries: median grade") for p in problems)

    def test_ceiling_is_ten(self) -> None:
        """The ceiling is grade 8, the median target grade 6."""
        assert (6.0, 8.0) == (TARGET_MEDIAN, CEILING)


class TestValidateReadability:
    """`validate --readability` shows the scores for clinics writing their own entries."""

    def test_scores_hardest_first(self, run) -> None:
        """JSON lists every entry with its grade, hardest first, and exit 0 when the target is met."""
        result = run("validate", "--readability", "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        grades = [s["grade"] for s in data["scores"]]
        assert data["ok"] and grades == sorted(grades, reverse=True)
        sessions = sum(1 for c in KB.conditions if c.session)
        assert len(KB.conditions) + len(KB.faq) + len(KB.red_flags) + sessions + len(KB.medicines) == len(
            grades
        )

    def test_hard_clinic_entry_fails(self, run, tmp_path) -> None:
        """A clinic entry written in jargon is named, and the command exits 3."""
        from .test_layers import CONDITION

        path = tmp_path / "clinic.yaml"
        quoted = f'"{HARD}"'
        text = CONDITION.replace("Gentle massage may ease a sore ear.", quoted).replace(
            "Small studies only.", quoted
        )
        for item in (
            "It may ease tight ear muscles.",
            "Ask for light pressure.",
            "The pain lasts more than two weeks.",
        ):
            text = text.replace(item, quoted)
        path.write_text(text, encoding="utf-8")
        result = run("--kb", str(path), "validate", "--readability", "--format", "plain")
        assert ExitCode.KNOWLEDGE_BASE == result.exit_code
        assert "condition 'ear-ache': grade" in result.stdout

    @pytest.mark.parametrize("fmt", ["rich", "markdown", "html"])
    def test_formats(self, run, fmt: str) -> None:
        """Every format shows the verdict and the table."""
        result = run("validate", "--readability", "--format", fmt, env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "fibromyalgia" in result.stdout

    def test_without_textstat(self, run, monkeypatch) -> None:
        """Without textstat installed, a clear message says how to get it."""
        monkeypatch.setitem(sys.modules, "textstat", None)
        result = run("validate", "--readability")
        assert ExitCode.USAGE == result.exit_code
        assert "pip install textstat" in result.stderr
        assert "massage-cli[authoring]" not in result.stderr  # not on a package index: no install from it


class TestEvidence:
    """Each condition says how strong the evidence is, honestly."""

    @pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
    def test_level_and_one_or_two_sentences(self, condition) -> None:
        """The evidence has a level and one to four plain sentences (room to say whether a claim was
        never tested or tested and found not to work)."""
        assert isinstance(condition.evidence.level, EvidenceLevel)
        sentences = re.findall(r"[.!?](?:\s|$)", condition.evidence.summary)
        assert 1 <= len(sentences) <= 4, condition.evidence.summary

    def test_no_high_quality_claims(self) -> None:
        """No entry claims high-quality evidence: the research on massage is mostly low quality."""
        assert [] == [c.id for c in KB.conditions if c.evidence.level is EvidenceLevel.HIGH]

    def test_helps_never_rests_on_opinion_alone(self) -> None:
        """A 'helps' verdict is backed by studies (low evidence or better), not opinion alone."""
        weak = [
            c.id
            for c in KB.conditions
            if c.verdict.value == "helps" and c.evidence.level is EvidenceLevel.EXPERT_OPINION
        ]
        assert [] == weak

    def test_list_filters_by_evidence(self, run) -> None:
        """`list --evidence very-low` lists exactly those conditions."""
        data = json.loads(run("list", "--evidence", "very-low", "--json").stdout)
        assert sorted(c.id for c in KB.conditions if c.evidence.level is EvidenceLevel.VERY_LOW) == sorted(
            r["id"] for r in data
        )
        assert {"very-low"} == {r["evidence_level"] for r in data}


class TestSources:
    """`sources` lists every cited source with who cites it, for reviewers."""

    def test_every_source_listed_once(self, run) -> None:
        """Each distinct URL appears once, with every entry that cites it."""
        data = json.loads(run("sources", "--json").stdout)
        urls = [row["url"] for row in data]
        assert len(urls) == len(set(urls))
        expected = {s.url for c in KB.conditions for s in c.sources} | {
            s.url for f in KB.faq for s in f.sources
        }
        assert expected <= set(urls)
        fibro = [row for row in data if {"kind": "condition", "id": "fibromyalgia"} in row["cited_by"]]
        assert {s.url for s in KB.condition("fibromyalgia").sources} == {row["url"] for row in fibro}

    @pytest.mark.parametrize("fmt", ["plain", "markdown", "rich", "html"])
    def test_formats(self, run, fmt: str) -> None:
        """Every format shows the URLs."""
        result = run("sources", "--format", fmt, env={"COLUMNS": "250"})
        assert result.exit_code == 0, result.output
        assert "https://www.nccih.nih.gov/health/massage-therapy-what-you-need-to-know" in result.stdout
