"""Every format renders every condition; text from files is never read as markup or control codes.

Golden files pin the rich and plain output at 80 columns with colour off. After an intended change,
regenerate them with:  UPDATE_GOLDEN=1 python -m pytest tests/test_render.py
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from massage_cli.answer import answer
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index
from massage_cli.model import replace
from massage_cli.render import Format, renderer

KB = load_bundled()
GOLDEN = Path(__file__).parent / "golden"
GOLDEN_CASES = [
    ("fibromyalgia", "plain"),
    ("fibromyalgia", "rich"),
    ("deep-vein-thrombosis", "plain"),
    ("broken-bone", "rich"),
]


def test_format_mapping_is_exhaustive() -> None:
    """Every Format has a renderer with every output function."""
    for fmt in Format:
        module = renderer(fmt)
        for name in (
            "check",
            "listing",
            "hits",
            "benefits",
            "faq_list",
            "faq_one",
            "red_flags",
            "screening",
            "paths",
            "validation",
            "sources",
            "readability",
        ):
            assert callable(getattr(module, name)), (fmt, name)


@pytest.mark.parametrize(("condition_id", "fmt"), GOLDEN_CASES)
def test_golden(run, condition_id: str, fmt: str) -> None:
    """Rendered output matches the pinned golden file."""
    result = run("check", condition_id, "--format", fmt, env={"TERM": "dumb", "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    path = GOLDEN / f"check-{condition_id}.{fmt}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(result.stdout, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == result.stdout


def shown_verdict(condition_id: str):
    """The verdict `check` shows for an id: the condition's own, or urgent if the words raise a red flag."""
    return answer(Index.build(KB), condition_id).verdict


@pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
@pytest.mark.parametrize("fmt", ["plain", "markdown", "json"])
def test_every_condition_renders(run, condition, fmt: str) -> None:
    """Each condition renders in each text format with its name, summary and verdict."""
    result = run("check", condition.id, "--format", fmt)
    assert result.exit_code == 0, result.output
    verdict = shown_verdict(condition.id)
    if fmt == "json":
        data = json.loads(result.stdout)
        assert (condition.id, verdict.value) == (data["condition"]["id"], data["verdict"])
        assert condition.summary == data["summary"]
    else:
        flat = " ".join(result.stdout.replace("\\", "").split())
        assert condition.name.split()[0] in flat
        assert " ".join(condition.summary.split()[:4]) in flat
        assert verdict.label.upper() in flat


@pytest.mark.parametrize("condition", KB.conditions, ids=lambda c: c.id)
def test_every_condition_renders_rich(run, condition) -> None:
    """Each condition renders as a rich panel with its verdict badge."""
    result = run("check", condition.id, "--format", "rich", env={"TERM": "dumb", "COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert shown_verdict(condition.id).label.upper() in result.stdout


class TestUntrustedText:
    """Text from YAML is printed exactly, never as markup, escape codes or control characters."""

    HOSTILE = "[bold]x[/bold] \x1b[31mred\x1b[0m \x07bell \u202eevil"

    def _answer(self):
        condition = replace(KB.conditions[0], name="[bold]x[/bold]", summary=self.HOSTILE, id="hostile")
        kb = replace(KB, conditions=(condition,))
        return answer(Index.build(kb), "hostile"), kb

    @pytest.mark.parametrize("fmt", list(Format))
    def test_markup_printed_literally(self, fmt: Format) -> None:
        """A name written as rich markup prints exactly as written."""
        result, kb = self._answer()
        out = renderer(fmt).check(result, kb)
        if fmt is Format.RICH:
            from rich.console import Console

            console = Console(width=100, color_system=None, record=True, file=io.StringIO())
            console.print(out)
            out = console.export_text()
        if fmt is Format.MARKDOWN:
            assert "\\[bold\\]x\\[/bold\\]" in out
        else:
            assert "[bold]x[/bold]" in out

    def test_loader_strips_control_characters(self, tmp_path) -> None:
        """Escape sequences and control characters in a file never reach the model."""
        from massage_cli.knowledge import Layer, load_layers

        text = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
        text = text.replace("Massage can ease a sore muscle.", '"Ease \\e[31mred\\e[0m \\x07 \\u202e ok"')
        path = tmp_path / "kb.yaml"
        path.write_text(text, encoding="utf-8")
        kb = load_layers([Layer(path, "option")])
        summary = kb.condition("sore-muscle").summary
        assert "Ease red   ok" == summary


def test_readme_example_is_real(run) -> None:
    """The example answer in the README is exactly what the program prints."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    marker = "$ massage-cli check fibromyalgia --format plain\n"
    shown = readme[readme.index(marker) + len(marker) :].split("```", 1)[0]
    assert shown == run("check", "fibromyalgia", "--format", "plain").stdout
