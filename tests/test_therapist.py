"""The therapist's side, through the command line: `check --for therapist`, the patient's 'Tell your
therapist', `intake` and `list --for therapist`."""

from __future__ import annotations

import json

import pytest

from massage_cli.model import PRESSURE_CREDIT, KnowledgeBase, Massage, Urgency

FORMATS = ("plain", "markdown", "html", "rich")


def intake_json(run, *args: str, input: str | None = None) -> dict:
    result = run("intake", *args, "--json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


class TestCheckForTherapist:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_every_format_shows_the_session_rules_and_the_warning_signs(
        self, run, kb: KnowledgeBase, fmt: str
    ) -> None:
        condition = kb.condition("lymphedema")
        assert condition.session and condition.session.pressure
        result = run("check", "lymphedema", "--for", "therapist", "--format", fmt, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        text = " ".join(result.stdout.split())
        assert "Pressure" in text and f"At most {condition.session.pressure.max} of 5" in text
        assert "Stop and send for care if" in text
        emergency = [i for i in condition.see_a_doctor_if if i.urgency is Urgency.EMERGENCY]
        for item in emergency:
            assert " ".join(item.text.split())[:40] in text.replace("\\", "")
        assert "Walton pressure scale" in text

    def test_json_marks_the_view_and_carries_the_block_and_the_scale(self, run) -> None:
        result = run("check", "deep vein thrombosis", "--for", "therapist", "--json")
        data = json.loads(result.stdout)
        assert data["for"] == "therapist"
        assert data["session"]["massage"] == "not-now"
        assert data["session"]["until"]
        assert data["pressure_scale"]["credit"] == PRESSURE_CREDIT

    def test_an_urgent_entry_says_not_now_and_until_when(self, run) -> None:
        result = run("check", "cauda equina syndrome", "--for", "therapist", "--format", "plain")
        assert "Not now." in result.stdout
        assert "Wait until" in result.stdout
        assert "Pressure" not in result.stdout.split("Stop and send")[0].split("Can I work?")[1]

    def test_the_patients_view_gains_tell_your_therapist(self, run, kb: KnowledgeBase) -> None:
        from massage_cli.render.common import tell_lines

        tell = tell_lines(kb.condition("low-back-pain"))
        assert tell
        result = run("check", "low-back-pain", "--format", "plain", env={"COLUMNS": "200"})
        assert "Tell your therapist" in result.stdout
        assert " ".join(tell[0].split()) in " ".join(result.stdout.split())

    def test_patient_json_always_has_the_session_block(self, run) -> None:
        data = json.loads(run("check", "fibromyalgia", "--json").stdout)
        assert data["session"]["massage"] in [m.value for m in Massage]
        assert data["tell_your_therapist"]

    def test_for_takes_only_patient_or_therapist(self, run) -> None:
        result = run("check", "fibromyalgia", "--for", "doctor")
        assert result.exit_code == 2
        assert "therapist" in result.stderr

    def test_batch_gives_the_therapists_view_per_line(self, run) -> None:
        result = run("check", "--batch", "-", "--for", "therapist", "--json", input="fibromyalgia\ngout\n")
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["for"] for line in lines] == ["therapist", "therapist"]

    def test_yaml_text_is_never_markup(self, run, tmp_path) -> None:
        layer = tmp_path / "clinic.yaml"
        layer.write_text(
            "conditions:\n  - id: fibromyalgia\n    patch: true\n    session:\n      massage: with-changes\n"
            '      pressure:\n        max: 2\n        why: "[bold red]x[/] \\e[31m"\n'
            '      tell_your_therapist:\n        - "Tell your therapist [link=http://x]y[/link]."\n'
            "      sources: [{title: T, url: 'https://example.org/t'}]\n"
        )
        result = run("--kb", str(layer), "check", "fibromyalgia", "--for", "therapist", "--format", "rich")
        assert "[bold red]x[/]" in result.stdout
        assert "\x1b[31m" not in result.stdout


class TestIntake:
    def test_warfarin_and_knee_osteoarthritis_give_the_lower_pressure_from_both(
        self, run, kb: KnowledgeBase
    ) -> None:
        data = intake_json(run, "--condition", "knee osteoarthritis", "--medicine", "warfarin")
        thinners = next(m for m in kb.medicines if "warfarin" in m.names)
        knee = kb.condition("knee-osteoarthritis").session
        assert knee and knee.pressure and thinners.session.pressure
        assert data["plan"]["pressure"]["max"] == min(knee.pressure.max, thinners.session.pressure.max)
        assert data["medicines"][0]["id"] == thinners.id
        assert data["conditions"][0]["condition"]["id"] == "knee-osteoarthritis"

    def test_pregnancy_at_30_weeks_keeps_the_person_off_the_back_and_front(self, run) -> None:
        data = intake_json(run, "--condition", "30 weeks pregnant", "--condition", "low back pain")
        avoided = {row["position"] for row in data["plan"]["position"]["avoid"]}
        assert {"face-down", "flat-on-back"} <= avoided
        assert "side" in data["plan"]["position"]["best"]

    def test_without_answers_the_questions_are_a_checklist_and_nothing_is_claimed(self, run) -> None:
        data = intake_json(run, "--condition", "sciatica")
        assert data["outcome"] == "not-screened"
        ids = [q["id"] for q in data["to_ask"]]
        assert "saddle-numbness" in ids and "chest-pain" in ids

    def test_a_blood_thinner_adds_the_questions_that_fit_it(self, run) -> None:
        without = {q["id"] for q in intake_json(run, "--condition", "knee osteoarthritis")["to_ask"]}
        data = intake_json(run, "--condition", "knee osteoarthritis", "--medicine", "warfarin")
        added = {q["id"] for q in data["to_ask"]} - without
        assert "head-injury" in added

    def test_a_yes_in_the_answers_file_stops_the_session_first(self, run, tmp_path) -> None:
        answers = tmp_path / "a.yaml"
        answers.write_text("conditions: [low back pain]\nanswers:\n  saddle-numbness: yes\n")
        data = intake_json(run, "--answers", str(answers))
        assert data["outcome"] == "emergency"
        assert data["plan"]["massage"] == "not-now"
        assert [s["id"] for s in data["warning_signs"]] == ["saddle-numbness"]
        result = run("intake", "--answers", str(answers), "--format", "plain")
        assert result.stdout.index("STOP") < result.stdout.index("Can I work?")

    def test_a_sign_in_the_persons_own_words_counts(self, run) -> None:
        data = intake_json(run, "--condition", "my calf is swollen red and hot")
        assert data["warning_signs"]
        assert data["plan"]["massage"] == "not-now"

    def test_all_no_is_no_warning_signs(self, run) -> None:
        first = intake_json(run, "--condition", "tennis elbow")
        answers = "answers:\n" + "".join(f"  {q['id']}: no\n" for q in first["to_ask"])
        data = intake_json(run, "--answers", "-", "--condition", "tennis elbow", input=answers)
        assert data["outcome"] == "no-warning-signs"
        assert data["to_ask"] == []

    def test_an_unknown_condition_or_medicine_makes_the_plan_cautious(self, run) -> None:
        result = run("intake", "--condition", "zzqx syndrome", "--medicine", "vitamin q", "--json")
        assert result.exit_code == 0
        data = json.loads(result.stdout)
        assert data["plan"]["pressure"]["max"] <= 2
        assert set(data["plan"]["no_rules_for"]) == {"zzqx syndrome", "vitamin q"}
        assert "treats it with caution" in result.stderr

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("answers: [1, 2]", "mapping"),
            ("answers:\n  no-such-sign: yes\n", "unknown warning sign"),
            ("answers:\n  chest-pain: blue\n", "not yes, no or not sure"),
            ("colour: blue\n", "unknown field"),
            ("conditions: [unclosed\n", "not valid YAML"),
            ("- just a list\n", "must be a mapping"),
            ("!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
        ],
    )
    def test_a_bad_answers_file_is_a_usage_error(self, run, tmp_path, content: str, message: str) -> None:
        path = tmp_path / "answers.yaml"
        path.write_text(content)
        result = run("intake", "--answers", str(path))
        assert result.exit_code == 2
        assert message in result.stderr
        assert "Traceback" not in result.output

    def test_a_missing_answers_file_is_a_usage_error(self, run, tmp_path) -> None:
        result = run("intake", "--answers", str(tmp_path / "none.yaml"))
        assert result.exit_code == 2 and "cannot read the answers file" in result.stderr

    def test_without_a_terminal_or_options_it_says_what_to_give(self, run) -> None:
        result = run("intake", input="")
        assert result.exit_code == 2
        assert "--condition" in result.stderr

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_every_format_orders_warning_signs_conditions_then_the_plan(
        self, run, tmp_path, fmt: str
    ) -> None:
        answers = tmp_path / "a.yaml"
        answers.write_text("conditions: [lymphedema]\nmedicines: [warfarin]\nanswers:\n  chest-pain: yes\n")
        result = run("intake", "--answers", str(answers), "--format", fmt, env={"COLUMNS": "200"})
        text = result.stdout
        assert text.index("STOP") < text.index("Conditions and medicines") < text.index("Pressure")

    def test_nothing_is_written_without_o_and_o_writes_the_page(self, run, tmp_path, monkeypatch) -> None:
        monkeypatch.chdir(tmp_path)
        run("intake", "--condition", "gout")
        assert list(tmp_path.iterdir()) == []
        result = run("intake", "--condition", "gout", "-o", "summary.html")
        assert result.exit_code == 0
        assert (tmp_path / "summary.html").read_text().startswith("<!DOCTYPE html>")


