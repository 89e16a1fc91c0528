"""Warning signs in everyday words are always caught, and ordinary queries are left alone."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from massage_cli.answer import answer
from massage_cli.cli import ExitCode
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index
from massage_cli.model import Action, Verdict
from massage_cli.redflags import RedFlagIndex, content_words, strong_words
from massage_cli.screening import GENERAL, choose
from massage_cli.words import english_words

KB = load_bundled()
INDEX = Index.build(KB)
CASES = yaml.safe_load((Path(__file__).parent / "data" / "red_flag_cases.yaml").read_text(encoding="utf-8"))
POSITIVE = [(c["query"], c["flag"]) for c in CASES["positive"]]
NEGATIVE = list(CASES["negative"])
_LEGACY = yaml.safe_load((Path(__file__).parent / "data" / "legacy_phrases.yaml").read_text(encoding="utf-8"))
PHRASES = sorted(
    {(flag.id, phrase) for flag in KB.red_flags for phrase in (*flag.phrases, *_LEGACY.get(flag.id, ()))}
)
BY_FLAG = {flag.id: flag for flag in KB.red_flags}
_CONCEPT_WORDS = [w for c in KB.concepts for w in c.words]
_SIGN_WORDS = {
    w
    for f in KB.red_flags
    for p in (*f.phrases, *f.context, f.name, *_LEGACY.get(f.id, ()), *_CONCEPT_WORDS)
    for w in content_words(p)
}
ORDINARY_WORDS = sorted(
    w for w in english_words() if 4 <= len(w) <= 9 and not set(content_words(w)) & _SIGN_WORDS
)
FLAGS = RedFlagIndex.for_flags(KB.red_flags, KB.concepts)
REASSURING = {Verdict.HELPS, Verdict.MAY_HELP}


def flag_ids(query: str) -> list[str]:
    return [flag.id for flag in FLAGS.detect(query)]


class TestCatalogue:
    """The catalogue covers the signs the guidelines list, each sourced, each with an action."""

    REQUIRED = (
        "saddle-numbness",
        "bladder-bowel",
        "both-legs",
        "serious-injury",
        "chest-pain",
        "fever-chills",
        "weight-loss",
        "cancer-history",
        "night-pain",
        "back-lump",
        "drug-injection",
        "steroids-immune",
        "age-over-50",
        "blood-clot-leg",
        "meningitis",
    )

    @pytest.mark.parametrize("flag_id", REQUIRED)
    def test_required_flag_present(self, flag_id: str) -> None:
        """Each required red flag is in the catalogue."""
        assert flag_id in {flag.id for flag in KB.red_flags}

    @pytest.mark.parametrize("flag", KB.red_flags, ids=lambda f: f.id)
    def test_flag_is_complete(self, flag) -> None:
        """Each flag has sources, several phrasings or concept combinations, and a message that
        starts with the action."""
        assert flag.sources and (len(flag.phrases) >= 5 or flag.signs)
        assert flag.question.endswith("?")
        first = flag.message.split(".")[0].lower()
        assert any(word in first for word in ("call", "go to", "see", "get", "phone", "ring")), flag.message

    def test_cauda_equina_signs_are_emergencies(self) -> None:
        """Saddle numbness, bladder or bowel trouble and both-leg symptoms are emergencies."""
        actions = {flag.id: flag.action for flag in KB.red_flags}
        assert {Action.EMERGENCY} == {
            actions["saddle-numbness"],
            actions["bladder-bowel"],
            actions["both-legs"],
        }

    @pytest.mark.parametrize("flag", KB.red_flags, ids=lambda f: f.id)
    def test_message_opens_with_the_actions_time_words(self, flag) -> None:
        """A flag's first sentence says as soon as its action does, and never another time frame
        ("today or within 24 hours" beside "See a doctor today")."""
        first = flag.message.split(". ")[0].lower()
        expected = {
            Action.EMERGENCY: "now",
            Action.NOW: "now",
            Action.URGENT: "today",
            Action.SOON: "within a few days",
        }[flag.action]
        assert expected in first, flag.message
        assert "24 hours" not in flag.message and "soon" not in first, flag.message

    @pytest.mark.parametrize(("flag_id", "phrase"), PHRASES, ids=[f"{a}:{b}" for a, b in PHRASES])
    def test_every_phrase_raises_its_flag(self, flag_id: str, phrase: str) -> None:
        """Each catalogue phrase, and each phrase the catalogue listed before it described signs as
        concepts, raises its own flag: alone, or with the flag's first context phrase."""
        flag = BY_FLAG[flag_id]
        query = f"{phrase} and {flag.context[0]}" if flag.context else phrase
        assert flag_id in flag_ids(query)

    @pytest.mark.parametrize("concept", KB.concepts, ids=lambda c: c.id)
    def test_every_concept_word_says_something(self, concept) -> None:
        """No word of a concept is only small words that the scan cannot use ("end it" is "end")."""
        weak = [w for w in concept.words if not strong_words(tuple(dict.fromkeys(content_words(w))))]
        assert weak == []

    @pytest.mark.parametrize("flag", [f for f in KB.red_flags if f.context], ids=lambda f: f.id)
    def test_context_flag_needs_its_context(self, flag) -> None:
        """A flag that needs context does not fire on its phrases alone, unless they name the
        context themselves (a phrase that mentions the back is its own context)."""
        index = RedFlagIndex.for_flags((flag,), KB.concepts)
        silent = [p for p in flag.phrases if not index.detect(p)]
        assert len(silent) >= len(flag.phrases) // 2, f"{flag.id}: most phrases fire without context"


