"""The Typer app and what every command shares: the exit codes, usage hints, notes on stderr,
the output format and writing the output (stdout or `-o FILE`), the global options, `main`."""

import contextlib
import contextvars
import enum
import io
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any, NoReturn

import typer
from typer._click import Command as ClickCommand
from typer._click import Context as ClickContext
from typer._click import Parameter as ClickParameter
from typer._click.exceptions import NoSuchOption, UsageError
from typer.core import TyperGroup, TyperOption

from .. import __version__
from ..render import Format, renderer
from ..textclean import shorten


class ExitCode(enum.IntEnum):
    """The exit codes massage-cli promises (see README, "Exit codes")."""

    OK = 0
    NOT_FOUND = 1
    USAGE = 2
    KNOWLEDGE_BASE = 3
    INTERNAL = 70
    OUTPUT = 74
    """The output cannot be written: stdout is closed or full, or `-o FILE` cannot be written."""


GLOBAL_FLAGS = ("--no-bundled", "--no-user-config")
GLOBAL_VALUE_OPTIONS = ("--kb",)
"""The global options that take a value (the next word, or after '=')."""
_ARGV = "massage_cli.argv"
_REST = "massage_cli.rest"


class _Group(TyperGroup):
    """The command group: usage errors people make often get a hint with the corrected line."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        ctx.meta.setdefault(_ARGV, list(args))  # the whole line, for the corrected one in a hint
        _completion_for_shell(ctx, args, list(self.commands))
        return super().parse_args(ctx, args)

    def get_params(self, ctx: ClickContext) -> list[ClickParameter]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.name in _COMPLETION_HELP:
                param.help = _COMPLETION_HELP[param.name]
        return params

    def make_context(self, *args: Any, **kwargs: Any) -> ClickContext:
        with _write_errors(help_output=True):  # --help, --version, --show-completion write here
            return super().make_context(*args, **kwargs)

    def resolve_command(
        self, ctx: ClickContext, args: list[str]
    ) -> tuple[str | None, ClickCommand | None, list[str]]:
        ctx.meta[_REST] = list(args)  # the command and what follows it
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            exc.message += _check_hint(ctx, args, list(self.commands))
            raise

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            # Settings a command makes for its run (the plain-text width) end with it.
            with _write_errors():
                return contextvars.copy_context().run(super().invoke, ctx)
        except NoSuchOption as exc:
            hint = _global_option_hint(ctx, exc)
            if hint:
                exc.message += hint
                exc.possibilities = None
            raise


SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
"""The shells `--show-completion SHELL` and `--install-completion SHELL` take."""
_COMPLETION_OPTIONS = ("--show-completion", "--install-completion")
_COMPLETION_HELP = {
    "install_completion": f"Install completion for the current shell, or for SHELL after it ({', '.join(SHELLS)}).",
    "show_completion": "Print the completion script for the current shell, or for SHELL after it.",
}


def _completion_for_shell(ctx: ClickContext, args: list[str], commands: list[str]) -> None:
    """`--show-completion SHELL` / `--install-completion SHELL`: the script for that shell, not the
    current one (Typer's own options are flags that detect the shell and ignore a word after them)."""
    words = iter(enumerate(args))
    for position, word in words:
        if word in GLOBAL_VALUE_OPTIONS:
            next(words, None)  # its value
            continue
        if not word.startswith("-"):
            return  # the command: global options come before it
        option, equals, shell = word.partition("=")
        if option not in _COMPLETION_OPTIONS:
            continue
        if not equals:
            shell = args[position + 1] if position + 1 < len(args) else ""
            if not shell or shell.startswith("-") or shell in commands:
                return  # no shell named: Typer's option detects the current one
        if shell.lower() not in SHELLS:
            fail(f"{option} takes one of {', '.join(SHELLS)}, not '{shorten(shell)}'", ExitCode.USAGE)
        from typer._completion_shared import get_completion_script, install

        prog_name = ctx.find_root().info_name or "massage-cli"
        complete_var = "_{}_COMPLETE".format(prog_name.replace("-", "_").upper())
        shell = shell.lower()
        if option == "--show-completion":
            emit(
                get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell) + "\n",
                Format.PLAIN,
            )
        else:
            _, path = install(shell=shell, prog_name=prog_name, complete_var=complete_var)
            note(f"{shell} completion installed in {path}")
            note("Completion will take effect once you restart the terminal")
        raise typer.Exit(ExitCode.OK)


