"""The statement layer: whether a sign is there, whose it is and when (statements.py).

The pure core is tested on the words of a mention; the command line on whole answers. The
corpora in tests/data/statements are measured by scripts/eval_statements.py; TestCorpora keeps
the development figures from sliding back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from massage_cli.answer import answer
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index
from massage_cli.model import Verdict
from massage_cli.statements import DENIED, OTHER, PAST, PRESENT, WHAT_IF, read

KB = load_bundled()
INDEX = Index.build(KB)
CORPORA = Path(__file__).parent / "data" / "statements"


def reading(text: str, word: str) -> str:
    """How the first mention of `word` in `text` reads."""
    statement = read(text)
    position = next(i for i, w in enumerate(statement.words) if w.text == word)
    return statement.reading([position], [position]).status


def flags(text: str) -> list[str]:
    return [flag.id for flag in answer(INDEX, text).red_flags]


class TestReading:
    """Each mention reads as present, denied, someone else's, past or a "what if"."""

    @pytest.mark.parametrize(
        ("text", "word"),
        [
            ("no fever", "fever"),
            ("denies fever, chills or weight loss", "chills"),
            ("Back pain 3 weeks. Fever: no. Numbness: none.", "fever"),
            ("Back pain 3 weeks. Fever: no. Numbness: none.", "numbness"),
            ("Fever? No.", "fever"),
            ("negative for fever", "fever"),
            ("DVT ruled out", "dvt"),
            ("I don't have chest pain", "chest"),
            ("never had a clot", "clot"),
        ],
    )
    def test_denied(self, text: str, word: str) -> None:
        """Denials before or after the mention, in lists and in form fields, deny it."""
        assert DENIED == reading(text, word)

    @pytest.mark.parametrize(
        ("text", "word"),
        [
            ("denies fever and has cough", "cough"),
            ("no chest pain, just tight pecs", "pecs"),
            ("no fever but my calf is swollen", "calf"),
            ("I can't feel my legs", "legs"),
            ("no longer able to control my bladder", "bladder"),
            ("not sure but I think my face is drooping", "drooping"),
            ("no increase in pain", "pain"),
            ("lost weight without trying", "weight"),
            ("?DVT left calf", "dvt"),
            ("Fever? Yes.", "fever"),
        ],
    )
    def test_present(self, text: str, word: str) -> None:
        """A denial's reach ends at 'but', 'has', ', just'; negation inside a sign, doubt and
        pseudo-negation ('no increase', 'without trying') leave the sign present."""
        assert PRESENT == reading(text, word)

    @pytest.mark.parametrize(
        ("text", "word", "status"),
        [
            ("my mum had a stroke", "stroke", OTHER),
            ("FHx of MI", "mi", OTHER),
            ("my husband had a heart attack two years ago", "attack", OTHER),
            ("I had a DVT five years ago", "dvt", PAST),
            ("history of DVT", "dvt", PAST),
            ("since my stroke my shoulder aches", "stroke", PAST),
            ("since my stroke my shoulder aches", "shoulder", PRESENT),
            ("my dad has just had a stroke", "stroke", PRESENT),
            ("what if I get chest pain", "chest", WHAT_IF),
            ("can massage cause a blood clot", "clot", WHAT_IF),
            ("return if urinary retention develops", "retention", WHAT_IF),
        ],
    )
    def test_whose_and_when(self, text: str, word: str, status: str) -> None:
        """Someone else's past sign, the person's own past sign and a 'what if' are set aside; a
        sign happening now counts; family history is never the person's own."""
        assert status == reading(text, word)

    def test_someone_elses_present_sign_counts(self) -> None:
        """A sign happening now to someone the reader may be with counts."""
        statement = read("my dad's face has just dropped")
        position = next(i for i, w in enumerate(statement.words) if w.text == "dropped")
        found = statement.reading([position])
        assert (PRESENT, True) == (found.status, found.other)

    @given(st.text(max_size=300))
    @settings(max_examples=300, deadline=None)
    def test_never_raises(self, text: str) -> None:
        """Any text reads without an error, and every word has a clause."""
        statement = read(text)
        assert len(statement.clauses) == len(statement.words)
        if statement.words:
            statement.reading(range(len(statement.words)))


