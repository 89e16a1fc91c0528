"""`screen`: the yes/no questions about warning signs, asked on the terminal or read from stdin."""

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from ..matching import Index
from ..model import RedFlag
from ..render import renderer
from ..textclean import shorten
from .base import ExitCode, FormatOption, JsonOption, app, emit, fail, note, pick_format, plural, safe_arg
from .loading import load_warning_signs

if TYPE_CHECKING:
    from rich.text import Text

    from ..screening import Reply


def _stop_on_terminal(exc: BaseException) -> NoReturn:
    """End of input (Ctrl-D) or Ctrl-C at a prompt: the message starts on a line of its own."""
    sys.stderr.write("\n")
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    fail("screening stopped before every question was answered", ExitCode.USAGE)


def _ask_topic(read: "Callable[[Text], str] | None" = None) -> str:
    """The first question on a terminal: what the massage is for (blank: the general questions)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(stderr=True, highlight=False, markup=False, emoji=False)
    ask = read or (lambda prompt: console.input(prompt))
    prompt = Text("What is the massage for? Name a condition or say it in a few words ") + Text(
        "(Enter: skip) ", style="bold"
    )
    try:
        return safe_arg(ask(prompt)).strip()
    except (EOFError, KeyboardInterrupt) as exc:
        _stop_on_terminal(exc)


def _ask_on_terminal(flags: Sequence[RedFlag], read: "Callable[[Text], str] | None" = None) -> list["Reply"]:
    """Ask each question on stderr (stdout keeps only the result) until it gets yes, no or not sure.

    A blank answer asks again; so does anything else, with a reminder of the words understood.
    `read` shows a prompt and returns the reply (default: the terminal).
    """
    from rich.console import Console
    from rich.text import Text

    from ..screening import UNSURE_WHY, Reply, parse_answer, stops

    console = Console(stderr=True, highlight=False, markup=False, emoji=False)
    ask = read or (lambda prompt: console.input(prompt))
    console.print(Text("Answer yes, no or not sure.", style="bold"))
    answers: list[Reply] = []
    for number, flag in enumerate(flags, start=1):
        prompt = Text(f"{number}/{len(flags)} {flag.ask} ") + Text("(y/n/?) ", style="bold")
        while True:
            try:
                reply = ask(prompt)
            except (EOFError, KeyboardInterrupt) as exc:
                _stop_on_terminal(exc)
            answer_ = parse_answer(reply)
            if answer_ is not None:
                break
            if reply.strip():
                console.print(f"Please answer yes, no or not sure ({_answer_words()}).")
        if answer_ is Reply.UNSURE and Reply.UNSURE not in answers:
            console.print(UNSURE_WHY)
        answers.append(answer_)
        if stops(flag, answer_):
            break
    return answers


def _answer_words() -> str:
    from ..screening import NO_WORDS, UNSURE_WORDS, YES_WORDS

    return f"yes: {' '.join(YES_WORDS)}; no: {' '.join(NO_WORDS)}; not sure: {', '.join(UNSURE_WORDS)}"


def _read_answers(flags: Sequence[RedFlag]) -> list["Reply"]:
    """Answers piped in on stdin, one a line, in question order; blank lines are skipped."""
    from ..screening import parse_answer, stops

    answers: list[Reply] = []
    lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
    for number, flag in enumerate(flags, start=1):
        if number > len(lines):
            fail(
                f"screen needs an answer for each question: got {len(lines)}, question {number} is "
                f"'{flag.ask}' (answer y, n or ?, one a line)",
                ExitCode.USAGE,
            )
        reply = parse_answer(lines[number - 1])
        if reply is None:
            fail(
                f"answer {number} '{shorten(lines[number - 1])}' is not yes, no or not sure ({_answer_words()})",
                ExitCode.USAGE,
            )
        answers.append(reply)
        if stops(flag, reply):
            break
    return answers


@app.command()
def screen(
    ctx: typer.Context,
    about: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[CONDITION]",
            help="What the massage is for (a condition or a few words): only the questions that fit it.",
            show_default=False,
        ),
    ] = None,
    ask_all: Annotated[bool, typer.Option("--all", help="Ask about every warning sign.")] = False,
    yes: Annotated[
        list[str] | None,
        typer.Option(
            "--yes",
            "-y",
            metavar="ID",
            help="A warning sign that is present (repeatable; implies --no-prompt).",
        ),
    ] = None,
    no_prompt: Annotated[
        bool, typer.Option("--no-prompt", help="Ask nothing: only the signs given with --yes count.")
    ] = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """A short yes/no check for the warning signs that fit what the massage is for (--all: every
    sign). Never says massage is safe."""
    from ..screening import choose, from_ids, questions
    from ..screening import screen as screen_answers

    fmt = pick_format(fmt, as_json)
    kb = load_warning_signs(ctx)
    flags = questions(kb.red_flags)
    if not flags:
        fail("the knowledge base has no red flags to ask about", ExitCode.KNOWLEDGE_BASE)
    if yes or no_prompt:
        known = {flag.id for flag in flags}
        for flag_id in yes or ():
            if flag_id not in known:
                fail(
                    f"unknown warning sign '{shorten(flag_id)}'; 'massage-cli red-flags --json' lists the ids",
                    ExitCode.USAGE,
                )
        emit(renderer(fmt).screening(from_ids(flags, yes or ()), kb), fmt)
        return
    terminal = sys.stdin.isatty()
    words = " ".join(safe_arg(word) for word in about or ()).strip()
    if terminal and not words and not ask_all:
        words = _ask_topic()
    choice = choose(Index.build(kb), words, everything=ask_all)
    if not choice.understood:
        note(
            f"massage-cli: no condition or warning sign found in '{shorten(words)}'; asking the general questions."
        )
    if not choice.everything:
        topic = f" for {choice.topic}" if choice.topic else ""
        note(
            f"massage-cli: {plural(len(choice.flags), 'question')}{topic}; "
            f"'massage-cli screen --all' asks about all {choice.total} warning signs."
        )
    asked = list(choice.flags)
    replies = _ask_on_terminal(asked) if terminal else _read_answers(asked)
    emit(renderer(fmt).screening(screen_answers(flags, replies, asked), kb), fmt)