class TestListForTherapist:
    def test_groups_strictest_first_and_every_condition_once(self, run, kb: KnowledgeBase) -> None:
        data = json.loads(run("list", "--for", "therapist", "--json").stdout)
        assert list(data)[:4] == ["not-now", "local-only", "with-changes", "yes"]
        ids = [row["id"] for rows in data.values() for row in rows]
        assert sorted(ids) == sorted(c.id for c in kb.conditions)

    def test_plain_shows_the_group_names(self, run) -> None:
        result = run("list", "--for", "therapist", "--format", "plain")
        assert result.stdout.index("NOT NOW") < result.stdout.index("YES, WITH CHANGES")

    def test_filters_still_apply(self, run) -> None:
        data = json.loads(run("list", "--for", "therapist", "--verdict", "urgent", "--json").stdout)
        assert [k for k, rows in data.items() if rows] == ["not-now"]


class TestIntakeOnATerminal:
    def test_it_asks_the_conditions_the_medicines_then_the_questions_that_fit(self, run, monkeypatch) -> None:
        from massage_cli.cli import intake as intake_cli
        from massage_cli.cli import screen as screen_cli
        from massage_cli.screening import Reply

        typed = {intake_cli.CONDITIONS_QUESTION: "sciatica, gout", intake_cli.MEDICINES_QUESTION: "apixaban"}
        asked: list[list[str]] = []

        def answer_all_no(flags):
            asked.append([flag.id for flag in flags])
            return [Reply.NO for _ in flags]

        monkeypatch.setattr(intake_cli, "_on_terminal", lambda: True)
        monkeypatch.setattr(intake_cli, "_ask_line", lambda question: typed[question])
        monkeypatch.setattr(screen_cli, "_ask_on_terminal", answer_all_no)
        data = json.loads(run("intake", "--json").stdout)
        assert [c["condition"]["id"] for c in data["conditions"]] == ["sciatica", "gout"]
        assert data["medicines"][0]["id"] == "blood-thinners"
        assert "saddle-numbness" in asked[0]
        assert data["outcome"] == "no-warning-signs"

    def test_ask_line_cleans_control_codes_and_says_enter_skips(self) -> None:
        from massage_cli.cli.intake import _ask_line

        shown = []
        answer = _ask_line("Medicines?", lambda prompt: shown.append(prompt.plain) or "war\x1b[31mfarin ")
        assert answer == "war[31mfarin" or "\x1b" not in answer
        assert "Enter: none" in shown[0]

    def test_with_conditions_given_it_still_asks_the_questions_unless_no_prompt(
        self, run, monkeypatch
    ) -> None:
        from massage_cli.cli import intake as intake_cli
        from massage_cli.cli import screen as screen_cli
        from massage_cli.screening import Reply

        asked: list[int] = []

        def say_yes_to_the_first(flags):
            asked.append(len(flags))
            return [Reply.YES]

        monkeypatch.setattr(intake_cli, "_on_terminal", lambda: True)
        monkeypatch.setattr(intake_cli, "_ask_line", lambda question: pytest.fail("asked " + question))
        monkeypatch.setattr(screen_cli, "_ask_on_terminal", say_yes_to_the_first)
        data = json.loads(run("intake", "-c", "sciatica", "--json").stdout)
        assert asked and data["outcome"] == "emergency"
        quiet = json.loads(run("intake", "-c", "sciatica", "--no-prompt", "--json").stdout)
        assert len(asked) == 1 and quiet["outcome"] == "not-screened"