class TestDetection:
    """Patients' own words, with typos and extra words, are caught."""

    def test_enough_cases(self) -> None:
        """There are at least 80 warning-sign phrasings and 30 ordinary queries."""
        assert len(POSITIVE) >= 80 and len(NEGATIVE) >= 30

    @pytest.mark.parametrize(("query", "flag_id"), POSITIVE, ids=[q for q, _ in POSITIVE])
    def test_warning_sign_is_flagged(self, query: str, flag_id: str) -> None:
        """The query raises the expected flag."""
        assert flag_id in flag_ids(query)

    @pytest.mark.parametrize(("query", "flag_id"), POSITIVE, ids=[q for q, _ in POSITIVE])
    def test_flagged_query_is_never_reassuring(self, query: str, flag_id: str) -> None:
        """Whatever condition a flagged query matches, the verdict shown is urgent; a sign that only
        calls for a doctor within a few days shows `avoid` (or its entry's more cautious verdict)."""
        result = answer(INDEX, query)
        assert result.red_flags
        if result.action is Action.SOON:
            assert result.verdict in (Verdict.AVOID, Verdict.URGENT)
        else:
            assert result.verdict is Verdict.URGENT

    @pytest.mark.parametrize("query", NEGATIVE)
    def test_ordinary_query_is_not_flagged(self, query: str) -> None:
        """Ordinary back and neck questions raise no flag."""
        assert [] == flag_ids(query)

    @pytest.mark.parametrize(
        ("query", "flag_id"),
        [
            ("I'm 67 and my back started hurting", "age-over-50"),
            ("62 years old, new lower back pain", "age-over-50"),
            ("sore back after I fell off a ladder", "serious-injury"),
            ("back pain and I can't control my bladder", "bladder-bowel"),
            ("my legs are getting weaker", "both-legs"),
            ("swollen painful calf after a long flight", "blood-clot-leg"),
        ],
    )
    def test_examples_from_the_brief(self, query: str, flag_id: str) -> None:
        """The examples the brief gives are each caught with the right flag."""
        assert flag_id in flag_ids(query)

    def test_real_word_stem_is_not_a_typo(self) -> None:
        """'tripping' (stem 'tripp') is not 'ripping' (stem 'ripp'): no chest-pain alarm."""
        assert ["neck-cord-pressure"] == flag_ids("neck pain and I keep tripping")

    @pytest.mark.parametrize(
        "query", ["I'm 45 and my back hurts", "a 30 minute massage", "my back hurts every day"]
    )
    def test_near_misses(self, query: str) -> None:
        """Young ages, durations and words one letter from a flag word raise nothing."""
        assert [] == flag_ids(query)

    @given(
        before=st.lists(
            st.sampled_from(
                [
                    "my",
                    "back",
                    "neck",
                    "hurts",
                    "lots",
                    "since",
                    "monday",
                    "and",
                    "the",
                    "desk",
                    "work",
                    "tight",
                    "shoulders",
                    "fibromyalgia",
                    "stiff",
                    "sciatica",
                ]
            ),
            max_size=8,
        ),
        after=st.lists(
            st.sampled_from(
                ["please", "help", "today", "also", "massage", "therapist", "pain", "knee", "stress"]
            ),
            max_size=8,
        ),
        case=st.sampled_from(POSITIVE),
    )
    @settings(max_examples=300, deadline=None)
    def test_inserting_a_warning_sign_anywhere_makes_it_urgent(self, before, after, case) -> None:
        """A red-flag phrase inserted into any query makes the verdict urgent (`avoid` or more
        cautious when the only sign calls for a doctor within a few days)."""
        query = " ".join([*before, case[0], *after])
        result = answer(INDEX, query)
        assert case[1] in [f.id for f in result.red_flags]
        floor = Verdict.AVOID if result.action is Action.SOON else Verdict.URGENT
        assert result.verdict is not None and result.verdict.rank >= floor.rank


