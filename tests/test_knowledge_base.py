"""The bundled knowledge base: complete, sourced, cautious where it must be, with real codes."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import simple_icd_10_cm as icd
import yaml

from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index, Match, lookup
from massage_cli.model import BODY_PARTS, Urgency, Verdict

KB = load_bundled()
BY_ID = {c.id: c for c in KB.conditions}

TIME_WORDS = re.compile(
    r"\b(get emergency help|call emergency services|emergency department now|see a doctor (?:today|soon)"
    r"|get medical help (?:now|today)|(?:help|go) now|the same day|right away|straight away)\b",
    re.IGNORECASE,
)
"""Time words an item's text must leave to its urgency."""


def normalised(text: str) -> str:
    """A text compared without case, punctuation or extra spaces."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


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
    # "stress-and-anxiety" was split on purpose (issue 9): stress helps, anxiety may help.
    "stress",
    "anxiety",
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
        assert condition.see_a_doctor_if and all(item.text for item in condition.see_a_doctor_if)
        assert condition.sources

    @pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
    def test_every_see_a_doctor_item_has_an_urgency(self, condition) -> None:
        """Each item says how soon as data, and its text leaves the time words to the urgency."""
        for item in condition.see_a_doctor_if:
            assert item.urgency is not None, item.text
            assert not TIME_WORDS.search(item.text), item.text

    def test_one_urgency_per_sign(self) -> None:
        """A sign that several entries name has one urgency: items with the same text agree."""
        urgencies: dict[str, set[str]] = {}
        for condition in KB.conditions:
            for item in condition.see_a_doctor_if:
                assert item.urgency is not None
                urgencies.setdefault(normalised(item.text), set()).add(item.urgency.value)
        assert {text: found for text, found in urgencies.items() if len(found) > 1} == {}

    def test_shared_signs_are_named_by_several_entries(self) -> None:
        """Each shared sign is used, and an item that repeats a shared sign's text names it instead."""
        used = {item.sign for c in KB.conditions for item in c.see_a_doctor_if if item.sign}
        assert used == {sign.id for sign in KB.shared_signs}
        shared = {normalised(sign.text): sign.id for sign in KB.shared_signs}
        for condition in KB.conditions:
            for item in condition.see_a_doctor_if:
                if not item.sign:
                    assert normalised(item.text) not in shared, (condition.id, item.text)

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


def _raw_conditions() -> list[dict]:
    """The bundled file's conditions as written (to see which optional fields are present)."""
    path = Path(__file__).resolve().parents[1] / "data" / "conditions.yaml"
    if not path.exists():  # installed as a wheel
        path = Path(str(resources.files("massage_cli").joinpath("data/conditions.yaml")))
    return yaml.safe_load(path.read_text(encoding="utf-8"))["conditions"]


