"""`intake`: a pre-session intake for the massage therapist, asked on the terminal or given with
options and an answers file; one page with warning signs first and a combined session plan."""

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..render import Format, renderer
from ..textclean import clean_text, shorten
from .base import (
    ExitCode,
    FormatOption,
    JsonOption,
    OutputOption,
    app,
    emit,
    fail,
    format_for_file,
    note,
    pick_format,
    plural,
    safe_arg,
    write_output,
)
from .loading import load_index

if TYPE_CHECKING:
    from rich.text import Text

    from ..intake import AnswersFile

_SPLIT = re.compile(r"[,;\n]+")
CONDITIONS_QUESTION = "What is the massage for? Name each condition, with commas between them"
MEDICINES_QUESTION = "Which medicines do you take? Use commas between them"


def _on_terminal() -> bool:
    """Whether a person is there to answer questions (stdin is a terminal)."""
    return sys.stdin.isatty()


def _split(words: str) -> list[str]:
    """'30 weeks pregnant, low back pain' → two conditions (commas, semicolons or lines)."""
    return [part.strip() for part in _SPLIT.split(words) if part.strip()]


def _ask_line(question: str, read: "Callable[[Text], str] | None" = None) -> str:
    """One free-text question on the terminal (stderr), the answer cleaned of control codes."""
    from rich.console import Console
    from rich.text import Text

    from .screen import _stop_on_terminal

    console = Console(stderr=True, highlight=False, markup=False, emoji=False)
    ask = read or (lambda prompt: console.input(prompt))
    try:
        return clean_text(safe_arg(ask(Text(question + " ") + Text("(Enter: none) ", style="bold")))).strip()
    except (EOFError, KeyboardInterrupt) as exc:
        _stop_on_terminal(exc)


def _answers_file(source: str, known: list[str]) -> "AnswersFile":
    """The answers file ('-': stdin), read as plain data; exit 2 with the reason when it cannot be used."""
    from ..intake import MAX_ANSWERS_BYTES, AnswersError, read_answers

    name = "stdin" if source == "-" else f"'{shorten(source)}'"
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_ANSWERS_BYTES + 1)
        else:
            with open(Path(source).expanduser(), "rb") as handle:
                raw = handle.read(MAX_ANSWERS_BYTES + 1)
    except IsADirectoryError:
        fail(f"cannot read the answers file {name}: it is a folder", ExitCode.USAGE)
    except OSError as exc:
        fail(f"cannot read the answers file {name}: {exc.strerror or exc}", ExitCode.USAGE)
    if len(raw) > MAX_ANSWERS_BYTES:
        fail(f"the answers file {name} is larger than {MAX_ANSWERS_BYTES:,} bytes", ExitCode.USAGE)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"the answers file {name} is not UTF-8 text", ExitCode.USAGE)
    try:
        return read_answers(text, known)
    except AnswersError as exc:
        fail(f"the answers file {name} {exc}", ExitCode.USAGE)


@app.command()
def intake(
    ctx: typer.Context,
    condition: Annotated[
        list[str] | None,
        typer.Option(
            "--condition",
            "-c",
            metavar="WORDS",
            help="A condition, in a name or a few words ('30 weeks pregnant'); repeatable.",
        ),
    ] = None,
    medicine: Annotated[
        list[str] | None,
        typer.Option(
            "--medicine", "-m", metavar="NAME", help="A medicine the person takes (warfarin); repeatable."
        ),
    ] = None,
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            "-a",
            metavar="FILE",
            help="A YAML or JSON file with conditions, medicines and answers (warning-sign id: yes/no/not sure); '-' for stdin.",
        ),
    ] = None,
    no_prompt: Annotated[
        bool,
        typer.Option(
            "--no-prompt", help="Ask nothing on a terminal: questions not answered are listed to ask."
        ),
    ] = False,
    output: OutputOption = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """A pre-session intake for the massage therapist: warning signs first, then the person's
    conditions and medicines and one session plan where the strictest rule wins (the lowest
    pressure, every area to avoid, the safest position). On a terminal it asks what is not given
    and the warning-sign questions that fit; --answers FILE (or no terminal, or --no-prompt) asks
    nothing. Nothing is stored unless written with -o."""
    from ..intake import build, fitting_questions
    from ..screening import questions

    if output is not None and str(output) == "-":
        output = None
    fmt = format_for_file(output, fmt, as_json) if output is not None else pick_format(fmt, as_json)
    conditions = [part for words in condition or () for part in _split(safe_arg(words))]
    medicines = [part for words in medicine or () for part in _split(safe_arg(words))]
    index = load_index(ctx)
    known = [flag.id for flag in questions(index.kb.red_flags)]
    given = _answers_file(safe_arg(answers), known) if answers is not None else None
    if given is not None:
        conditions += given.conditions
        medicines += given.medicines
    interactive = _on_terminal() and given is None and not no_prompt
    if interactive and not (conditions or medicines):
        conditions = _split(_ask_line(CONDITIONS_QUESTION))
        medicines = _split(_ask_line(MEDICINES_QUESTION))
    elif not interactive and not (conditions or medicines or given):
        fail(
            "intake needs --condition, --medicine or --answers FILE when it does not ask on a terminal; "
            "try 'massage-cli intake --condition \"low back pain\" --medicine warfarin'",
            ExitCode.USAGE,
        )
    if interactive:
        from . import screen

        asked = fitting_questions(index, conditions, medicines)
        result = build(index, conditions, medicines, screen._ask_on_terminal(asked), asked)
    else:
        result = build(index, conditions, medicines, given.answers if given else {})
    for named in result.conditions:
        if named.condition is None:
            note(
                f"massage-cli: no condition found for '{shorten(named.words)}'; the plan treats it with caution."
            )
    for taken in result.medicines:
        if taken.medicine is None:
            note(
                f"massage-cli: '{shorten(taken.words)}' is not a medicine group that changes a session; the plan treats it with caution."
            )
    if result.to_ask:
        note(
            f"massage-cli: {plural(len(result.to_ask), 'warning-sign question')} not answered: listed for the therapist to ask first."
        )
    out = renderer(fmt)
    if fmt is Format.JSON:
        rendered = out.intake(result, index.kb)
    else:
        from ..render.therapist import intake_page

        rendered = out.page(intake_page(result), index.kb)
    if output is not None:
        write_output(output, rendered, fmt)
        return
    emit(rendered, fmt)
