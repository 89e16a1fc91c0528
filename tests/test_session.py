"""The therapist's session blocks: every condition has one, it agrees with its entry, and plans
join blocks so that the strictest rule of each kind wins."""

from __future__ import annotations

import re

import pytest

from massage_cli.knowledge.checker import SESSION_FOR_VERDICT
from massage_cli.model import (
    AvoidItem,
    KnowledgeBase,
    Massage,
    Position,
    PositionRule,
    Pressure,
    Session,
    Source,
    Urgency,
    Verdict,
)
from massage_cli.session import NO_RULES_PRESSURE, combine, find_medicine

SOURCE = (Source("A page", "https://example.org/page"),)


def block(massage: Massage = Massage.WITH_CHANGES, **fields: object) -> Session:
    return Session(massage, ("Tell your therapist this.",), SOURCE, **fields)  # type: ignore[arg-type]


def session_texts(session: Session) -> list[str]:
    texts = [
        session.until,
        session.duration,
        session.timing,
        *session.ask_first,
        *session.tell_your_therapist,
    ]
    texts += [session.pressure.why] if session.pressure else []
    texts += [session.position.why] if session.position else []
    texts += [text for item in session.avoid for text in (item.what, item.why)]
    return [text for text in texts if text]


class TestEveryCondition:
    def test_every_condition_has_a_session_block(self, kb: KnowledgeBase) -> None:
        missing = [c.id for c in kb.conditions if c.session is None]
        assert missing == []

    def test_an_avoid_or_urgent_entry_never_says_yes(self, kb: KnowledgeBase) -> None:
        wrong = [
            (c.id, c.verdict.value, c.session.massage.value)
            for c in kb.conditions
            if c.session
            and c.verdict in SESSION_FOR_VERDICT
            and c.session.massage not in SESSION_FOR_VERDICT[c.verdict]
        ]
        assert wrong == []

    def test_urgent_entries_say_not_now_with_a_condition(self, kb: KnowledgeBase) -> None:
        urgent = [c for c in kb.conditions if c.verdict is Verdict.URGENT and c.session]
        assert urgent
        assert all(c.session.massage is Massage.NOT_NOW and c.session.until for c in urgent if c.session)

    def test_an_entry_with_emergency_lines_asks_about_them_first(self, kb: KnowledgeBase) -> None:
        """The therapist is shown the emergency lines; the block must give questions to ask before
        starting, and must not say 'yes' as if nothing could be wrong."""
        wrong = []
        for c in kb.conditions:
            emergency = [i for i in c.see_a_doctor_if if i.urgency in (Urgency.EMERGENCY, Urgency.NOW)]
            if emergency and c.session and not c.session.ask_first:
                wrong.append(c.id)
        assert wrong == []

    def test_session_text_names_no_action_of_its_own(self, kb: KnowledgeBase) -> None:
        """How soon to get care comes from the entry's warning lines, in one set of words."""
        action = re.compile(
            r"\b(call (911|999|112|emergency)|emergency (services|department)|right away|see a doctor today)\b",
            re.IGNORECASE,
        )
        wrong = [
            (c.id, t)
            for c in kb.conditions
            if c.session
            for t in session_texts(c.session)
            if action.search(t)
        ]
        assert wrong == []

    def test_no_myths(self, kb: KnowledgeBase) -> None:
        myth = re.compile(r"\b(toxins?|flush(es|ing)?|lactic acid|boosts? (the )?immun)", re.IGNORECASE)
        wrong = [
            (c.id, t) for c in kb.conditions if c.session for t in session_texts(c.session) if myth.search(t)
        ]
        assert wrong == []

    def test_an_entry_that_asks_for_gentle_pressure_gets_a_limit(self, kb: KnowledgeBase) -> None:
        gentle = re.compile(
            r"\b(gentle|light|soft) (pressure|touch|massage|strokes?)\b|\bno (deep|firm|strong) pressure\b",
            re.IGNORECASE,
        )
        wrong = []
        for c in kb.conditions:
            s = c.session
            if s is None or s.massage is Massage.NOT_NOW:
                continue
            text = " ".join((c.summary, *c.precautions))
            limited = (s.pressure and s.pressure.max <= 3) or any(
                a.max is not None and a.max <= 3 for a in s.avoid
            )
            if gentle.search(text) and not limited:
                wrong.append(c.id)
        assert wrong == []

    def test_a_helps_entry_allows_a_session(self, kb: KnowledgeBase) -> None:
        helps = [c for c in kb.conditions if c.verdict is Verdict.HELPS and c.session]
        assert all(c.session.massage in (Massage.YES, Massage.WITH_CHANGES) for c in helps if c.session)


