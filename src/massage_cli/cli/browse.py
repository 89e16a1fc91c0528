"""Looking through the knowledge base: `list`, `search`, `benefits`, `faq` and `red-flags`."""

from collections.abc import Sequence
from typing import Annotated

import typer

from ..model import EvidenceLevel, Verdict
from ..render import Format, renderer
from ..textclean import shorten
from .base import (
    Audience,
    ExitCode,
    FormatOption,
    ForOption,
    JsonOption,
    app,
    emit,
    fail,
    note,
    pick_format,
    safe_arg,
)
from .loading import load_kb, load_warning_signs


@app.command("list")
def list_conditions(
    ctx: typer.Context,
    verdict: Annotated[
        list[Verdict] | None,
        typer.Option("--verdict", "-v", help="Only these verdicts (repeatable).", case_sensitive=False),
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", "-c", help="Only these categories (repeatable).")
    ] = None,
    evidence: Annotated[
        list[EvidenceLevel] | None,
        typer.Option(
            "--evidence", "-e", help="Only these evidence levels (repeatable).", case_sensitive=False
        ),
    ] = None,
    body_part: Annotated[
        list[str] | None,
        typer.Option(
            "--body-part", "-b", help="Only entries on these parts of the body, e.g. knee (repeatable)."
        ),
    ] = None,
    audience: ForOption = Audience.PATIENT,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """All conditions as a table, with filters (--for therapist: grouped by session rule, strictest
    first). Exit 1 when no condition matches the filters."""
    fmt = pick_format(fmt, as_json)
    parts = _body_parts_option(body_part or ())
    kb = load_kb(ctx)
    known = sorted({c.category for c in kb.conditions})
    wanted = [safe_arg(c).strip().lower() for c in category or ()]
    for name in wanted:
        if name not in known:
            fail(f"unknown category '{shorten(name)}'; known: {', '.join(known)}", ExitCode.USAGE)
    rows = [
        c
        for c in kb.conditions
        if (not verdict or c.verdict in verdict)
        and (not wanted or c.category in wanted)
        and (not evidence or c.evidence.level in evidence)
        and (not parts or parts & set(c.body_parts))
    ]
    out = renderer(fmt)
    emit(out.session_listing(rows) if audience is Audience.THERAPIST else out.listing(rows), fmt)
    if not rows:
        note("massage-cli: no conditions match these filters")
        raise typer.Exit(ExitCode.NOT_FOUND)


def _body_parts_option(values: Sequence[str]) -> set[str]:
    """The body parts named with --body-part: a vocabulary word, or an everyday one (knees, tummy)."""
    from ..model import BODY_PARTS
    from ..words import body_parts_named

    parts: set[str] = set()
    for value in values:
        word = safe_arg(value).strip().lower()
        found = {word} if word in BODY_PARTS else set(body_parts_named(word))
        if not found:
            fail(f"unknown body part '{shorten(word)}'; known: {', '.join(BODY_PARTS)}", ExitCode.USAGE)
        parts |= found
    return parts


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[
        list[str], typer.Argument(help="Words to look for in names, aliases, summaries and advice.")
    ],
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Full-text search, best matches first. Exit 1 when nothing matches."""
    fmt = pick_format(fmt, as_json)
    from ..matching import only_generic
    from ..matching import search as search_conditions

    words = " ".join(safe_arg(t) for t in text)
    if not words.strip():
        fail("the search words are empty; try 'massage-cli search knee'", ExitCode.USAGE)
    found = search_conditions(load_kb(ctx), words)
    if not found:
        if fmt is Format.JSON:
            emit(renderer(fmt).hits([]), fmt)
        if only_generic(words):
            fail(
                f"'{shorten(words)}' alone is in most entries; add a body part or another word "
                f"(for example 'massage-cli search knee {shorten(words)}'), or see 'massage-cli list'",
                ExitCode.NOT_FOUND,
            )
        fail(f"nothing matches '{shorten(words)}'", ExitCode.NOT_FOUND)
    emit(renderer(fmt).hits(found), fmt)


@app.command()
def benefits(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """What massage can do in general, and what it cannot do."""
    fmt = pick_format(fmt, as_json)
    kb = load_kb(ctx)
    emit(renderer(fmt).benefits(kb), fmt)


@app.command()
def faq(
    ctx: typer.Context,
    topic: Annotated[
        list[str] | None, typer.Argument(help="A question id or topic words (insurance, medicare, ...).")
    ] = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """List common questions, or show the answer for a topic."""
    fmt = pick_format(fmt, as_json)
    kb = load_kb(ctx)
    out = renderer(fmt)
    if not topic:
        emit(out.faq_list(kb), fmt)
        return
    from ..matching import faq_typos, find_faq
    from ..words import normalise

    words = " ".join(safe_arg(t) for t in topic)
    if not words.strip():
        fail(
            "the topic is empty; try 'massage-cli faq medicare', or 'massage-cli faq' for the list",
            ExitCode.USAGE,
        )
    found = find_faq(kb, words)
    if found is None:
        # A clear typo is read as the word it is closest to, with a note, as `check` does.
        typos = faq_typos(kb, words)
        if typos:
            found = find_faq(kb, " ".join(typos.get(w, w) for w in normalise(words).split()))
            if found is not None:
                typed = ", ".join(f"'{shorten(w)}'" for w in typos)
                note(f"massage-cli: showing '{found.question}' for {typed}")
    if found is None:
        fail(f"no question matches '{shorten(words)}'; 'massage-cli faq' lists them all", ExitCode.NOT_FOUND)
    emit(out.faq_one(found, kb), fmt)


@app.command("red-flags")
def red_flags(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """The warning signs that mean: get medical care before any massage."""
    fmt = pick_format(fmt, as_json)
    kb = load_warning_signs(ctx)
    emit(renderer(fmt).red_flags(kb), fmt)
