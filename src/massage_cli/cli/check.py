"""`check`: one query, or a batch of them (`--batch FILE`), answered on stdout or in a file (`-o`)."""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar

import typer

from ..answer import Answer, answer
from ..layers import KnowledgeBaseError, Layer, bundled_path
from ..render import Format, renderer
from ..render.common import also_line
from ..textclean import shorten
from .base import (
    Audience,
    ExitCode,
    FormatOption,
    ForOption,
    JsonOption,
    OutputOption,
    app,
    emit,
    fail,
    format_for_file,
    isatty,
    note,
    pick_format,
    safe_arg,
    write_output,
)
from .loading import Origin, complete_condition, load_index


def _announce(result: Answer, line: int | None = None, *, on_stdout: bool = False) -> None:
    """Notes on stderr: typo corrections, other conditions named, suggestions (with the batch line).

    `on_stdout`: the answer itself is printed in a human format, which already carries the code's
    note and the other conditions named, so they are not said twice on a terminal."""
    query = shorten(result.query)
    where = "massage-cli: " if line is None else f"massage-cli: line {line}: "
    match = result.match
    if match is None and result.red_flags:
        return  # a warning sign's own page is the answer
    if match is None:
        hint = f" Did you mean: {', '.join(result.suggestions)}?" if result.suggestions else ""
        note(f"{where}no condition matches '{query}'.{hint}")
        if result.note:
            note(f"{where}{result.note}")
        if not result.suggestions and line is None:
            note("Try 'massage-cli search WORDS' or 'massage-cli list'.")
        return
    if match.matched_by == "fuzzy":
        note(f"{where}showing {match.condition.name} for '{query}'")
    if on_stdout:
        return
    if result.note:
        note(f"{where}{result.note}")
    if match.also:
        note(f"{where}{also_line(result)}")


def _read_batch(source: str) -> list[tuple[int, str]]:
    """Queries from a file or stdin, one a line; undecodable bytes replaced with a warning."""
    try:
        if source == "-":
            raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        else:
            path = Path(source)
            if path.is_dir():
                fail(f"batch file '{shorten(source)}' is a directory", ExitCode.USAGE)
            raw = path.read_bytes()
    except FileNotFoundError:
        fail(f"batch file '{shorten(source)}' not found", ExitCode.USAGE)
    except OSError as exc:
        fail(f"cannot read batch file '{shorten(source)}': {exc.strerror or exc}", ExitCode.USAGE)
    queries = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            note(f"massage-cli: line {number}: not valid UTF-8; unreadable bytes were replaced")
            text = line.decode("utf-8", "replace")
        if text.strip():
            queries.append((number, text.strip()))
    return queries


_BATCH_SEPARATORS = {Format.PLAIN: "\n" + "=" * 80 + "\n\n", Format.MARKDOWN: "\n---\n\n"}

PROGRESS_MIN_QUERIES = 500
"""A batch this long takes long enough on a cold cache to be worth a progress bar."""

_T = TypeVar("_T")


def wants_progress(count: int, stderr: IO[Any] | None = None, stdout: IO[Any] | None = None) -> bool:
    """Whether a batch of `count` queries gets a progress bar: a long one, with stderr on a terminal
    and stdout not (when the answers scroll past on the terminal, they are the progress)."""
    stderr = sys.stderr if stderr is None else stderr
    stdout = sys.stdout if stdout is None else stdout
    return count >= PROGRESS_MIN_QUERIES and isatty(stderr) and not isatty(stdout)


def _with_progress(items: list[_T]) -> Iterator[_T]:
    """The items, with a progress bar on stderr while they are worked through (see wants_progress)."""
    if not wants_progress(len(items)):
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    # redirect_stdout=False: stdout carries the answers and must never pass through the bar.
    with Progress(console=Console(stderr=True), transient=True, redirect_stdout=False) as bar:
        task = bar.add_task("Answering", total=len(items))
        for item in items:
            yield item
            bar.advance(task)