class TestMedicines:
    def test_blood_thinners_are_known_by_their_names(self, kb: KnowledgeBase) -> None:
        found = find_medicine(kb.medicines, "warfarin 5 mg")
        assert found is not None
        assert found.session.pressure is not None and found.session.pressure.max <= 3

    @pytest.mark.parametrize("words", ["Eliquis", "on apixaban", "RIVAROXABAN"])
    def test_brand_and_generic_names_and_case(self, kb: KnowledgeBase, words: str) -> None:
        assert find_medicine(kb.medicines, words) is not None

    def test_an_unknown_medicine_is_none(self, kb: KnowledgeBase) -> None:
        assert find_medicine(kb.medicines, "vitamin q") is None

    def test_every_medicine_asks_for_changes(self, kb: KnowledgeBase) -> None:
        assert kb.medicines
        assert all(m.session.massage is not Massage.YES for m in kb.medicines)


class TestCombine:
    def test_the_strictest_massage_rule_wins(self) -> None:
        plan = combine(
            [
                ("a", block(Massage.YES, pressure=Pressure(5))),
                ("b", block(Massage.LOCAL_ONLY, pressure=Pressure(4))),
            ]
        )
        assert plan.massage is Massage.LOCAL_ONLY

    def test_not_now_keeps_every_until(self) -> None:
        plan = combine(
            [
                ("a", block(Massage.NOT_NOW, until="x is done.")),
                ("b", block(Massage.YES, pressure=Pressure(5))),
            ]
        )
        assert plan.massage is Massage.NOT_NOW
        assert [(p.source, p.text) for p in plan.until] == [("a", "x is done.")]

    def test_the_lowest_pressure_wins_and_names_where_it_comes_from(self) -> None:
        plan = combine(
            [
                ("knee", block(pressure=Pressure(4))),
                ("warfarin", block(pressure=Pressure(2, "Bruises easily."))),
                ("other", block(pressure=Pressure(2))),
            ]
        )
        assert plan.pressure == 2
        assert [p.source for p in plan.pressure_from] == ["warfarin", "other"]

    def test_no_limit_is_the_whole_scale(self) -> None:
        plan = combine([("a", block(Massage.YES))])
        assert plan.pressure == 5 and plan.pressure_from == ()

    def test_every_avoided_area_is_kept_and_the_same_area_takes_the_stricter_rule(self) -> None:
        plan = combine(
            [
                (
                    "a",
                    block(avoid=(AvoidItem(area="The left arm", max=3), AvoidItem(technique="Hot stones"))),
                ),
                ("b", block(avoid=(AvoidItem(area="the left arm", max=1), AvoidItem(area="the calf")))),
            ]
        )
        rules = [(limit.item.what.lower(), limit.item.max, limit.sources) for limit in plan.avoid]
        assert rules == [
            ("the calf", None, ("b",)),
            ("the left arm", 1, ("a", "b")),
            ("hot stones", None, ("a",)),
        ]

    def test_positions_avoided_by_any_part_are_never_suggested(self) -> None:
        pregnant = block(
            position=PositionRule(avoid=(Position.FACE_DOWN, Position.FLAT_ON_BACK), best=(Position.SIDE,))
        )
        heart = block(position=PositionRule(best=(Position.PROPPED_UP, Position.SIDE)))
        plan = combine([("pregnancy", pregnant), ("heart", heart)])
        assert [p for p, _ in plan.avoid_positions] == [Position.FLAT_ON_BACK, Position.FACE_DOWN]
        assert plan.best_positions == (Position.SIDE,)

    def test_best_positions_fall_back_to_any_parts_choice_when_none_agree(self) -> None:
        plan = combine(
            [
                ("a", block(position=PositionRule(best=(Position.SIDE,)))),
                ("b", block(position=PositionRule(best=(Position.SEATED,)))),
            ]
        )
        assert plan.best_positions == (Position.SIDE, Position.SEATED)

    def test_a_warning_sign_makes_it_not_now_first(self) -> None:
        plan = combine([("a", block(Massage.YES, pressure=Pressure(5)))], warning_sign=True)
        assert plan.massage is Massage.NOT_NOW
        assert plan.until[0].source == "warning sign"

    def test_a_part_without_rules_makes_the_plan_cautious(self) -> None:
        plan = combine([("a", block(Massage.YES, pressure=Pressure(5))), ("old entry", None)])
        assert plan.massage is Massage.WITH_CHANGES
        assert plan.pressure == NO_RULES_PRESSURE
        assert plan.unknown == ("old entry",)

    def test_questions_and_sentences_are_kept_once(self) -> None:
        a = Session(Massage.YES, ("Tell your therapist X.",), SOURCE, ask_first=("Blood thinners?",))
        b = Session(
            Massage.YES, ("Tell your therapist  x.",), SOURCE, ask_first=("blood thinners?", "Surgery?")
        )
        plan = combine([("a", a), ("b", b)])
        assert plan.ask_first == ("Blood thinners?", "Surgery?")
        assert plan.tell_your_therapist == ("Tell your therapist X.",)
        assert plan.sources == SOURCE