class TestPopulation:
    """Age, pregnancy and treatment are read from the text."""

    @pytest.mark.parametrize(
        ("text", "groups"),
        [
            ("my 3 week old baby has a temperature", {"baby", "baby-under-3-months"}),
            ("my newborn won't feed", {"baby", "baby-under-3-months"}),
            ("my 5 month old baby has a fever", {"baby"}),
            ("I'm 30 weeks pregnant", {"pregnant", "pregnant-before-37-weeks"}),
            ("38 weeks pregnant and my back hurts", {"pregnant"}),
            ("I'm on chemo", {"chemo"}),
            ("I had chemo ten years ago", set()),
            ("I'm 72 and my back hurts", {"older-adult"}),
            ("I'm 35 and my 3 week old baby has a fever", {"baby", "baby-under-3-months"}),
            ("G1 34/40, reduced FM", {"pregnant", "pregnant-before-37-weeks"}),
            ("A 2-month-old female with 1-week history of fever", {"baby", "baby-under-3-months"}),
        ],
    )
    def test_groups(self, text: str, groups: set[str]) -> None:
        """The groups a text speaks of."""
        assert groups == set(read(text).population.names())


class TestAnswers:
    """The answer follows the statement (issue 15's examples)."""

    @pytest.mark.parametrize(
        ("query", "flag"),
        [
            ("The right side of my face wouldn't move when I smiled", "stroke"),
            ("my smile went crooked", "stroke"),
            ("my drink dribbled out of the side of my mouth", "stroke"),
            ("headache like being hit with a baseball bat", "thunderclap-headache"),
            ("hard calf after a flight", "blood-clot-leg"),
            ("I'm so tired of living", "suicidal-thoughts"),
            ("my 3 week old baby has a temperature of 38.5", "baby-fever"),
            ("I'm 30 weeks pregnant and the baby is moving less than usual", "reduced-baby-movements"),
            ("I'm on chemo and have a temperature of 38", "chemo-fever"),
            ("my dad's face has just dropped on one side", "stroke"),
            ("I fell and now my hip hurts and I can't stand", "hip-fracture"),
            ("im 75 and fell and now cant get up off the floor", "hip-fracture"),
        ],
    )
    def test_sign_in_own_words_is_raised(self, query: str, flag: str) -> None:
        """Signs in people's own words raise their flag."""
        assert flag in flags(query)

    @pytest.mark.parametrize(
        "query",
        [
            "Back pain 3 weeks. Fever: no. Numbness: none.",
            "no chest pain, just tight pecs",
            "my mum had a stroke, can massage help her weak arm",
            "my husband had a heart attack two years ago",
            "I had a DVT five years ago, can I have a leg massage now",
            "I leak a little urine when I sneeze since having my kids",
            "I get a bit breathless when I run for the bus",
            "knot between my shoulder blades",
        ],
    )
    def test_denied_other_past_and_everyday_raise_nothing(self, query: str) -> None:
        """Denied, someone else's, past and everyday mentions raise no flag."""
        assert [] == flags(query)

    def test_what_if_is_information(self) -> None:
        """A 'what if' shows the flag's advice without making the answer urgent."""
        result = answer(INDEX, "what should I do if I get chest pain during a massage")
        assert ([], ["chest-pain"]) == (list(result.red_flags), [h.flag.id for h in result.if_happens])
        assert result.verdict is not Verdict.URGENT

    @pytest.mark.parametrize(
        ("query", "entry"),
        [
            ("my sister has lymphoedema, can I get a massage for my stiff shoulders", "stiffness"),
            ("since my stroke my shoulder aches", "stroke-recovery"),
            ("my mum had a stroke, can massage help her weak arm", "stroke-recovery"),
            ("my back has hurt for years", "chronic-low-back-pain"),
            ("Back pain 3 weeks. Fever: no. Numbness: none.", "low-back-pain"),
            ("back of my heel is sore when I run", None),
            ("my back aches and I'm losing weight without trying", "low-back-pain"),
            ("my back aches after my heart bypass", "after-heart-surgery"),
        ],
    )
    def test_the_answer_follows_the_statement(self, query: str, entry: str | None) -> None:
        """Someone else's, denied and past conditions are not the answer; 'for years' is long-term."""
        result = answer(INDEX, query)
        if entry is None:
            assert result.condition is None or "back" not in result.condition.id
        else:
            assert entry == (result.condition.id if result.condition else None)