# Everyday sentences about aches and massage that name no warning sign.
_SUBJECTS = [
    "my back",
    "my neck",
    "my shoulders",
    "my knee",
    "my hip",
    "my feet",
    "my wrist",
    "my jaw",
    "my calves",
    "my lower back",
    "my upper back",
    "my elbow",
    "my child's legs",
    "my arms",
]
_STATES = [
    "is sore",
    "feels tight",
    "is stiff",
    "aches a bit",
    "has been tense",
    "feels knotted",
    "is tired",
    "gets achy",
    "is a little sore",
    "feels heavy",
]
_CAUSES = [
    "after gardening",
    "from sitting at my desk",
    "after a long walk",
    "after yoga",
    "from work",
    "after carrying the shopping",
    "after painting the ceiling",
    "from sleeping badly",
    "after a football match",
    "after a run",
    "since the weekend",
    "when I wake up",
    "after a long drive",
    "after cleaning the house",
    "from typing all day",
]
_ASKS = [
    "",
    "can a massage help?",
    "is a massage a good idea?",
    "would a deep tissue massage help?",
    "how often should I book a massage?",
    "what kind of massage is best?",
    "my friend says hot stones help",
    "should I stretch first?",
]


class TestOrdinarySentences:
    """Common sentences with no warning sign raise no flag, however they are put together."""

    @given(
        subject=st.sampled_from(_SUBJECTS),
        state=st.sampled_from(_STATES),
        cause=st.sampled_from(_CAUSES),
        ask=st.sampled_from(_ASKS),
    )
    @settings(max_examples=400, deadline=None)
    def test_everyday_sentence_raises_nothing(self, subject: str, state: str, cause: str, ask: str) -> None:
        """'my back is sore after gardening, can a massage help?' and thousands like it are not flagged."""
        assert [] == flag_ids(f"{subject} {state} {cause}. {ask}")

    @given(st.lists(st.sampled_from(ORDINARY_WORDS), min_size=3, max_size=20))
    @settings(max_examples=300, deadline=None)
    def test_real_words_naming_no_sign_raise_nothing(self, words: list[str]) -> None:
        """Sentences of real English words that are in no flag phrase raise nothing (no real word is
        read as a misspelt sign)."""
        assert [] == flag_ids(" ".join(words))


