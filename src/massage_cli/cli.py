"""The command line: parse options, call the core, pick a renderer, set the exit code."""

from __future__ import annotations

import enum
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from . import __version__
from .answer import Answer, answer
from .layers import KnowledgeBaseError, Layer, bundled_path, env_paths
from .matching import Index
from .model import Action, EvidenceLevel, KnowledgeBase, RedFlag, Verdict
from .render import Format, renderer
from .render.common import also_line
from .store import CacheDamaged, drop
from .textclean import shorten

ENV_KB = "MASSAGE_CLI_KB"
USER_FILE = "conditions.yaml"
MAX_SHOWN_PROBLEMS = 12


class ExitCode(enum.IntEnum):
    """The exit codes massage-cli promises (see README, "Exit codes")."""

    OK = 0
    NOT_FOUND = 1
    USAGE = 2
    KNOWLEDGE_BASE = 3
    INTERNAL = 70


app = typer.Typer(
    name="massage-cli",
    help=(
        "Will massage help with my back or neck condition? Answers from a sourced knowledge base. "
        "This is education, not medical advice: see a clinician for a diagnosis."
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# --------------------------------------------------------------------------- helpers


def note(message: str) -> None:
    """A diagnostic line on stderr (never on stdout, so JSON stays clean)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def fail(message: str, code: ExitCode) -> NoReturn:
    """Print an error on stderr and exit with the given code."""
    note(f"massage-cli: {message}")
    raise typer.Exit(code)


def safe_arg(text: str) -> str:
    """An argument with undecodable bytes (from a non-UTF-8 terminal) replaced."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@enum.unique
class _Origin(str, enum.Enum):
    BUNDLED = "bundled"
    USER = "user"
    ENV = "env"
    OPTION = "option"


def user_file() -> Path:
    """The user's own knowledge-base layer in the platform's config folder."""
    return Path(typer.get_app_dir("massage-cli")) / USER_FILE


def layers(options: dict[str, Any]) -> list[Layer]:
    """The knowledge-base files in use, in the order they are stacked."""
    stack = []
    if not options.get("no_bundled"):
        stack.append(Layer(bundled_path(), _Origin.BUNDLED.value))
    stack.append(Layer(user_file(), _Origin.USER.value, required=False))
    stack += [Layer(p, _Origin.ENV.value) for p in env_paths(os.environ.get(ENV_KB))]
    stack += [Layer(Path(p), _Origin.OPTION.value) for p in options.get("kb") or ()]
    return stack


def report_problems(problems: list[Any], header: str) -> None:
    """Print the first problems (one screen at most) and a count of the rest."""
    note(f"massage-cli: {header}")
    for problem in problems[:MAX_SHOWN_PROBLEMS]:
        note(f"  {shorten(str(problem), 300)}")
    if len(problems) > MAX_SHOWN_PROBLEMS:
        note(f"  ... and {len(problems) - MAX_SHOWN_PROBLEMS} more problems")


def _open(ctx: typer.Context, opener: Any) -> Any:
    """Call a store opener on the active layers; exit 3 with every problem listed if it fails."""
    try:
        return opener(layers(ctx.find_root().obj or {}))
    except KnowledgeBaseError as exc:
        report_problems(exc.problems, "the knowledge base cannot be used:")
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE) from None


def load_kb(ctx: typer.Context) -> KnowledgeBase:
    """The merged knowledge base, or exit 3 with every problem listed."""
    from .store import open_kb

    return _open(ctx, open_kb)  # type: ignore[no-any-return]


def load_index(ctx: typer.Context) -> Index:
    """A lookup index over the merged knowledge base, or exit 3 with every problem listed."""
    from .store import open_index

    return _open(ctx, open_index)  # type: ignore[no-any-return]


def pick_format(fmt: Format | None, as_json: bool) -> Format:
    """The output format: explicit choice, else rich on a colour terminal and plain elsewhere."""
    if as_json:
        if fmt not in (None, Format.JSON):
            fail("--json and --format " + fmt.value + " cannot be used together", ExitCode.USAGE)
        return Format.JSON
    if fmt is not None:
        return fmt
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return Format.PLAIN
    return Format.RICH


def emit(value: Any, fmt: Format) -> None:
    """Write rendered output to stdout."""
    if fmt is Format.RICH:
        from rich.console import Console

        console = Console(
            file=sys.stdout,
            force_terminal=True,
            highlight=False,
            markup=False,
            emoji=False,
            no_color=bool(os.environ.get("NO_COLOR")) or None,
        )
        console.print(value)
    else:
        sys.stdout.write(value)
    sys.stdout.flush()


def write_output(path: Path, value: Any, fmt: Format) -> None:
    """Write rendered output to a file, whole or not at all."""
    if fmt is Format.RICH:
        from rich.console import Console

        console = Console(
            record=True, width=100, file=io.StringIO(), markup=False, highlight=False, emoji=False
        )
        console.print(value)
        value = console.export_text()
    target = Path(safe_arg(str(path)))
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(value, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        fail(f"cannot write '{shorten(str(target))}': {exc.strerror or exc}", ExitCode.USAGE)
    note(f"massage-cli: wrote {shorten(str(target), 200)}")


def complete_condition(incomplete: str) -> list[str]:
    """Condition names, aliases and ids that start with what has been typed (for shell completion)."""
    from .store import open_index

    try:
        index = open_index(layers({}))
    except KnowledgeBaseError:
        return []
    typed = incomplete.lower()
    return sorted({text for _, _, text in index.all_keys() if text.lower().startswith(typed)})


FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format", "-f", help="Output format. Default: rich on a terminal, else plain.", case_sensitive=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]


# --------------------------------------------------------------------------- global options


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"massage-cli {__version__}\n")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def main_options(
    ctx: typer.Context,
    kb: Annotated[
        list[str] | None,
        typer.Option(
            "--kb",
            metavar="PATH",
            help="Add a knowledge-base file on top of the others (repeatable; goes before the command).",
        ),
    ] = None,
    no_bundled: Annotated[
        bool, typer.Option("--no-bundled", help="Start from an empty knowledge base, not the bundled one.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Will massage help with my back or neck condition? Sourced, plain-language answers."""
    ctx.obj = {"kb": [safe_arg(p) for p in kb or ()], "no_bundled": no_bundled}


# --------------------------------------------------------------------------- check


def _announce(result: Answer, line: int | None = None) -> None:
    """Notes on stderr: typo corrections, other conditions named, suggestions (with the batch line)."""
    query = shorten(result.query)
    where = "massage-cli: " if line is None else f"massage-cli: line {line}: "
    match = result.match
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
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the answer to FILE (for example a handout with --format html).",
        ),
    ] = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Will massage help with this condition? Exit 0 found, 1 not found."""
    if bool(query) == (batch is not None):
        fail("give a QUERY, or --batch FILE (not both)", ExitCode.USAGE)
    fmt = pick_format(fmt, as_json)
    if batch is not None and (fmt is Format.HTML or output is not None):
        fail("--format html and --output take a single QUERY, not --batch", ExitCode.USAGE)
    if batch is not None:
        queries = _read_batch(safe_arg(batch))
    else:
        queries = [(0, " ".join(safe_arg(word) for word in query or ()))]
        if not queries[0][1].strip():
            fail("the query is empty; try 'massage-cli check fibromyalgia'", ExitCode.USAGE)
    index = load_index(ctx)
    kb = index.kb
    out = renderer(fmt)
    all_found = True
    shown = 0
    answered: dict[str, Answer] = {}  # patient lists repeat themselves: answer each text once
    shown_as: dict[str, Any] = {}  # ... and render each answer once
    for number, text in queries:
        result = answered.get(text)
        if result is None:
            try:
                result = answer(index, text)
            except CacheDamaged:
                drop(layers(ctx.find_root().obj or {}))
                index = load_index(ctx)
                result = answer(index, text)
            answered[text] = result
        _announce(result, number if batch is not None else None)
        all_found &= result.found
        rendered = shown_as.get(text)
        if rendered is None:
            if fmt is Format.JSON:
                rendered = out.dumps(out.check_data(result, kb), indent=None if batch is not None else 2)
            elif result.found or result.red_flags or batch is not None:
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


# --------------------------------------------------------------------------- other commands


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
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """All conditions as a table, with filters. Exit 1 when no condition matches the filters."""
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
    emit(renderer(fmt).listing(rows), fmt)
    if not rows:
        note("massage-cli: no conditions match these filters")
        raise typer.Exit(ExitCode.NOT_FOUND)


def _body_parts_option(values: Sequence[str]) -> set[str]:
    """The body parts named with --body-part: a vocabulary word, or an everyday one (knees, tummy)."""
    from .model import BODY_PARTS
    from .words import body_parts_named

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
    from .matching import search as search_conditions

    words = " ".join(safe_arg(t) for t in text)
    found = search_conditions(load_kb(ctx), words)
    if not found:
        if fmt is Format.JSON:
            emit(renderer(fmt).hits([]), fmt)
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
    from .matching import find_faq

    words = " ".join(safe_arg(t) for t in topic)
    found = find_faq(kb, words)
    if found is None:
        fail(f"no question matches '{shorten(words)}'; 'massage-cli faq' lists them all", ExitCode.NOT_FOUND)
    emit(out.faq_one(found, kb), fmt)


@app.command("red-flags")
def red_flags(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """The warning signs that mean: get medical care before any massage."""
    fmt = pick_format(fmt, as_json)
    kb = load_kb(ctx)
    emit(renderer(fmt).red_flags(kb), fmt)


def _ask_on_terminal(flags: list[RedFlag]) -> list[bool]:
    """Ask each question with a rich prompt (on stderr, so stdout keeps only the result)."""
    from rich.console import Console
    from rich.prompt import Confirm
    from rich.text import Text

    console = Console(stderr=True, highlight=False, markup=False, emoji=False)
    console.print(Text("Answer yes or no. This takes about a minute.", style="bold"))
    answers: list[bool] = []
    for number, flag in enumerate(flags, start=1):
        try:
            yes = Confirm.ask(Text(f"{number}/{len(flags)} {flag.ask}"), console=console)
        except EOFError:
            fail("screening stopped before every question was answered", ExitCode.USAGE)
        answers.append(yes)
        if yes and flag.action is Action.EMERGENCY:
            break
    return answers


def _read_answers(flags: list[RedFlag]) -> list[bool]:
    """Answers piped in on stdin, one a line, in question order."""
    from .screening import parse_answer

    answers: list[bool] = []
    lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
    for number, flag in enumerate(flags, start=1):
        if number > len(lines):
            fail(
                f"screen needs an answer for each question: got {len(lines)}, question {number} is "
                f"'{flag.ask}' (answer y or n, one a line)",
                ExitCode.USAGE,
            )
        yes = parse_answer(lines[number - 1])
        if yes is None:
            fail(f"answer {number} '{shorten(lines[number - 1])}' is not yes or no", ExitCode.USAGE)
        answers.append(yes)
        if yes and flag.action is Action.EMERGENCY:
            break
    return answers


@app.command()
def screen(
    ctx: typer.Context,
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
        bool, typer.Option("--no-prompt", help="Ask nothing: signs not given with --yes count as 'no'.")
    ] = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """A short yes/no check for warning signs before massage. Never says massage is safe."""
    from .screening import from_ids, questions
    from .screening import screen as screen_answers

    fmt = pick_format(fmt, as_json)
    kb = load_kb(ctx)
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
        result = from_ids(flags, yes or ())
    elif sys.stdin.isatty():
        result = screen_answers(flags, _ask_on_terminal(flags))
    else:
        result = screen_answers(flags, _read_answers(flags))
    emit(renderer(fmt).screening(result, kb), fmt)


@app.command()
def paths(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """The knowledge-base files in use, in the order they are stacked, and which are missing."""
    fmt = pick_format(fmt, as_json)
    options = ctx.find_root().obj or {}
    rows = []
    if options.get("no_bundled"):
        rows.append(
            {
                "origin": _Origin.BUNDLED.value,
                "path": str(bundled_path()),
                "status": "not used (--no-bundled)",
            }
        )
    for layer in layers(options):
        if layer.path.is_file():
            status = "in use"
        elif layer.required:
            status = "missing (an error)"
        else:
            status = "missing (optional)"
        rows.append({"origin": layer.origin, "path": str(layer.path), "status": status})
    emit(renderer(fmt).paths(rows), fmt)


@app.command()
def validate(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files to check (default: every active layer), also merged over the active layers."
        ),
    ] = None,
    readability: Annotated[
        bool,
        typer.Option(
            "--readability",
            help="Also score the reading level of every entry, hardest first (needs textstat).",
        ),
    ] = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check knowledge-base files and list every problem with its line. Exit 0 valid, 3 not."""
    fmt = pick_format(fmt, as_json)
    options = ctx.find_root().obj or {}
    stack = layers(options)
    extra = [Layer(Path(safe_arg(str(f))), _Origin.OPTION.value) for f in files or ()]
    active = {layer.path.resolve() for layer in stack if layer.path.exists()}
    stack += [layer for layer in extra if not layer.path.exists() or layer.path.resolve() not in active]
    from .knowledge import check_layers

    problems, kb = check_layers(stack)
    checked = [str(layer.path) for layer in stack if layer.required or layer.path.exists()]
    if readability and kb is not None:
        from .readability import ReadabilityUnavailable, gate, scores

        try:
            found = scores(kb)
        except ReadabilityUnavailable as exc:
            fail(str(exc), ExitCode.USAGE)
        too_hard = gate(found)
        emit(renderer(fmt).readability(found, too_hard), fmt)
        if too_hard:
            raise typer.Exit(ExitCode.KNOWLEDGE_BASE)
        return
    emit(renderer(fmt).validation(checked, problems, kb), fmt)
    if problems:
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE)


@app.command()
def sources(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """Every source the knowledge base cites, with the entries that cite it (for reviewers)."""
    fmt = pick_format(fmt, as_json)
    from .citations import citations

    emit(renderer(fmt).sources(citations(load_kb(ctx))), fmt)


def main() -> None:
    """Console-script entry point: run the app, never showing a traceback."""
    try:
        app(prog_name="massage-cli")
    except KeyboardInterrupt:
        note("massage-cli: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (for example `| head`); exit quietly like other Unix tools.
        sys.stderr.close()
        sys.exit(ExitCode.OK)
    except Exception as exc:  # noqa: BLE001 - last resort: a bug is reported briefly, never as a traceback
        note(f"massage-cli: internal error ({type(exc).__name__}); please report it")
        sys.exit(ExitCode.INTERNAL)