class TestIntakeLead:
    def test_a_not_now_condition_leads_even_with_no_warning_sign(self, run, tmp_path) -> None:
        answers = tmp_path / "a.yaml"
        answers.write_text("conditions: [shingles]\nanswers: {chest-pain: no}\n")
        result = run("intake", "--answers", str(answers), "--format", "plain")
        assert result.stdout.startswith("NOT NOW: Do not start a massage")
        data = json.loads(run("intake", "--answers", str(answers), "--json").stdout)
        assert data["plan"]["massage"] == "not-now" and data["message"].startswith("Do not start")


class TestIntakeReadsItsParts:
    """Words given with commas are parts; a part that only says what is not there now belongs to
    the condition it qualifies, and never reads as a sign that is there."""

    @pytest.mark.parametrize(
        "words", ["low back pain, no numbness, no bladder problems", "denies numbness, low back pain"]
    )
    def test_a_denial_says_more_about_the_condition(self, run, words: str) -> None:
        data = intake_json(run, "--no-prompt", "--condition", words)
        assert {c["condition"]["id"] for c in data["conditions"]} == {"low-back-pain"}
        assert data["plan"]["no_rules_for"] == [] and data["warning_signs"] == []

    def test_a_denied_sign_never_becomes_a_condition(self, run) -> None:
        data = intake_json(run, "--no-prompt", "--condition", "gout, fever: no")
        assert {c["condition"]["id"] for c in data["conditions"]} == {"gout"}

    def test_an_unknown_part_stays_cautious(self, run) -> None:
        data = intake_json(run, "--no-prompt", "--condition", "fibromyalgia, pacemaker")
        assert data["plan"]["no_rules_for"] == ["pacemaker"]

    def test_not_now_has_no_pressure_in_json(self, run) -> None:
        data = intake_json(run, "--no-prompt", "--condition", "shingles")
        assert data["plan"]["massage"] == "not-now" and data["plan"]["pressure"]["max"] is None

    @pytest.mark.parametrize("words", ["not on blood thinners", "no warfarin"])
    def test_a_denied_medicine_is_left_out_of_the_plan(self, run, words: str) -> None:
        data = intake_json(run, "--no-prompt", "--condition", "knee osteoarthritis", "--medicine", words)
        assert data["medicines"][0]["taken"] is False
        assert data["plan"]["pressure"]["max"] == 3 and data["plan"]["no_rules_for"] == []

    def test_a_past_medicine_still_counts(self, run) -> None:
        data = intake_json(
            run,
            "--no-prompt",
            "--condition",
            "knee osteoarthritis",
            "--medicine",
            "stopped warfarin last week",
        )
        assert data["medicines"][0]["taken"] is True and data["plan"]["pressure"]["max"] == 2