class TestReviewRows:
    """Signs the December 2026 clinical review found missed, over-called or mixed up (part 2 U15,
    U16, U17, W1, W2, W3, W4; part 1 K10)."""

    @pytest.mark.parametrize(
        ("query", "flag_id"),
        [
            ("I'm 12 days postpartum and bleeding heavily with clots", "postpartum-bleeding"),
            ("gave birth 3 weeks ago, bleeding and I feel faint", "postpartum-bleeding"),
            ("my blood pressure is 190/125 and I have a headache", "very-high-blood-pressure"),
            ("bp 200 over 110 this morning", "very-high-blood-pressure"),
            ("my leg suddenly went cold, pale and painful", "cold-pale-limb"),
            ("twisted my ankle and can't put weight on it", "cannot-bear-weight"),
            ("my knee gave way and swelled up straight away playing football", "cannot-bear-weight"),
            ("I'm having an angina attack and my spray is not working", "chest-pain"),
            ("asthma attack and my inhaler is not helping", "asthma-attack"),
            ("my daughter just had her first seizure", "seizure"),
            # the second look at the review fixes
            ("I'm 68 and my jaw hurts when I eat and I have blurred vision", "giant-cell-arteritis-sight"),
            ("chronic pain and I feel like giving up on life", "suicidal-thoughts"),
            ("my mum fell and is lying on the floor and can't get up", "hip-fracture"),
            ("I slipped and hurt my shoulder and now can't lift my arm", "injured-limb"),
            ("my 70 year old dad tripped and his neck hurts", "serious-injury"),
            ("I had a knee replacement and now I have a fever", "replacement-fever"),
            ("I'm 30 weeks pregnant and my blood pressure is 145/95", "pregnancy-high-blood-pressure"),
            ("I gave birth last week and I have a temperature of 38.5", "fever-after-birth"),
            ("I have really bad period pain and a positive pregnancy test", "pain-in-early-pregnancy"),
            ("my fistula is bleeding and won't stop", "fistula-problem"),
            ("my blood pressure is 190/125 and my vision is blurry", "blood-pressure-crisis"),
            ("I gave birth yesterday and feel faint", "postpartum-bleeding"),
            ("I'm diabetic and my toe has gone black", "black-toe"),
            ("I had my baby 3 weeks ago and hear voices", "postpartum-psychosis"),
            ("my scar is red and leaking pus and I feel very unwell", "infected-wound-very-unwell"),
            ("I have heart failure and gained 3 kg in 3 days", "heart-failure-signs"),
            ("RA and my neck hurts and my hands tingle", "neck-cord-pressure"),
            ("my legs are numb and tingly", "both-legs"),
            ("my leg is weak and dragging", "both-legs"),
        ],
    )
    def test_missed_sign_is_raised(self, query: str, flag_id: str) -> None:
        """Each of these raised nothing before the review."""
        assert flag_id in flag_ids(query)

    @pytest.mark.parametrize(
        "query",
        [
            "my bp was 150/90 at the doctor, can I have a massage",
            "I have stable angina and want to know if massage is safe",
            "my 6 year old wet the bed last night and I want to give her a massage",
            "I rolled my ankle yesterday, it is a bit sore but I can walk",
            "I had a baby six months ago and my back is tired from lifting her",
            "I have asthma, can massage help my breathing",
            "my seizures are well controlled, can I have a massage",
            "bedwetting",
            "my fingers go white and cold when it is cold outside",
            "slipped disc and my foot is numb",
            "I iced my ankle sprain and now it's cold and numb",
            "my blood pressure is 135/85, is a massage ok",
            "my back hurts and my hands are tingling",
            # one leg's numbness is sciatica's 'see a doctor' sign, not both legs (NHS 999: both)
            "sciatica and my leg is numb",
            "The back of one leg hurts like toothache all the way down, with a bit of tingling in that foot",
            # "feeling ... I can't sit" is not "can't feel"; a trapped nerve is not an injury
            "Trapped nerve feeling in my backside that travels down my leg, I can't sit through a film",
            "My shoulder hurts when I lift my arm above my head",
        ],
    )
    def test_no_false_alarm(self, query: str) -> None:
        """A normal reading, a known stable condition, a child's bed-wetting: no warning."""
        assert [] == flag_ids(query)

    def test_a_phrase_with_a_particle_keeps_its_order(self) -> None:
        """'dropping things ... on the thumb side' is not 'dropped (something) on': a phrase whose
        later words are particles ("on", "off", "out") keeps its order."""
        query = "my hand keeps going numb at night, mostly on the thumb side, and I'm dropping things"
        assert "injured-limb" not in flag_ids(query)
        assert "injured-limb" in flag_ids("I dropped a weight on my foot and now it is cold and numb")

    def test_a_gland_that_stays_is_a_see_a_doctor_soon_sign(self) -> None:
        """NHS lists a gland that stays under 'see a GP': one urgency on the screen, not three."""
        result = answer(INDEX, "swollen gland that hasn't gone down for 3 weeks")
        assert Action.SOON is result.action
        assert Verdict.AVOID is result.verdict
        assert "within a few days" in result.headline
        assert "today" not in result.red_flags[0].message.split(".")[0]

    def test_a_slip_is_a_same_day_check_with_the_emergency_signs_named(self) -> None:
        """NHS sends back pain to 999 after a serious accident only; a slip or trip is 'today'."""
        result = answer(INDEX, "tripped on the kerb and my neck is sore")
        assert Action.URGENT is result.action
        assert "emergency" in result.red_flags[0].message
        assert Action.EMERGENCY is answer(INDEX, "I fell down the stairs and my back hurts").action


