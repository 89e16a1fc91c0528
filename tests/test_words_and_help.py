"""One set of urgency words per answer, help and README that say what the program does, and small
commands that treat empty or misspelt input like `check` does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from massage_cli.answer import answer
from massage_cli.cli import ExitCode
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index, only_generic, search
from massage_cli.model import Action, Verdict
from massage_cli.render import common

KB = load_bundled()
INDEX = Index.build(KB)
README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
TIME_WORDS = re.compile(r"\b((?<!for )now|today|within a few days|at your next visit)\b", re.IGNORECASE)
"""How soon, in the words of the urgency scale ("avoid massage for now" is not a time to act)."""

FLAGGED = {
    Action.EMERGENCY: "numbness around my bottom and I can't control my bladder",
    Action.URGENT: "swollen painful calf after a long flight",
    Action.NOW: "I'm pregnant and bleeding",
}


def time_words(text: str) -> set[str]:
    return {m.lower() for m in TIME_WORDS.findall(text)}


class TestOneSetOfUrgencyWords:
    """The badge, the line under it and the warning say how soon in the same words."""

    @pytest.mark.parametrize("action", list(FLAGGED), ids=lambda a: a.value)
    def test_badge_names_the_flags_action(self, action: Action) -> None:
        """With warning signs, the badge is the action's own label, and the line after it does not repeat it."""
        result = answer(INDEX, FLAGGED[action])
        assert action is result.action
        assert action.label == common.label(result)
        line = common.verdict_line(result)
        assert line.startswith(action.label.upper() + ": Massage is not the answer.")
        assert action.label + "." not in common.headline(result)

    def test_today_is_not_now(self) -> None:
        """A sign that calls for a doctor today never shows a badge or a headline that says 'now'."""
        result = answer(INDEX, FLAGGED[Action.URGENT])
        shown = " ".join([common.label(result), common.verdict_line(result), common.flag_heading(result)])
        assert {"today"} == time_words(shown)

    @pytest.mark.parametrize("fmt", ["plain", "rich", "markdown", "html"])
    def test_every_format_says_today(self, run, fmt: str) -> None:
        """No human format shows the old 'Get medical care now' badge above 'See a doctor today'."""
        result = run("check", FLAGGED[Action.URGENT], "--format", fmt, env={"COLUMNS": "100"})
        assert result.exit_code == 0, result.output
        assert "medical care now" not in result.stdout.lower()
        assert "SEE A DOCTOR TODAY" in result.stdout or "See a doctor today" in result.stdout

    def test_urgent_entry_label_has_no_time_word(self) -> None:
        """An urgent entry with no warning sign in the words: the label and headline name no time,
        since entries differ (kidney stone: today; cauda equina: now) and the summary says it."""
        assert set() == time_words(Verdict.URGENT.label) | time_words(Verdict.URGENT.headline)
        result = answer(INDEX, "kidney stone")
        assert not result.red_flags and Verdict.URGENT is result.verdict
        assert "GET MEDICAL CARE: " in common.verdict_line(result)

    def test_soon_keeps_the_verdict_badge(self) -> None:
        """A sign for a doctor within a few days keeps the verdict's badge (avoid), and says the time once."""
        result = answer(INDEX, "a swollen gland in my neck that has not gone down for 3 weeks")
        assert Action.SOON is result.action and Verdict.AVOID is result.verdict
        assert Verdict.AVOID.label == common.label(result)
        assert {"within a few days"} == time_words(common.verdict_line(result))