class TestLayerRules:
    """A clinic's layer gets the same rules as the bundled file, as problems with their place."""

    @pytest.mark.parametrize(
        ("session", "message"),
        [
            ("massage: 'yes'\n      pressure: {max: 3}", "does not fit the verdict 'urgent'"),
            ("massage: not-now", "needs 'until'"),
            ("massage: local-only\n      pressure: {max: 3}", "needs an avoid area with 'contact: none'"),
            ("massage: with-changes\n      pressure: {max: 9}", "not a pressure level from 0 to 5"),
            ("massage: with-changes", "missing required field 'pressure'"),
            (
                "massage: with-changes\n      pressure: {max: 3}\n      avoid:\n        - area: the calf",
                "never a bare 'avoid the area'",
            ),
            (
                "massage: with-changes\n      pressure: {max: 3}\n      position: {avoid: [side], best: [side]}",
                "both to avoid and best",
            ),
        ],
    )
    def test_a_broken_block_is_a_problem(self, run, tmp_path, session: str, message: str) -> None:
        layer = tmp_path / "clinic.yaml"
        layer.write_text(
            "conditions:\n  - id: deep-vein-thrombosis\n    patch: true\n    session:\n"
            f"      {session}\n"
            "      tell_your_therapist: [Tell your therapist about the clot.]\n"
            "      sources: [{title: T, url: 'https://example.org/t'}]\n"
        )
        result = run("--kb", str(layer), "validate")
        assert result.exit_code == 3
        assert message in result.output

    def test_an_entry_without_a_block_loads_with_a_warning_and_a_cautious_plan(self, run, tmp_path) -> None:
        layer = tmp_path / "clinic.yaml"
        entry = run("check", "gout", "--json").stdout
        import json

        data = json.loads(entry)
        layer.write_text(
            "conditions:\n  - id: clinic-gout\n    name: Clinic gout\n    aliases: []\n    icd10: []\n"
            "    category: joint\n    verdict: may-help\n    summary: S.\n    benefits: [B.]\n"
            "    precautions: [P.]\n    see_a_doctor_if: [{text: A sign., urgency: today}]\n"
            "    cannot_replace: [C.]\n    evidence: {level: low, summary: E.}\n"
            f"    sources: [{{title: T, url: '{data['sources'][0]['url']}'}}]\n    reviewed: 2026-12-02\n"
        )
        result = run("--kb", str(layer), "validate")
        assert result.exit_code == 0 and "no session block" in result.output
        plan = json.loads(run("--kb", str(layer), "intake", "-c", "clinic gout", "--json").stdout)["plan"]
        assert plan["massage"] == "with-changes" and plan["pressure"]["max"] == 2
        assert plan["no_rules_for"] == ["Clinic gout"]


class TestMedicineNames:
    @pytest.mark.parametrize(
        ("typed", "group"), [("warferin", "blood-thinners"), ("apixiban 5mg", "blood-thinners")]
    )
    def test_one_clear_typo_of_a_long_name_is_read(self, kb: KnowledgeBase, typed: str, group: str) -> None:
        found = find_medicine(kb.medicines, typed)
        assert found is not None and found.id == group

    @pytest.mark.parametrize("typed", ["paracetamol", "vitamin d", "statin"])
    def test_other_medicines_are_not_forced_into_a_group(self, kb: KnowledgeBase, typed: str) -> None:
        assert find_medicine(kb.medicines, typed) is None


def test_near_identical_questions_from_two_parts_are_asked_once() -> None:
    a = Session(
        Massage.YES, ("Tell your therapist X.",), SOURCE, ask_first=("Any numbness around your bottom?",)
    )
    b = Session(
        Massage.YES,
        ("Tell your therapist Y.",),
        SOURCE,
        ask_first=("Any new numbness around your bottom?", "Fever?"),
    )
    assert combine([("a", a), ("b", b)]).ask_first == ("Any numbness around your bottom?", "Fever?")