class TestCheckShowsTheWarningFirst:
    """Every format puts the warning above everything, and never shows a reassuring verdict."""

    QUERY = "fibromyalgia and I can't control my bladder"

    def test_json(self, run) -> None:
        """JSON lists the flag, the verdict is urgent, and no field says helps or may-help."""
        result = run("check", self.QUERY, "--json")
        data = json.loads(result.stdout)
        assert ("urgent", "bladder-bowel") == (data["verdict"], data["red_flags"][0]["id"])
        assert {"id", "name", "action", "message", "words"} == set(data["red_flags"][0])
        assert '"helps"' not in result.stdout and '"may-help"' not in result.stdout

    @pytest.mark.parametrize("fmt", ["plain", "markdown"])
    def test_first_line_is_the_warning(self, run, fmt: str) -> None:
        """Plain and Markdown start with the warning and the action."""
        result = run("check", self.QUERY, "--format", fmt)
        assert "emergency" in result.stdout.splitlines()[0].lower()
        for verdict in REASSURING:
            assert verdict.label.upper() not in result.stdout

    def test_rich_red_panel_on_top(self, run) -> None:
        """Rich shows the warning panel first."""
        result = run("check", self.QUERY, "--format", "rich", env={"TERM": "dumb", "COLUMNS": "100"})
        first_panel = result.stdout.split("╰")[0]
        assert "WARNING" in first_panel and "Fibromyalgia" not in first_panel
        for verdict in REASSURING:
            assert verdict.label.upper() not in result.stdout

    def test_not_found_is_the_flags_own_page(self, run) -> None:
        """A warning sign with no condition is an answer: the sign's own page, verdict urgent, exit 0."""
        result = run("check", "zzz qqq and the worst headache of my life", "--format", "plain")
        assert ExitCode.OK == result.exit_code, result.output
        assert result.stdout.startswith("EMERGENCY: Massage is not the answer. Call emergency services")
        assert "No condition found" not in result.stdout
        data = json.loads(run("check", "zzz qqq and the worst headache of my life", "--json").stdout)
        assert (False, "urgent", "thunderclap-headache") == (
            data["found"],
            data["verdict"],
            data["red_flags"][0]["id"],
        )

    def test_sign_with_an_entry_shows_it(self, run) -> None:
        """A sign that points to an entry shows it when the words name no other condition."""
        data = json.loads(run("check", "zzz qqq and numbness around my bum", "--json").stdout)
        assert ("saddle-numbness", "cauda-equina-syndrome", "red-flag") == (
            data["red_flags"][0]["id"],
            data["condition"]["id"],
            data["matched_by"],
        )

    def test_batch_flags_each_line(self, run) -> None:
        """In a batch, each line is scanned on its own."""
        result = run("check", "--batch", "-", "--json", input="neck pain\nneck pain and a fever\n")
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [[], ["fever-chills"]] == [[f["id"] for f in r["red_flags"]] for r in rows]
        assert ["may-help", "urgent"] == [r["verdict"] for r in rows]