@app.command()
def check(
    ctx: typer.Context,
    query: Annotated[
        list[str] | None,
        typer.Argument(
            help="A condition name, everyday words, or an ICD-10-CM code (quotes optional).",
            autocompletion=complete_condition,
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch", "-b", metavar="FILE", help="Read one query a line from FILE ('-' for stdin)."
        ),
    ] = None,
    output: OutputOption = None,
    audience: ForOption = Audience.PATIENT,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Will massage help with this condition? Exit 0 answered (a condition, or a warning sign's own
    page), 1 not found."""
    if bool(query) == (batch is not None):
        fail("give a QUERY, or --batch FILE (not both)", ExitCode.USAGE)
    if output is not None and str(output) == "-":
        output = None  # '-' is stdout, as for --batch
    if output is not None:
        fmt = format_for_file(output, fmt, as_json)
    else:
        fmt = pick_format(fmt, as_json, to_stdout=output is None)
    if batch is not None and (fmt is Format.HTML or output is not None):
        fail("--format html and --output take a single QUERY, not --batch", ExitCode.USAGE)
    if batch is not None:
        queries = _read_batch(safe_arg(batch))
    else:
        queries = [(0, " ".join(safe_arg(word) for word in query or ()))]
        if not queries[0][1].strip():
            fail("the query is empty; try 'massage-cli check fibromyalgia'", ExitCode.USAGE)
    index = load_index(ctx, lambda: _warn_with_bundled_flags(queries, numbered=batch is not None))
    kb = index.kb
    out = renderer(fmt)
    all_found = True
    shown = 0
    answered: dict[str, Answer] = {}  # patient lists repeat themselves: answer each text once
    shown_as: dict[str, Any] = {}  # ... and render each answer once
    for number, text in _with_progress(queries):
        result = answered.get(text)
        if result is None:
            result = answered[text] = answer(index, text)  # a damaged cache heals itself (store.py)
        _announce(
            result, number if batch is not None else None, on_stdout=fmt is not Format.JSON and output is None
        )
        all_found &= result.answered
        rendered = shown_as.get(text)
        if rendered is None:
            for_therapist = audience is Audience.THERAPIST and result.condition is not None
            if fmt is Format.JSON:
                data = out.check_data(result, kb)
                if audience is Audience.THERAPIST:
                    data = out.therapist_data(data)
                rendered = out.dumps(data, indent=None if batch is not None else 2)
            elif for_therapist:
                from ..render.therapist import therapist_page

                rendered = out.page(therapist_page(result), kb)
            elif result.answered or result.if_happens or result.set_aside or batch is not None:
                rendered = out.check(result, kb)  # in a batch, a line that found nothing says so too
            else:
                continue  # nothing to show: the note on stderr says why
            shown_as[text] = rendered
        if output is not None:
            write_output(output, rendered, fmt)
            continue
        if shown and fmt in _BATCH_SEPARATORS:
            emit(_BATCH_SEPARATORS[fmt], fmt)
        emit(rendered, fmt)
        shown += 1
    if batch is not None and not queries:
        note("massage-cli: the batch had no queries")
    raise typer.Exit(ExitCode.OK if all_found else ExitCode.NOT_FOUND)


def _warn_with_bundled_flags(queries: list[tuple[int, str]], *, numbered: bool) -> None:
    """When the layers cannot be used, the warning signs still can: scan the queries with the
    bundled red flags and print any warning on stderr, before the problems (the exit stays 3)."""
    from ..render.common import flag_heading
    from ..store import open_index

    try:
        index = open_index([Layer(bundled_path(), Origin.BUNDLED.value)])
    except KnowledgeBaseError:
        return  # the bundled file itself is broken: only the problems can be shown
    warned = False
    for number, text in queries:
        result = answer(index, text)
        if not result.red_flags:
            continue
        where = f"line {number}: " if numbered else ""
        note(f"massage-cli: {where}{flag_heading(result)}")
        for flag in result.red_flags:
            note(f"  ! {flag.name}: {flag.message}")
        warned = True
    if warned:
        note(
            "massage-cli: these warning signs come from the bundled knowledge base; "
            "the rest of the answer needs the files below fixed."
        )
