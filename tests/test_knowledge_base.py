"""The bundled knowledge base: complete, sourced, cautious where it must be, with real codes."""

from __future__ import annotations

import re

import pytest
import simple_icd_10_cm as icd

from massage_cli.knowledge import load_bundled
from massage_cli.model import Verdict

KB = load_bundled()
BY_ID = {c.id: c for c in KB.conditions}

REQUIRED = [
    # The seed article's conditions.
    "muscle-strain",
    "muscle-tension",
    "osteoarthritis",
    "rheumatoid-arthritis",
    "fibromyalgia",
    "pain-after-surgery",
    "pain-after-injury",
    "sprain",
    "stress-and-anxiety",
    "trouble-sleeping",
    "stiffness",
    "broken-bone",
    "healed-fracture",
    "kidney-stone",
    "kidney-infection",
    "organ-back-pain",
    # Common back and neck conditions.
    "low-back-pain",
    "chronic-low-back-pain",
    "neck-pain",
    "thoracic-back-pain",
    "sciatica",
    "herniated-disc",
    "disc-degeneration",
    "spinal-stenosis",
    "whiplash",
    "tension-headache",
    "muscle-spasm",
    "myofascial-pain",
    "osteoporosis",
    "scoliosis",
    "ankylosing-spondylitis",
    "pregnancy-back-pain",
    "lymphedema",
    # Where massage must wait or is dangerous.
    "deep-vein-thrombosis",
    "cauda-equina-syndrome",
    "spinal-infection",
    "bone-cancer",
    "skin-infection-or-wound",
    "fever",
]

MUST_BE_URGENT = ["deep-vein-thrombosis", "cauda-equina-syndrome", "spinal-infection", "kidney-infection"]
MUST_NOT_BE_MASSAGED = ["broken-bone", "bone-cancer", "skin-infection-or-wound", "fever"]
MASSAGE_CANNOT_TREAT = ["kidney-stone", "kidney-infection", "organ-back-pain"]


class TestBreadth:
    """The knowledge base covers what patients ask about."""

    def test_at_least_35_conditions(self) -> None:
        """There are at least 35 conditions."""
        assert len(KB.conditions) >= 35

    @pytest.mark.parametrize("condition_id", REQUIRED)
    def test_required_condition_present(self, condition_id: str) -> None:
        """Each condition the brief names is present."""
        assert condition_id in BY_ID

    @pytest.mark.parametrize(
        "words",
        [
            ("prescription", "code"),
            ("insurance",),
            ("medicare",),
            ("how often",),
            ("therapist",),
            ("medicine",),
        ],
    )
    def test_faq_covers(self, words: tuple[str, ...]) -> None:
        """The FAQ answers the questions people ask about medical massage."""
        assert any(all(w in f.question.lower() for w in words) for f in KB.faq), words

    @pytest.mark.parametrize("topic", ["blood flow", "spasm", "stiff", "relax", "stress", "sleep"])
    def test_general_benefits(self, topic: str) -> None:
        """The general benefits cover blood flow, spasm, stiffness, relaxation, stress and sleep."""
        assert any(topic in item.lower() for item in KB.benefits.can_do), topic


class TestSafety:
    """Where massage is dangerous or useless, the verdict says so."""

    @pytest.mark.parametrize("condition_id", MUST_BE_URGENT)
    def test_urgent(self, condition_id: str) -> None:
        """Emergencies and serious infections are `urgent`."""
        assert Verdict.URGENT == BY_ID[condition_id].verdict

    @pytest.mark.parametrize("condition_id", MUST_NOT_BE_MASSAGED)
    def test_avoid_or_urgent(self, condition_id: str) -> None:
        """Fractures, cancer in the bone, broken skin and fever are `avoid` or `urgent`."""
        assert BY_ID[condition_id].verdict in (Verdict.AVOID, Verdict.URGENT)

    @pytest.mark.parametrize("condition_id", MASSAGE_CANNOT_TREAT)
    def test_organ_pain_is_not_helped(self, condition_id: str) -> None:
        """Back pain from organs is never `helps` or `may-help`."""
        assert BY_ID[condition_id].verdict.rank >= Verdict.NOT_A_SUBSTITUTE.rank

    @pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
    def test_every_condition_says_when_to_see_a_doctor(self, condition) -> None:
        """Every condition says when to see a doctor and has at least one source."""
        assert condition.see_a_doctor_if and all(condition.see_a_doctor_if)
        assert condition.sources

    @pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
    def test_no_overclaiming_words(self, condition) -> None:
        """Patient text never promises safety or a cure, and never says the CDC recommends massage."""
        text = " ".join([condition.summary, *condition.benefits, *condition.precautions]).lower()
        assert not re.search(r"\b(cures?|guaranteed?|completely safe|100%)\b", text)
        assert "cdc recommends" not in text


class TestCodes:
    """Every ICD-10-CM code is real in the April 2026 code set."""

    CODES = sorted({(c.id, code) for c in KB.conditions for code in c.icd10})

    @pytest.mark.parametrize(("condition_id", "code"), CODES, ids=[f"{a}:{b}" for a, b in CODES])
    def test_code_is_real(self, condition_id: str, code: str) -> None:
        """The code exists in ICD-10-CM (simple-icd-10-cm 1.5.0)."""
        assert icd.is_valid_item(code), f"{condition_id}: {code} is not an ICD-10-CM code"

    def test_most_codes_are_billable(self) -> None:
        """Billable (leaf) codes are preferred: at least two thirds of the codes are leaves."""
        leaves = [code for _, code in self.CODES if icd.is_leaf(code)]
        assert len(leaves) * 3 >= len(self.CODES) * 2

    def test_release_recorded(self) -> None:
        """The knowledge base records which code release it was checked against."""
        assert "2026" in KB.icd10_release


class TestSources:
    """Sources are the original publishers, over https."""

    def test_all_https(self) -> None:
        """Every source URL uses https."""
        urls = [s.url for c in KB.conditions for s in c.sources] + [s.url for f in KB.faq for s in f.sources]
        assert urls and all(u.startswith("https://") for u in urls)