class TestClinicalSafetyReview:
    """The fixes from the clinical safety review (issue 9) stay in place."""

    CODES = sorted({(c.id, code) for c in KB.conditions for code in c.icd10})

    @pytest.mark.parametrize(("condition_id", "code"), CODES, ids=[f"{a}:{b}" for a, b in CODES])
    def test_every_code_is_billable(self, condition_id: str, code: str) -> None:
        """Every listed code is a billable leaf code, never a header such as I82.4 or R50."""
        assert icd.is_leaf(code), f"{condition_id}: {code} is a header; list its billable codes instead"

    @pytest.mark.parametrize(
        ("code", "reason"),
        [("D68.32", "bleeding caused by a blood thinner"), ("Z33.1", "excludes pregnancy problems")],
    )
    def test_wrong_codes_are_gone(self, code: str, reason: str) -> None:
        """Codes that mean something else are not listed anywhere."""
        assert all(code not in c.icd10 for c in KB.conditions), reason

    @pytest.mark.parametrize(
        ("condition_id", "code"),
        [
            ("bleeding-disorder", "Z79.01"),
            ("bleeding-disorder", "Z79.82"),
            ("broken-bone", "S22.42XA"),
            ("ankylosing-spondylitis", "M45.A0"),
            ("ankylosing-spondylitis", "M45.AB"),
            ("muscle-spasm", "M62.831"),
            ("infant-torticollis", "Q68.0"),
            ("pregnancy-back-pain", "O26.892"),
        ],
    )
    def test_missing_codes_added(self, condition_id: str, code: str) -> None:
        """Codes the review found missing are listed on the right entry."""
        assert code in BY_ID[condition_id].icd10

    def test_vertebrogenic_code_is_explained(self) -> None:
        """M54.51 stays on chronic low back pain, with a note that most chronic pain is M54.50 (+ G89.29)."""
        condition = BY_ID["chronic-low-back-pain"]
        note = condition.code_note("M54.51")
        assert "M54.51" in condition.icd10
        assert "scan" in note and "M54.50" in note and "G89.29" in note

    def test_every_condition_names_its_body_parts(self) -> None:
        """Every condition has a body_parts list (empty for topics), drawn from the vocabulary."""
        for entry in _raw_conditions():
            assert "body_parts" in entry, entry["id"]
            assert set(entry["body_parts"]) <= set(BODY_PARTS), entry["id"]

    @pytest.mark.parametrize(
        ("condition_id", "verdict"),
        [
            ("stress", Verdict.HELPS),
            ("anxiety", Verdict.MAY_HELP),
            ("rheumatoid-arthritis", Verdict.MAY_HELP),
            ("muscle-aches", Verdict.MAY_HELP),
            ("infant-torticollis", Verdict.NOT_A_SUBSTITUTE),
        ],
    )
    def test_verdicts(self, condition_id: str, verdict: Verdict) -> None:
        """Verdicts set by the review."""
        assert verdict == BY_ID[condition_id].verdict

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("anxiety", "anxiety"),
            ("anxious", "anxiety"),
            ("I feel anxious", "anxiety"),
            ("stress", "stress"),
            ("myalgia", "muscle-aches"),
            ("muscle pain", "muscle-aches"),
            ("muscle aches", "muscle-aches"),
            ("torticollis in my baby", "infant-torticollis"),
            ("my baby has torticollis", "infant-torticollis"),
            ("my baby's head tilts to one side", "infant-torticollis"),
            ("congenital torticollis", "infant-torticollis"),
        ],
    )
    def test_queries_reach_the_reviewed_entry(self, query: str, expected: str) -> None:
        """Everyday words reach the entry the review asked for (the most cautious one when several are named)."""
        result = lookup(Index.build(KB), query)
        assert isinstance(result, Match) and expected == result.condition.id, query

    def test_helps_entries_do_not_own_anxiety_or_myalgia(self) -> None:
        """No `helps` entry answers for anxiety or for muscle pain that may need a doctor."""
        words = {"anxiety", "anxious", "myalgia", "muscle pain", "muscle aches"}
        for condition in KB.conditions:
            if condition.verdict is Verdict.HELPS:
                assert not words & {a.lower() for a in condition.aliases}, condition.id

    def test_rheumatoid_arthritis_medicines_first(self) -> None:
        """RA says first that massage does not replace the medicines, and warns about the neck."""
        condition = BY_ID["rheumatoid-arthritis"]
        assert condition.cannot_replace[0].startswith("Massage does not replace your RA medicines")
        assert condition.summary.startswith("Massage does not replace your RA")
        assert any("neck" in p and "crack" in p for p in condition.precautions)

    def test_rhabdomyolysis_warning(self) -> None:
        """The muscle-aches entry sends dark, cola-colored pee with aching muscles to a doctor today."""
        lines = BY_ID["muscle-aches"].see_a_doctor_if
        assert any("cola" in line.text and line.urgency is Urgency.TODAY for line in lines)

    def test_neck_pain_states_the_2024_review(self) -> None:
        """Neck pain reports the 2024 review (little or no difference against sham) and no dosing claim."""
        condition = BY_ID["neck-pain"]
        assert "sham" in condition.summary and "sham" in condition.evidence.summary
        assert "CD004871.pub5" in " ".join(s.url for s in condition.sources)
        assert "annfammed" not in " ".join(s.url for s in condition.sources)
        assert any("stroke" in line.text for line in condition.see_a_doctor_if)

    def test_fever_urgency_agrees_with_the_red_flag(self) -> None:
        """A fever never gets a slower answer ("soon") than its red flag ("see a doctor today")."""
        assert next(f for f in KB.red_flags if f.id == "fever-chills").action.value == "urgent"
        for condition in KB.conditions:
            for item in condition.see_a_doctor_if:
                if re.search(r"\b(fever|temperature)\b", item.text, re.IGNORECASE):
                    # `now` (the cancer team's 24-hour line) is faster than "today", never slower.
                    assert item.urgency in (Urgency.EMERGENCY, Urgency.NOW, Urgency.TODAY), item.text
        for text in [f.answer for f in KB.faq]:
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                if re.search(r"\b(fever|temperature)\b", sentence, re.IGNORECASE):
                    assert "soon" not in sentence.lower(), sentence

    def test_faq_answers_use_the_urgency_words(self) -> None:
        """FAQ answers say how soon in the words of the urgency table ("Call emergency services or
        go to the emergency department now", "See a doctor today"), not older variants."""
        for faq in KB.faq:
            text = " ".join(faq.answer.split())
            assert not re.search(
                r"get (?:emergency|medical) help|help the same day|get help at once", text, re.IGNORECASE
            ), faq.id

    def test_prescription_faq_states_the_claim_rule(self) -> None:
        """The prescription FAQ no longer says 'no law says', and explains M54.5's retirement."""
        answer = next(f for f in KB.faq if f.id == "prescription-diagnosis-code").answer
        assert "no law" not in answer.lower()
        assert "ICD-10-CM" in answer and "M54.5 " in answer and "M54.50" in answer

    def test_hsa_fsa_faq(self) -> None:
        """There is an HSA/FSA answer sourced from the IRS."""
        faq = next(f for f in KB.faq if f.id == "hsa-fsa")
        assert all(s.url.startswith("https://www.irs.gov/") for s in faq.sources)
