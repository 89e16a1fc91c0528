"""The screening walk-through: each question asks exactly its sign, the questions fit what the
person named, and yes, no and "not sure" are understood in everyday words."""

from __future__ import annotations

import re

import pytest

from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index
from massage_cli.model import Action
from massage_cli.screening import (
    GENERAL,
    NO_WORDS,
    UNSURE_WORDS,
    YES_WORDS,
    Outcome,
    Reply,
    Screening,
    choose,
    from_ids,
    parse_answer,
    questions,
    screen,
)

KB = load_bundled()
INDEX = Index.build(KB)
FLAGS = {flag.id: flag for flag in KB.red_flags}


class TestParseAnswer:
    """parse_answer: yes, no and not-sure words in any case, with any punctuation; anything else is neither."""

    @pytest.mark.parametrize("text", [*YES_WORDS, "Yes!", "YEP.", " sure ", "OK", "o.k.", "Yeah!!", "'yup'"])
    def test_yes(self, text: str) -> None:
        """Each yes word, however written, is yes."""
        assert Reply.YES is parse_answer(text)

    @pytest.mark.parametrize("text", [*NO_WORDS, "nah", "Nope!", "n.", "NAY", " no ", "No...", "False"])
    def test_no(self, text: str) -> None:
        """Each no word, however written, is no."""
        assert Reply.NO is parse_answer(text)

    @pytest.mark.parametrize(
        "text",
        [*UNSURE_WORDS, "I don't know", "I dont know", "Not sure.", "IDK", "??", "I'm not sure", "maybe"],
    )
    def test_unsure(self, text: str) -> None:
        """'I don't know' and its everyday forms are an answer: not sure."""
        assert Reply.UNSURE is parse_answer(text)

    @pytest.mark.parametrize("text", ["", "   ", "perchance", "yes no", "2", "...", "what"])
    def test_neither(self, text: str) -> None:
        """Blank text, other words and both at once are none of the three."""
        assert None is parse_answer(text)

    def test_every_documented_word(self) -> None:
        """The words the README promises are all understood."""
        yes = ["yes", "y", "yeah", "yep", "yup", "sure", "ok", "true", "1"]
        no = ["no", "n", "nah", "nope", "nay", "false", "0"]
        unsure = ["?", "not sure", "unsure", "don't know", "idk", "dunno", "maybe", "no idea"]
        assert ([Reply.YES] * len(yes), [Reply.NO] * len(no), [Reply.UNSURE] * len(unsure)) == (
            [parse_answer(w) for w in yes],
            [parse_answer(w) for w in no],
            [parse_answer(w) for w in unsure],
        )


def _lower(flag_id: str) -> str:
    return FLAGS[flag_id].ask.lower()