class TestCommandLine:
    """Every format shows the reasons."""

    def test_json_reasons(self, run) -> None:
        """JSON names the words that raised each flag and every mention set aside, with why."""
        data = json.loads(run("check", "back pain, no fever but my calf is hot and swollen", "--json").stdout)
        assert ["blood-clot-leg"] == [f["id"] for f in data["red_flags"]]
        assert "calf" in data["red_flags"][0]["words"]
        assert [("fever-chills", "denied")] == [(s["id"], s["reason"]) for s in data["set_aside"]]

    @pytest.mark.parametrize("fmt", ["plain", "markdown", "rich", "html"])
    def test_not_counted_line(self, run, fmt: str) -> None:
        """Human formats say what was not counted and why."""
        result = run("check", "Back pain 3 weeks. Fever: no.", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "Not counted" in result.stdout and "you said no" in result.stdout

    @pytest.mark.parametrize("fmt", ["plain", "markdown", "rich", "html", "json"])
    def test_flag_page(self, run, fmt: str) -> None:
        """A warning sign with no condition is the sign's own page, exit 0, never 'No condition found'."""
        result = run("check", "my 3 week old baby has a temperature of 38.5", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "No condition found" not in result.stdout
        assert "baby" in result.stdout.lower() and "38" in result.stdout

    @pytest.mark.parametrize("fmt", ["plain", "markdown", "rich", "html", "json"])
    @pytest.mark.parametrize(
        ("flag", "outcome"),
        [
            ("chemo-fever", "call-care-team"),
            ("baby-fever", "emergency"),
            ("serious-headache", "see-a-doctor"),
        ],
    )
    def test_screen_outcomes(self, run, fmt: str, flag: str, outcome: str) -> None:
        """screen gives each new sign its action in every format: 'call your care team now' is
        its own outcome, between an emergency and 'see a doctor'."""
        result = run("screen", "--yes", flag, "--no-prompt", "--format", fmt)
        assert result.exit_code == 0, result.output
        expected = outcome if fmt == "json" else outcome.replace("-", " ")
        assert expected.lower() in result.stdout.lower()

    def test_batch(self, run) -> None:
        """In a batch each line is read on its own."""
        result = run("check", "--batch", "-", "--json", input="back pain, no fever\nback pain and a fever\n")
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [[], ["fever-chills"]] == [[f["id"] for f in r["red_flags"]] for r in rows]
        assert ["fever-chills"] == [s["id"] for s in rows[0]["set_aside"]]


def _figures(name: str) -> dict:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "eval_statements", Path(__file__).parents[1] / "scripts" / "eval_statements.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate(module.load(CORPORA / f"{name}.yaml"), INDEX)


class TestCorpora:
    """The labelled corpora: well formed, and the development figures do not slide back."""

    @pytest.mark.parametrize("name", ["dev", "dev_clinician", "real", "heldout", "heldout_b"])
    def test_well_formed(self, name: str) -> None:
        """Every case has text, a known sign status, known flag ids and known entry ids."""
        cases = yaml.safe_load((CORPORA / f"{name}.yaml").read_text(encoding="utf-8"))["cases"]
        flag_ids = {f.id for f in KB.red_flags}
        entry_ids = {c.id for c in KB.conditions} | {None}
        statuses = {"present", "other-now", "denied", "other", "past", "what-if", "none"}
        assert len({c["id"] for c in cases}) == len(cases)
        for case in cases:
            assert case["text"] and case["sign"] in statuses, case["id"]
            assert set(case.get("raise") or ()) | set(case.get("not_raise") or ()) <= flag_ids, case["id"]
            assert case.get("entry") in entry_ids, case["id"]

    def test_real_cases_cite_an_address(self) -> None:
        """Every quoted real statement gives the address it was read at."""
        cases = yaml.safe_load((CORPORA / "real.yaml").read_text(encoding="utf-8"))["cases"]
        assert all(str(c.get("source", "")).startswith(("https://", "http://")) for c in cases)

    @pytest.mark.parametrize("name", ["dev", "dev_clinician", "real"])
    def test_figures_hold(self, name: str) -> None:
        """Recall, false alarms and everyday alarms on the development corpora stay at the level
        reached (FLOORS, raised as the catalogue improves)."""
        figures = _figures(name)
        floor = FLOORS[name]
        assert figures["recall"]["rate"] >= floor["recall"]
        assert figures["false_alarms"]["rate"] <= floor["false_alarms"]
        assert figures["everyday_flagged"]["rate"] <= floor["everyday"]


FLOORS = {
    "dev": {"recall": 0.95, "false_alarms": 0.03, "everyday": 0.08},
    "dev_clinician": {"recall": 0.70, "false_alarms": 0.05, "everyday": 0.06},
    "real": {"recall": 0.77, "false_alarms": 0.09, "everyday": 0.07},
}
"""The figures each development corpus must keep (scripts/eval_statements.py prints them)."""