class TestContraindications:
    """Conditions where massage must wait say what to do instead, first."""

    DANGEROUS = tuple(c for c in KB.conditions if c.verdict in (Verdict.AVOID, Verdict.URGENT))

    @pytest.mark.parametrize("condition", DANGEROUS, ids=lambda c: c.id)
    @pytest.mark.parametrize("fmt", ["plain", "markdown"])
    def test_first_line_says_what_to_do(self, run, condition, fmt: str) -> None:
        """The first line (or the warning above it) says what to do instead of massage."""
        result = run("check", condition.id, "--format", fmt)
        first = " ".join(result.stdout.split("\n\n")[0].split())  # the verdict line, wrapped or not
        assert condition.verdict.headline in first or first.lstrip("> *").startswith("WARNING"), first

    @pytest.mark.parametrize("condition", DANGEROUS, ids=lambda c: c.id)
    def test_says_when_to_see_a_doctor(self, condition) -> None:
        """Every avoid or urgent condition says when to see a doctor."""
        assert condition.see_a_doctor_if

    def test_list_avoid(self, run) -> None:
        """`list --verdict avoid` lists exactly the avoid conditions."""
        result = run("list", "--verdict", "avoid", "--json")
        assert sorted(c.id for c in KB.conditions if c.verdict is Verdict.AVOID) == sorted(
            r["id"] for r in json.loads(result.stdout)
        )