class TestQuestionsAskExactlyTheSign:
    """Each warning sign's question asks its sign: a 'yes' to any part of it is a 'yes' to the sign."""

    @pytest.mark.parametrize("flag", KB.red_flags, ids=lambda f: f.id)
    def test_a_group_sign_names_its_group(self, flag) -> None:
        """A sign only for a group (a baby, pregnancy, chemotherapy) asks whether the person is in it."""
        words = {
            "baby": "baby",
            "baby-under-3-months": "3 months",
            "pregnant": "pregnant",
            "pregnant-before-37-weeks": "37 weeks",
            "chemo": "chemotherapy",
        }
        assert [] == [group for group in flag.who if words[group] not in flag.ask.lower()]

    @pytest.mark.parametrize("flag", [f for f in KB.red_flags if f.min_age], ids=lambda f: f.id)
    def test_an_age_sign_names_the_age(self, flag) -> None:
        """A sign that counts only from an age asks about that age."""
        assert f"over {flag.min_age}" in flag.ask

    @pytest.mark.parametrize("flag", [f for f in KB.red_flags if f.context], ids=lambda f: f.id)
    def test_a_sign_with_context_asks_the_context(self, flag) -> None:
        """A sign that counts only together with something (back pain, pregnancy) asks about that too."""
        asked = flag.ask.lower()
        assert any(re.search(rf"\b{re.escape(phrase.lower())}", asked) for phrase in flag.context), flag.ask

    def test_head_injury_asks_about_blood_thinners_only_with_a_head_injury(self) -> None:
        """Taking blood thinners is not an emergency: every part of the question is about hitting the head."""
        parts = [part for part in _lower("head-injury").split("?") if part.strip()]
        assert [True] * len(parts) == ["hit your head" in part for part in parts]
        assert "or do you take blood thinners" not in _lower("head-injury")

    @pytest.mark.parametrize(
        ("flag_id", "broader", "exact"),
        [
            ("chest-pain", "or are you short of breath", "suddenly become short of breath"),
            ("aortic-aneurysm", "a tearing pain, or", "tearing pain in your belly or back"),
            ("serious-injury", "did your pain start", "back or neck pain"),
            ("both-legs", "new or getting worse", "getting worse"),
            ("breast-infection", "swollen or painful, or do you have a fever", "hot and painful"),
            ("swollen-gland", "gland or lump", "swollen gland"),
            ("fever-after-birth", "tummy pain", "smelly bleeding"),
            ("postpartum-bleeding", "smelly", "heavy"),
            ("sudden-confusion", "has someone", "the person you are asking for"),
            ("seizure", "is someone", "the person you are asking for"),
        ],
    )
    def test_no_part_is_broader_than_the_sign(self, flag_id: str, broader: str, exact: str) -> None:
        """The question no longer asks the broader thing, and asks the sign itself."""
        assert (False, True) == (broader in _lower(flag_id), exact in _lower(flag_id))

    @pytest.mark.parametrize(
        ("flag_id", "narrower"),
        [
            ("muscle-breakdown", "statin"),
            ("achilles-rupture", "tiptoe"),
            ("recent-infection", "bacterial"),
            ("replacement-fever", "hip or knee replaced"),
            ("cannot-bear-weight", "knee or ankle"),
        ],
    )
    def test_no_part_is_narrower_than_the_sign(self, flag_id: str, narrower: str) -> None:
        """The question does not add a condition the sign does not have."""
        assert narrower not in _lower(flag_id)


class TestChoose:
    """choose: the few questions that fit what the person named; every one only when asked."""

    def ids(self, about: str = "", everything: bool = False) -> list[str]:
        return [flag.id for flag in choose(INDEX, about, everything).flags]

    def test_nothing_named_asks_the_general_questions(self) -> None:
        """With nothing named, only the questions for everyone are asked, emergencies first."""
        assert [f.id for f in questions(f for f in KB.red_flags if f.id in GENERAL)] == self.ids()

    def test_everything_asks_every_sign_in_order(self) -> None:
        """--all asks every warning sign, in the usual order."""
        choice = choose(INDEX, "sciatica", everything=True)
        assert ([f.id for f in questions(KB.red_flags)], True) == (
            self.ids(everything=True),
            choice.everything,
        )

    def test_a_condition_brings_its_own_signs(self) -> None:
        """Sciatica asks the cauda equina signs its own entry lists, and the general ones, and no more."""
        assert {"saddle-numbness", "bladder-bowel", "both-legs", "worsening-weakness", *GENERAL} == set(
            self.ids("sciatica")
        )

    @pytest.mark.parametrize(
        ("about", "expected", "left_out"),
        [
            (
                "low back pain",
                {"saddle-numbness", "cancer-history", "night-pain"},
                {"baby-fever", "early-labour"},
            ),
            ("I'm 30 weeks pregnant", {"reduced-baby-movements", "pregnancy-bleeding"}, {"baby-fever"}),
            ("my baby", {"baby-fever", "unwell-baby"}, {"saddle-numbness"}),
            ("chemotherapy", {"chemo-fever"}, {"early-labour"}),
            ("I hit my head", {"head-injury"}, {"early-labour"}),
            ("headache", {"thunderclap-headache", "meningitis"}, {"saddle-numbness"}),
        ],
    )
    def test_what_was_named_decides(self, about: str, expected: set[str], left_out: set[str]) -> None:
        """A condition, a sign or a group named brings its signs, and leaves unrelated ones out."""
        chosen = set(self.ids(about))
        assert (expected, set()) == (expected & chosen, left_out & chosen)
        assert len(chosen) < len(KB.red_flags) / 2

    def test_a_stated_younger_age_leaves_out_signs_for_older_people(self) -> None:
        """'I'm 35' leaves out the signs that count only over 50."""
        assert (
            "age-over-50" in self.ids("back pain"),
            "age-over-50" in self.ids("I'm 35 with back pain"),
        ) == (
            True,
            False,
        )

    def test_words_that_name_nothing_ask_the_general_questions(self) -> None:
        """Words that name no condition, sign or group get the general questions, marked not understood."""
        choice = choose(INDEX, "xyzzy plover")
        assert (self.ids(), False, "") == ([f.id for f in choice.flags], choice.understood, choice.topic)

    def test_the_topic_is_the_condition_found(self) -> None:
        """The choice says what it was chosen for, in the condition's own name."""
        assert "Sciatica" == choose(INDEX, "sciatica").topic