def _corrected(ctx: ClickContext, before_command: list[str], command: list[str]) -> str:
    """A command line as the shell should get it: the program, global options, the command."""
    import shlex  # only for usage errors: kept off the start-up path

    return shlex.join([ctx.find_root().info_name or "massage-cli", *before_command, *command])


def _check_hint(ctx: ClickContext, args: list[str], commands: list[str]) -> str:
    """For a first word that is no command (nor a typo of one): the line that asks about it."""
    from difflib import get_close_matches

    # A close misspelling of a command gets the group's "Did you mean" alone; a looser likeness
    # ('neck' and 'check') gets both, since the words are more likely a condition.
    if not args or args[0].startswith("-") or get_close_matches(args[0], commands, cutoff=0.8):
        return ""
    argv: list[str] = ctx.meta.get(_ARGV, args)
    line = _corrected(ctx, argv[: len(argv) - len(args)], ["check", *args])
    return f"\nTo ask whether massage helps with a condition, put 'check' first:\n  {line}"


def _global_option_hint(ctx: ClickContext, exc: NoSuchOption) -> str:
    """For a global option given after the command: where it goes, and the corrected line."""
    if exc.option_name not in GLOBAL_FLAGS + GLOBAL_VALUE_OPTIONS:
        return ""
    argv: list[str] = ctx.meta.get(_ARGV, [])
    rest: list[str] = ctx.meta.get(_REST, [])
    if not rest:
        return ""
    moved: list[str] = []
    kept: list[str] = []
    words = iter(rest[1:])
    for word in words:
        if word == "--":
            kept += [word, *words]
        elif word in GLOBAL_FLAGS or word.split("=", 1)[0] in GLOBAL_VALUE_OPTIONS:
            moved.append(word)
            value = next(words, None) if word in GLOBAL_VALUE_OPTIONS else None
            if value is not None:
                moved.append(value)
        else:
            kept.append(word)
    names = ", ".join(GLOBAL_VALUE_OPTIONS + GLOBAL_FLAGS)
    line = _corrected(ctx, argv[: len(argv) - len(rest)] + moved, [rest[0], *kept])
    return f"\nGlobal options ({names}) go before the command:\n  {line}"