class TestRedFlagsCommand:
    """`red-flags` prints the catalogue."""

    @pytest.mark.parametrize("fmt", ["rich", "plain", "markdown", "json"])
    def test_every_format(self, run, fmt: str) -> None:
        """Each format lists every sign."""
        result = run("red-flags", "--format", fmt, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for flag in KB.red_flags:
            assert flag.name.split()[0] in result.stdout

    def test_json_fields(self, run) -> None:
        """JSON gives each flag's id, name, action, message, meaning, question, phrases and sources."""
        data = json.loads(run("red-flags", "--json").stdout)
        assert {
            "id",
            "name",
            "action",
            "message",
            "may_mean",
            "question",
            "phrases",
            "signs",
            "who",
            "sources",
        } == set(data[0])


class TestScreen:
    """`screen` walks through the warning signs; it never says massage is safe."""

    def answers(self, yes_at: int | None = None) -> str:
        return "".join("y\n" if i == yes_at else "n\n" for i in range(len(KB.red_flags)))

    def test_all_no(self, run) -> None:
        """All 'no': no warning signs, and a reminder to check with a doctor."""
        result = run("screen", "--all", "--json", input=self.answers())
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert "no-warning-signs" == data["outcome"]
        assert "safe" not in result.stdout.lower()
        assert all(v is False for v in data["answers"].values())

    def test_emergency_stops_the_questions(self, run) -> None:
        """A 'yes' to the first (emergency) question ends the walk-through with an emergency."""
        result = run("screen", "--all", "--json", input=self.answers(yes_at=0))
        data = json.loads(result.stdout)
        assert "emergency" == data["outcome"]
        assert 1 == sum(v is not None for v in data["answers"].values())

    def test_urgent_sign(self, run) -> None:
        """A 'yes' to an urgent sign only: see a doctor first."""
        urgent = next(f for f in KB.red_flags if f.action is Action.URGENT)
        result = run("screen", "--yes", urgent.id, "--json")
        assert "see-a-doctor" == json.loads(result.stdout)["outcome"]

    @pytest.mark.parametrize("fmt", ["rich", "plain", "markdown"])
    def test_human_formats(self, run, fmt: str) -> None:
        """Human formats state the outcome first and never say safe."""
        result = run("screen", "--yes", "saddle-numbness", "--format", fmt, env={"TERM": "dumb"})
        assert result.exit_code == 0, result.output
        assert "EMERGENCY" in result.stdout.split("\n", 2)[0] + result.stdout.split("\n", 2)[1]
        assert "safe" not in result.stdout.lower()

    def test_no_prompt(self, run) -> None:
        """--no-prompt asks nothing, so it does not claim there are no warning signs."""
        data = json.loads(run("screen", "--no-prompt", "--json").stdout)
        assert ("not-screened", {None}) == (data["outcome"], set(data["answers"].values()))

    def test_unknown_id(self, run) -> None:
        """An unknown --yes id is a usage error."""
        result = run("screen", "--yes", "nonsense")
        assert ExitCode.USAGE == result.exit_code
        assert "unknown warning sign" in result.stderr

    def test_bad_and_missing_answers(self, run) -> None:
        """An answer that is not yes, no or not sure, or too few answers, is a usage error."""
        assert ExitCode.USAGE == run("screen", input="n\nperchance\n").exit_code
        assert ExitCode.USAGE == run("screen", input="n\n").exit_code


class TestScreenAsksWhatFits:
    """`screen` asks the few questions that fit what the person named; every one only with --all."""

    def test_a_condition_asks_its_own_questions(self, run) -> None:
        """`screen sciatica` asks sciatica's questions only, says how many, and points at --all."""
        chosen = choose(INDEX, "sciatica").flags
        result = run("screen", "sciatica", "--json", input="n\n" * len(chosen))
        assert result.exit_code == 0, result.output
        answers = json.loads(result.stdout)["answers"]
        assert [f.id for f in chosen] == [k for k, v in answers.items() if v is not None]
        assert f"{len(chosen)} questions for Sciatica" in result.stderr
        assert f"'massage-cli screen --all' asks about all {len(KB.red_flags)} warning signs" in result.stderr

    def test_nothing_named_asks_the_general_questions(self, run) -> None:
        """With nothing named, piped answers are for the few general questions."""
        result = run("screen", "--json", input="n\n" * len(GENERAL))
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert ("no-warning-signs", set(GENERAL)) == (
            data["outcome"],
            {k for k, v in data["answers"].items() if v is not None},
        )

    def test_words_that_name_nothing_say_so(self, run) -> None:
        """Words that name no condition get a note on stderr, and the general questions."""
        result = run("screen", "xyzzy", "plover", "--json", input="n\n" * len(GENERAL))
        assert result.exit_code == 0, result.output
        assert (
            "no condition or warning sign found in 'xyzzy plover'; asking the general questions"
            in result.stderr
        )

    def test_all_asks_every_question(self, run) -> None:
        """--all asks about every warning sign (and needs an answer for each)."""
        result = run("screen", "--all", "--json", input="n\n" * len(GENERAL))
        assert ExitCode.USAGE == result.exit_code
        assert f"got {len(GENERAL)}, question {len(GENERAL) + 1} is" in result.stderr

    def test_not_sure_counts_as_yes_and_says_why(self, run) -> None:
        """'I don't know' to an emergency question gives the emergency advice and the reason."""
        result = run("screen", "sciatica", "--format", "plain", input="no\nI don't know\n")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("EMERGENCY:")
        assert "You were not sure about:" in result.stdout
        assert "Not sure counts as yes" in " ".join(result.stdout.split())


class TestScreenPrintout:
    """The HTML printout lists the questions and answers, and claims nothing when nothing was asked."""

    def test_lists_each_question_and_answer(self, run) -> None:
        """Each question asked is on the page with its answer, and the count of those not asked."""
        chosen = choose(INDEX, "sciatica").flags
        replies = ["no", "not sure"]
        result = run("screen", "sciatica", "--format", "html", input="\n".join(replies) + "\n")
        assert result.exit_code == 0, result.output
        page = html.unescape(result.stdout)
        rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", page)
        assert [(chosen[0].ask, "No"), (chosen[1].ask, "Not sure")] == rows
        assert f"{len(KB.red_flags) - 2} other warning signs were not asked about" in page

    def test_no_prompt_claims_no_absence_of_signs(self, run) -> None:
        """`screen --no-prompt --format html` says nothing was asked, not that there are no warning signs."""
        result = run("screen", "--no-prompt", "--format", "html")
        assert result.exit_code == 0, result.output
        page = html.unescape(result.stdout).lower()
        assert (True, True, False) == (
            "no questions were asked" in page,
            "not screened" in page,
            "you reported" in page,
        )