class TestOutcome:
    """The outcome: the most urgent sign answered yes or not sure; nothing claimed when nothing was asked."""

    def test_not_sure_to_an_emergency_is_an_emergency_and_stops(self) -> None:
        """'Not sure' to an emergency question counts as yes: emergency, and nothing more is asked."""
        asked = questions(FLAGS[i] for i in ("chest-pain", "blood-clot-leg"))
        result = screen(KB.red_flags, [Reply.UNSURE, Reply.NO], asked)
        assert (Outcome.EMERGENCY, (FLAGS["chest-pain"],), 1) == (
            result.outcome,
            result.unsure,
            len(result.asked),
        )

    @pytest.mark.parametrize(
        ("flag_id", "outcome"),
        [("chemo-fever", Outcome.CALL_CARE_TEAM), ("weight-loss", Outcome.SEE_A_DOCTOR)],
    )
    def test_not_sure_to_other_signs_counts_as_yes(self, flag_id: str, outcome: Outcome) -> None:
        """'Not sure' to a 'call your care team' or 'see a doctor' sign gives that sign's advice."""
        assert outcome is screen(KB.red_flags, [Reply.UNSURE], [FLAGS[flag_id]]).outcome

    def test_nothing_asked_claims_nothing(self) -> None:
        """With no question answered the outcome is 'not screened', never 'no warning signs'."""
        assert Outcome.NOT_SCREENED is from_ids(KB.red_flags, []).outcome
        assert "no warning signs" not in Outcome.NOT_SCREENED.message.lower()

    def test_every_no_to_the_questions_asked(self) -> None:
        """All 'no' to the questions asked: no warning signs among them, and the others stay not asked."""
        asked = [FLAGS[i] for i in GENERAL]
        result = screen(KB.red_flags, [Reply.NO] * len(asked), questions(asked))
        assert (Outcome.NO_WARNING_SIGNS, len(GENERAL)) == (result.outcome, len(result.asked))
        assert "asked about" in Outcome.NO_WARNING_SIGNS.message

    def test_a_yes_to_an_emergency_stops(self) -> None:
        """A yes to an emergency question ends the walk-through."""
        emergency = next(f for f in questions(KB.red_flags) if f.action is Action.EMERGENCY)
        result = screen(KB.red_flags, [Reply.YES, Reply.NO, Reply.NO])
        assert ((emergency,), 1) == (result.flagged, len(result.asked))

    def test_every_flag_is_in_the_result(self) -> None:
        """The result lists every warning sign, asked or not, in asking order."""
        result = screen(KB.red_flags, [Reply.NO], [FLAGS["stroke"]])
        assert questions(KB.red_flags) == [flag for flag, _ in result.answers]
        assert [(FLAGS["stroke"], Reply.NO)] == list(result.asked)

    def test_no_answers_is_not_screened(self) -> None:
        """A screening with every question unanswered is 'not screened'."""
        assert Outcome.NOT_SCREENED is Screening(tuple((f, None) for f in KB.red_flags)).outcome
