"""For the people who edit or review the knowledge base: `paths`, `validate`, `schema`, `sources`."""

from pathlib import Path
from typing import Annotated, Any

import typer

from ..layers import SHOWN_PROBLEMS, KnowledgeBaseError, Layer, bundled_path, summarise
from ..render import Format, renderer
from .base import ExitCode, FormatOption, JsonOption, app, emit, fail, note, pick_format, plural, safe_arg
from .loading import (
    Origin,
    cache_status,
    exists,
    is_file,
    layers,
    load_kb,
    note_cache_folder,
    problem_count,
    user_file,
    user_folder_problem,
)


@app.command()
def paths(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """The knowledge-base files in the order they are stacked, and which are missing or broken;
    then the cache folder."""
    fmt = pick_format(fmt, as_json)
    options = ctx.find_root().obj or {}
    stack = layers(options)
    problems: list[Any] = []
    note_cache_folder()
    from ..store import cache_folder, open_index

    try:
        with cache_status(stack):
            open_index(stack)  # from the cache when the files have not changed since they last validated
    except KnowledgeBaseError as exc:
        problems = exc.problems
    rows = []
    for layer in stack:
        count = problem_count(problems, layer)
        if not is_file(layer.path):
            status = "missing (an error)" if layer.required else "missing (optional)"
        elif count:
            status = f"broken: {plural(count, 'problem')}"
        else:
            status = "in use"
        rows.append({"origin": layer.origin, "path": str(layer.path), "status": status})
    # Rows for the files left out, in the place they would have had.
    if options.get("no_bundled"):
        rows.insert(
            0,
            {
                "origin": Origin.BUNDLED.value,
                "path": str(bundled_path()),
                "status": "not used (--no-bundled)",
            },
        )
    if options.get("no_user_config"):
        rows.insert(
            1,
            {"origin": Origin.USER.value, "path": str(user_file()), "status": "not used (--no-user-config)"},
        )
    elif (unreadable := user_folder_problem()) is not None:
        rows.insert(
            1,
            {
                "origin": Origin.USER.value,
                "path": str(user_file()),
                "status": f"skipped: its folder cannot be read ({unreadable})",
            },
        )
    cache = cache_folder()
    rows.append({"origin": "cache", "path": str(cache.path), "status": cache.status})
    emit(renderer(fmt).paths(rows), fmt)


@app.command()
def validate(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files to check (default: every active layer), also merged over the active layers.",
            readable=False,  # an unreadable file is a problem in the file (exit 3), as with --kb
        ),
    ] = None,
    readability: Annotated[
        bool,
        typer.Option(
            "--readability",
            help="Also score the reading level of every entry, hardest first (needs textstat).",
        ),
    ] = False,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="List every problem (default: the first ones, then counts by kind)."),
    ] = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check knowledge-base files and list every problem with its line. Exit 0 valid, 3 not."""
    fmt = pick_format(fmt, as_json)
    options = ctx.find_root().obj or {}
    stack = layers(options)
    extra = [Layer(Path(safe_arg(str(f))), Origin.OPTION.value) for f in files or ()]
    active = {layer.path.resolve() for layer in stack if exists(layer.path)}
    stack += [layer for layer in extra if not exists(layer.path) or layer.path.resolve() not in active]
    from ..knowledge import check_layers_warnings

    problems, warnings, kb = check_layers_warnings(stack)
    # On stderr in every format (they do not make the files invalid); a screen at most, as the problems.
    shown, more = (warnings, []) if show_all else summarise(warnings)
    for warning in shown:
        note(str(warning._replace(message=f"warning: {warning.message}")))
    for kind, count in more:
        note(f"{count:,} more warning{'s' if count != 1 else ''}: {kind}")
    checked = [str(layer.path) for layer in stack if layer.required or exists(layer.path)]
    if readability and kb is not None:
        from ..readability import ReadabilityUnavailable, gate, scores

        try:
            found = scores(kb)
        except ReadabilityUnavailable as exc:
            fail(str(exc), ExitCode.USAGE)
        too_hard = gate(found)
        emit(renderer(fmt).readability(found, too_hard), fmt)
        if too_hard:
            raise typer.Exit(ExitCode.KNOWLEDGE_BASE)
        return
    limit = None if show_all else SHOWN_PROBLEMS
    emit(renderer(fmt).validation(checked, problems, kb, limit), fmt)
    if problems:
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a knowledge-base file, for editors (see README, "Editor support")."""
    from ..schema import schema_json

    emit(schema_json(), Format.PLAIN)


@app.command()
def sources(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Every source the knowledge base cites, with the entries that cite it (for reviewers)."""
    fmt = pick_format(fmt, as_json)
    from ..citations import citations

    emit(renderer(fmt).sources(citations(load_kb(ctx))), fmt)