app = typer.Typer(
    name="massage-cli",
    cls=_Group,
    help=(
        "Will massage help with my condition? Answers from a sourced knowledge base. "
        "This is education, not medical advice: see a clinician for a diagnosis."
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# --------------------------------------------------------------------------- notes and errors


def note(message: str) -> None:
    """A diagnostic line on stderr (never on stdout, so JSON stays clean), wrapped to the terminal;
    nothing if stderr is closed."""
    if sys.stderr is None:
        return
    with contextlib.suppress(OSError):  # nowhere left to say it
        sys.stderr.write(wrap_note(message, note_width()) + "\n")
        sys.stderr.flush()


def note_width(stream: IO[Any] | None = None) -> int | None:
    """The width notes are wrapped to: the terminal's (COLUMNS, else its size) when stderr is one;
    None (one message a line, for logs and grep) when stderr goes to a file or a pipe."""
    if not isatty(sys.stderr if stream is None else stream):
        return None
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size().columns


def wrap_note(message: str, width: int | None) -> str:
    """A note wrapped to `width` columns (None: as it is): each line keeps its indent, and its
    later lines are indented two more; a word is never broken, so paths and ids stay whole."""
    if width is None or all(len(line) <= width for line in message.splitlines()):
        return message
    import textwrap  # only for a long note on a narrow terminal

    out = []
    for line in message.splitlines() or [""]:
        indent = line[: len(line) - len(line.lstrip())]
        out.append(
            textwrap.fill(
                line.strip(),
                max(width, len(indent) + 12),
                initial_indent=indent,
                subsequent_indent=indent + "  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            if line.strip()
            else line
        )
    return "\n".join(out)


def fail(message: str, code: ExitCode) -> NoReturn:
    """Print an error on stderr and exit with the given code."""
    note(f"massage-cli: {message}")
    raise typer.Exit(code)


def safe_arg(text: str) -> str:
    """An argument with undecodable bytes (from a non-UTF-8 terminal) replaced."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def plural(count: int, word: str) -> str:
    """`1 problem`, `2 problems`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


# --------------------------------------------------------------------------- output


def isatty(stream: IO[Any] | None) -> bool:
    """Whether the stream is a terminal; False for a missing, replaced or closed one."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def pick_format(fmt: Format | None, as_json: bool, to_stdout: bool = True) -> Format:
    """The output format: explicit choice, else rich on a colour terminal and plain elsewhere.

    Plain text for stdout is fitted to the terminal's width, if it goes to one.
    """
    if as_json:
        if fmt not in (None, Format.JSON):
            fail("--json and --format " + fmt.value + " cannot be used together", ExitCode.USAGE)
        return Format.JSON
    if fmt is None:
        plain = not isatty(sys.stdout) or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb"
        fmt = Format.PLAIN if plain else Format.RICH
    if fmt is Format.PLAIN and to_stdout:
        renderer(fmt).fit_terminal(terminal_columns())
    return fmt


def terminal_columns() -> int | None:
    """The width of the terminal stdout shows on: COLUMNS, else the terminal's; None when not a terminal."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if isatty(sys.stdout):
        return shutil.get_terminal_size().columns
    return None


FILE_FORMATS = {
    ".html": Format.HTML,
    ".htm": Format.HTML,
    ".md": Format.MARKDOWN,
    ".markdown": Format.MARKDOWN,
    ".json": Format.JSON,
    ".txt": Format.PLAIN,
}
"""The extensions `check -o FILE` writes, and the format each one names."""
PATH_MAX = 4096
"""A path in a message is cleaned of control characters but never cut short of this."""


def format_for_file(path: Path, fmt: Format | None, as_json: bool) -> Format:
    """The format to write to FILE: its extension's; --format's (or plain) for a name without one.

    An extension that massage-cli cannot write, or one that names another format than --format
    asks for, is a usage error: a file never holds a format its name does not promise.
    """
    asked = pick_format(fmt, as_json, to_stdout=False) if fmt is not None or as_json else None
    suffix = path.suffix.lower()
    if not suffix:
        return asked or Format.PLAIN
    named = FILE_FORMATS.get(suffix)
    if named is None:
        fail(
            f"cannot write a '{shorten(suffix)}' file; -o FILE takes {_extension_list()} "
            "(or a name without an extension, for plain text)",
            ExitCode.USAGE,
        )
    # A rich answer written to a file is its text, laid out at 100 columns: a .txt file holds it.
    if asked is None or asked is named or (named is Format.PLAIN and asked is Format.RICH):
        return asked or named
    fail(
        f"'{shorten(path.name)}' is a {named.value} file name, but "
        f"{'--json' if as_json else '--format ' + asked.value} was given; "
        f"drop {'--json' if as_json else '--format'}, or end the name with {_extension_list(asked) or 'no extension'}",
        ExitCode.USAGE,
    )


def _extension_list(fmt: Format | None = None) -> str:
    """The extensions -o writes (for one format only, if given), as a person reads a list."""
    names = [suffix for suffix, named in FILE_FORMATS.items() if fmt is None or named is fmt]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def _stdout() -> IO[str]:
    """stdout for data; a closed stdout (`>&-`) ends the run with one line and exit 74."""
    if sys.stdout is None:
        fail("cannot write the output: standard output is closed", ExitCode.OUTPUT)
    return sys.stdout


@contextlib.contextmanager
def _write_errors(help_output: bool = False) -> Iterator[None]:
    """A reader that went away (`| head -1`) ends the run quietly with exit 0, wherever it happens;
    `help_output`: any other error writing a stream (stdout full) ends it with one line and exit 74.

    Exit 0 because the reader took what it wanted, and because a short output already sits whole
    in the pipe when the reader leaves: only 0 gives the same answer however much was read."""
    try:
        yield
    except BrokenPipeError:
        _discard_stdout()
        raise typer.Exit(ExitCode.OK) from None
    except OSError as exc:
        if not help_output or exc.filename is not None:
            raise  # a file's error (it names the file), for its own handler
        _discard_stdout()
        fail(f"cannot write the output: {exc.strerror or exc}", ExitCode.OUTPUT)


def _discard_stdout() -> None:
    """Point stdout at the null device, so the output left unwritten is not tried again at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def emit(value: Any, fmt: Format) -> None:
    """Write rendered output to stdout; one line and exit 74 if it cannot be written."""
    stdout = _stdout()
    try:
        _emit(stdout, value, fmt)
    except BrokenPipeError:
        raise  # the reader went away: see _write_errors
    except OSError as exc:
        _discard_stdout()
        fail(f"cannot write the output: {exc.strerror or exc}", ExitCode.OUTPUT)


def _emit(stdout: IO[str], value: Any, fmt: Format) -> None:
    if fmt is Format.RICH:
        from rich.console import Console

        console = Console(
            file=stdout,
            force_terminal=True,
            highlight=False,
            markup=False,
            emoji=False,
            no_color=bool(os.environ.get("NO_COLOR")) or None,
        )
        console.print(value)
    else:
        stdout.write(value)
    stdout.flush()


def write_output(path: Path, value: Any, fmt: Format) -> None:
    """Write rendered output to a file: whole or not at all where it can be (see outfile.py)."""
    if fmt is Format.RICH:
        from rich.console import Console

        console = Console(
            record=True, width=100, file=io.StringIO(), markup=False, highlight=False, emoji=False
        )
        console.print(value)
        value = console.export_text()
    from ..outfile import write_file

    target = Path(safe_arg(str(path)))
    try:
        write_file(target, value.encode("utf-8"))
    except BrokenPipeError:
        raise  # a named pipe or /dev/stdout whose reader went away: quietly, as for stdout
    except OSError as exc:
        fail(f"cannot write '{shorten(str(target), PATH_MAX)}': {exc.strerror or exc}", ExitCode.OUTPUT)
    note(f"massage-cli: wrote {shorten(str(target), PATH_MAX)}")


FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format", "-f", help="Output format. Default: rich on a terminal, else plain.", case_sensitive=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help=(
            "Write the answer to FILE, in the format its extension names (.html, .htm, .md, "
            ".markdown, .json, .txt; no extension: --format's, else plain). '-' is stdout."
        ),
    ),
]


class Audience(str, enum.Enum):
    """Who a view is for."""

    PATIENT = "patient"
    THERAPIST = "therapist"


ForOption = Annotated[
    Audience,
    typer.Option(
        "--for",
        help="patient (default) or therapist: the massage therapist's view, with the session rules.",
        case_sensitive=False,
    ),
]


# --------------------------------------------------------------------------- global options


def _version(value: bool) -> None:
    if value:
        emit(f"massage-cli {__version__}\n", Format.PLAIN)
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
    no_user_config: Annotated[
        bool,
        typer.Option(
            "--no-user-config",
            help="Skip your own knowledge-base file in the config folder (paths shows it) for this run.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Will massage help with my condition? Sourced, plain-language answers."""
    ctx.obj = {
        "kb": [safe_arg(p) for p in kb or ()],
        "no_bundled": no_bundled,
        "no_user_config": no_user_config,
    }


def main() -> None:
    """Console-script entry point: run the app, never showing a traceback."""
    try:
        app(prog_name="massage-cli")
    except KeyboardInterrupt:
        note("massage-cli: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (for example `| head`) outside a command: quietly, as in _write_errors.
        _discard_stdout()
        sys.exit(ExitCode.OK)
    except Exception as exc:  # noqa: BLE001 - last resort: a bug is reported briefly, never as a traceback
        note(f"massage-cli: internal error ({type(exc).__name__}); please report it")
        sys.exit(ExitCode.INTERNAL)