class TestHelpAndReadme:
    """--help and the README say what the program does today."""

    def test_help_is_not_only_back_and_neck(self, run) -> None:
        """The tool covers the whole body, so --help does not say 'back or neck'."""
        result = run("--help")
        assert result.exit_code == 0, result.output
        assert "back or neck" not in result.stdout
        assert "Will massage help with my condition?" in result.stdout

    def test_readme_command_table_lists_every_command(self, run) -> None:
        """Every command in --help has a row in the README's command table."""
        from typer.main import get_command

        from massage_cli.cli import app

        table = README.split("## Commands", 1)[1].split("\n\n", 2)[1]
        for name in get_command(app).commands:  # type: ignore[attr-defined]
            assert f"| `{name}" in table, name

    def test_help_lists_the_commands_in_a_fixed_order(self, run) -> None:
        """--help lists the commands in one order (the order cli/__init__.py imports the command
        modules in): asking first, then looking through the knowledge base, screening, and the tools
        for people who edit or review it."""
        commands = run("--help").stdout.split("Commands:\n", 1)[1]
        assert [
            "check",
            "list",
            "search",
            "benefits",
            "faq",
            "red-flags",
            "screen",
            "intake",
            "paths",
            "validate",
            "schema",
            "sources",
        ] == re.findall(r"^  (\S+)  ", commands, re.MULTILINE)

    def test_readme_menu_example_gives_a_menu(self, run) -> None:
        """The README's example of a body part with no general entry really gives a menu."""
        example = re.search(r'where there is none \("([^"]+)"\)', README)
        assert example is not None
        result = answer(INDEX, example.group(1))
        assert result.match is None and result.suggestions

    def test_readme_elbow_example_is_tennis_elbow(self) -> None:
        """'pain on the outside of my elbow' answers tennis elbow, as the README now says."""
        assert "tennis elbow" in README.split("pain on the outside of my elbow", 1)[1][:30]
        result = answer(INDEX, "pain on the outside of my elbow")
        assert result.condition is not None and "tennis-elbow" == result.condition.id


class TestSearchWords:
    """`search` drops generic words, as the README says, and treats an empty query as `check` does."""

    def test_generic_words_alone_find_nothing(self, kb) -> None:
        """'pain' alone is in most entries: no list of 110 rows."""
        assert [] == search(kb, "pain")
        assert only_generic("pain") and only_generic("sore achy") and not only_generic("knee pain")
        assert search(kb, "knee pain")

    def test_generic_words_alone_say_what_to_add(self, run) -> None:
        """`search pain` exits 1 and says to add a body part or another word."""
        result = run("search", "pain")
        assert ExitCode.NOT_FOUND == result.exit_code
        assert "" == result.stdout
        assert "add a body part or another word" in result.stderr

    @pytest.mark.parametrize("command", ["check", "search", "faq"])
    @pytest.mark.parametrize("text", ["", "   "])
    def test_empty_words_are_a_usage_error(self, run, command: str, text: str) -> None:
        """An empty query, search or topic exits 2 with a message, like `check ""`."""
        result = run(command, text)
        assert ExitCode.USAGE == result.exit_code, result.output
        assert "empty" in result.stderr
        assert "" == result.stdout


class TestFaqTypos:
    """`faq` reads one clear typo as `check` does, with a note."""

    def test_one_typo_is_answered_with_a_note(self, run) -> None:
        """'medicaire' is the Medicare answer, and stderr says so."""
        result = run("faq", "medicaire", "--format", "plain")
        assert ExitCode.OK == result.exit_code, result.output
        assert result.stdout.startswith("Does Medicare cover massage therapy?")
        assert "showing 'Does Medicare cover massage therapy?' for 'medicaire'" in result.stderr

    @pytest.mark.parametrize("topic", ["xyzzyq", "plover"])
    def test_no_close_word_is_not_found(self, run, topic: str) -> None:
        """A word close to nothing is still 'no question matches' (exit 1)."""
        result = run("faq", topic)
        assert ExitCode.NOT_FOUND == result.exit_code
        assert "no question matches" in result.stderr


class TestReadabilityHint:
    """The hint for a missing textstat fits an install from a checkout."""

    def test_hint_names_an_install_that_works(self) -> None:
        """It names `pip install textstat` (and the checkout's extra), not a package index name."""
        import sys

        from massage_cli.readability import ReadabilityUnavailable, grader

        saved = sys.modules.get("textstat")
        sys.modules["textstat"] = None  # type: ignore[assignment]
        try:
            with pytest.raises(ReadabilityUnavailable) as caught:
                grader()
        finally:
            if saved is None:
                del sys.modules["textstat"]
            else:
                sys.modules["textstat"] = saved
        assert "pip install textstat" in str(caught.value)
        assert "pip install '.[authoring]'" in str(caught.value)
