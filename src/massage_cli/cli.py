"""The command line: parse options, call the core, pick a renderer, set the exit code."""

import contextlib
import contextvars
import enum
import io
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from typer._click import Command as ClickCommand
from typer._click import Context as ClickContext
from typer._click import Parameter as ClickParameter
from typer._click.exceptions import NoSuchOption, UsageError
from typer.core import TyperGroup, TyperOption

from . import __version__
from .answer import Answer, answer
from .layers import (
    SHOWN_PROBLEMS,
    KnowledgeBaseError,
    Layer,
    bundled_path,
    env_paths,
    summarise,
    xdg_folder,
)
from .matching import Index
from .model import EvidenceLevel, KnowledgeBase, RedFlag, Verdict
from .render import Format, renderer
from .render.common import also_line
from .textclean import one_line, shorten

if TYPE_CHECKING:
    from rich.text import Text

    from .screening import Reply

ENV_KB = "MASSAGE_CLI_KB"
USER_FILE = "conditions.yaml"
MAX_SHOWN_PROBLEMS = 12
MAX_PROBLEM_CHARACTERS = 500
"""A problem line is cut after this many characters (a path and a quoted line fit)."""


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


# --------------------------------------------------------------------------- helpers


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
    if not _isatty(sys.stderr if stream is None else stream):
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


@enum.unique
class _Origin(str, enum.Enum):
    BUNDLED = "bundled"
    USER = "user"
    ENV = "env"
    OPTION = "option"


def user_file() -> Path:
    """The user's own knowledge-base layer in the platform's config folder."""
    if sys.platform in ("win32", "darwin"):  # pragma: no cover - not tested on these platforms
        return Path(typer.get_app_dir("massage-cli")) / USER_FILE
    # typer.get_app_dir would take an empty or relative XDG_CONFIG_HOME as it is: the XDG spec says
    # to ignore it (else the folder depends on where the command runs).
    return xdg_folder("XDG_CONFIG_HOME", Path.home() / ".config") / "massage-cli" / USER_FILE


def user_folder_problem() -> str | None:
    """Why the config folder holding the user's file cannot be read, or None (also when it is absent)."""
    try:
        user_file().stat()
    except (FileNotFoundError, NotADirectoryError):
        return None  # no file (or no folder): the optional layer is simply absent
    except OSError as exc:
        return (exc.strerror or type(exc).__name__).lower()
    return None


def _is_file(path: Path) -> bool:
    """Whether a file is there; True when the path cannot be looked at (reading it will say why)."""
    try:
        return path.is_file()
    except OSError:
        return True


def _exists(path: Path) -> bool:
    """Whether anything is there; True when the path cannot be looked at (reading it will say why)."""
    try:
        return path.exists()
    except OSError:
        return True


def expand_path(path: Path) -> Path:
    """A path from the environment with `~` and $VARIABLES expanded (no shell has done it)."""
    return Path(os.path.expanduser(os.path.expandvars(str(path))))


def layers(options: dict[str, Any], *, quiet: bool = False) -> list[Layer]:
    """The knowledge-base files in use, in the order they are stacked.

    A config folder that cannot be read (another user's) leaves the user's file out, with a note
    on stderr unless `quiet`: it is optional, and every command still works without it.
    """
    stack = []
    if not options.get("no_bundled"):
        stack.append(Layer(bundled_path(), _Origin.BUNDLED.value))
    if not options.get("no_user_config"):
        problem = user_folder_problem()
        if problem is None:
            stack.append(Layer(user_file(), _Origin.USER.value, required=False))
        elif not quiet:
            note(
                f"massage-cli: the config folder {shorten(str(user_file().parent), 200)} cannot be read "
                f"({problem}); your own layer in it is skipped."
            )
    stack += [Layer(expand_path(p), _Origin.ENV.value) for p in env_paths(os.environ.get(ENV_KB))]
    stack += [Layer(Path(p), _Origin.OPTION.value) for p in options.get("kb") or ()]
    return stack


def report_problems(problems: list[Any], header: str) -> None:
    """Print the first problems (one screen at most, missing fields grouped) and a count of the rest."""
    from .layers import group_missing

    note(f"massage-cli: {header}")
    lines = group_missing(problems)[:MAX_SHOWN_PROBLEMS]
    for problem, _ in lines:
        # Spaces kept as written: the indentation hint quotes a line to show its indent.
        note(f"  {one_line(str(problem), MAX_PROBLEM_CHARACTERS)}")
    rest = len(problems) - sum(count for _, count in lines)
    if rest:
        note(f"  ... and {rest:,} more problem{'s' if rest != 1 else ''}")


def _problem_count(problems: Sequence[Any], layer: Layer) -> int:
    """How many of the problems are in this layer's file."""
    return sum(1 for p in problems if p.file == str(layer.path))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def note_cache_folder() -> None:
    """A note on stderr when the cache folder is there but cannot be used (it is then skipped)."""
    from .store import cache_folder

    folder = cache_folder()
    if folder.locked_out:
        note(
            f"massage-cli: the cache folder {shorten(str(folder.path), 200)} is {folder.status}; "
            "answers come from the files (MASSAGE_CLI_NO_CACHE=1 turns the cache off)."
        )


def _open(ctx: typer.Context, opener: Any, before_error: Callable[[], None] | None = None) -> Any:
    """Call a store opener on the active layers; exit 3 with every problem listed if it fails
    (after calling `before_error`, if given)."""
    stack = layers(ctx.find_root().obj or {})
    note_cache_folder()
    try:
        with _cache_status(stack):
            return opener(stack)
    except KnowledgeBaseError as exc:
        if before_error is not None:
            before_error()
        report_problems(exc.problems, "the knowledge base cannot be used:")
        if any(layer.origin == _Origin.USER.value and _problem_count(exc.problems, layer) for layer in stack):
            note(
                f"massage-cli: {shorten(str(user_file()), 200)} is your own layer; "
                "'massage-cli --no-user-config COMMAND ...' leaves it out for one run."
            )
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE) from None


def load_warning_signs(ctx: typer.Context) -> KnowledgeBase:
    """The knowledge base for `red-flags` and `screen`: a broken layer is left out, with a note,
    rather than switching the warning signs off; at worst they come from the bundled file alone."""
    from .store import open_kb

    stack = layers(ctx.find_root().obj or {})
    note_cache_folder()
    try:
        with _cache_status(stack):
            return open_kb(stack)
    except KnowledgeBaseError as exc:
        problems = exc.problems
    broken = [layer for layer in stack if _problem_count(problems, layer)]
    for layer in broken:
        skip = " (--no-user-config skips it)" if layer.origin == _Origin.USER.value else ""
        note(
            f"massage-cli: {shorten(str(layer.path), 200)} is broken "
            f"({_plural(_problem_count(problems, layer), 'problem')}; 'massage-cli validate' lists them) "
            f"and is left out{skip}."
        )
    if not broken:
        note(
            f"massage-cli: the knowledge base cannot be used ({_plural(len(problems), 'problem')}; "
            "'massage-cli validate' lists them)."
        )
    bundled = [Layer(bundled_path(), _Origin.BUNDLED.value)]
    rest = [layer for layer in stack if layer not in broken]
    for fallback in (rest, bundled):
        if not fallback or fallback == stack:
            continue
        try:
            kb: KnowledgeBase = open_kb(fallback)
        except KnowledgeBaseError:
            continue
        source = "the bundled knowledge base" if fallback == bundled else "the files that are not broken"
        note(f"massage-cli: the warning signs shown come from {source}.")
        return kb
    report_problems(problems, "the knowledge base cannot be used:")
    raise typer.Exit(ExitCode.KNOWLEDGE_BASE)


BIG_LAYERS_BYTES = 1_000_000
"""Layers larger than this together take a second or more to parse on a cold cache."""


def _isatty(stream: IO[Any] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def wants_cache_status(stack: Sequence[Layer], stream: IO[Any] | None = None) -> bool:
    """Whether loading these layers will parse large files (a cold or no cache), on a terminal to say so."""
    if not _isatty(sys.stderr if stream is None else stream):
        return False
    size = 0
    for layer in stack:
        with contextlib.suppress(OSError):
            size += layer.path.stat().st_size
    if size <= BIG_LAYERS_BYTES:
        return False
    from .store import ENV_NO_CACHE, _file_for, fingerprint

    if os.environ.get(ENV_NO_CACHE):
        return True
    # store.py has no public "is this cached?": its key and file name answer it without opening it.
    key = fingerprint(stack)
    return key is None or not os.path.exists(_file_for(key))  # False, too, when it cannot be read


def _cache_status(stack: Sequence[Layer]) -> contextlib.AbstractContextManager[Any]:
    """A spinner on stderr while large layers are parsed (and the cache built); else nothing."""
    if not wants_cache_status(stack):
        return contextlib.nullcontext()
    from rich.console import Console

    from .store import ENV_NO_CACHE

    cached = not os.environ.get(ENV_NO_CACHE)
    return Console(stderr=True).status(
        "Building the knowledge-base cache..." if cached else "Reading the knowledge base..."
    )


def load_kb(ctx: typer.Context) -> KnowledgeBase:
    """The merged knowledge base, or exit 3 with every problem listed."""
    from .store import open_kb

    return _open(ctx, open_kb)  # type: ignore[no-any-return]


def load_index(ctx: typer.Context, before_error: Callable[[], None] | None = None) -> Index:
    """A lookup index over the merged knowledge base, or exit 3 with every problem listed."""
    from .store import open_index

    return _open(ctx, open_index, before_error)  # type: ignore[no-any-return]


def pick_format(fmt: Format | None, as_json: bool, to_stdout: bool = True) -> Format:
    """The output format: explicit choice, else rich on a colour terminal and plain elsewhere.

    Plain text for stdout is fitted to the terminal's width, if it goes to one.
    """
    if as_json:
        if fmt not in (None, Format.JSON):
            fail("--json and --format " + fmt.value + " cannot be used together", ExitCode.USAGE)
        return Format.JSON
    if fmt is None:
        plain = not _isatty(sys.stdout) or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb"
        fmt = Format.PLAIN if plain else Format.RICH
    if fmt is Format.PLAIN and to_stdout:
        renderer(fmt).fit_terminal(terminal_columns())
    return fmt


def terminal_columns() -> int | None:
    """The width of the terminal stdout shows on: COLUMNS, else the terminal's; None when not a terminal."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if _isatty(sys.stdout):
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
    from .outfile import write_file

    target = Path(safe_arg(str(path)))
    try:
        write_file(target, value.encode("utf-8"))
    except BrokenPipeError:
        raise  # a named pipe or /dev/stdout whose reader went away: quietly, as for stdout
    except OSError as exc:
        fail(f"cannot write '{shorten(str(target), PATH_MAX)}': {exc.strerror or exc}", ExitCode.OUTPUT)
    note(f"massage-cli: wrote {shorten(str(target), PATH_MAX)}")


def complete_condition(incomplete: str) -> list[str]:
    """Condition names, aliases and ids that start with what has been typed (for shell completion)."""
    from .store import open_index

    try:
        index = open_index(layers({}, quiet=True))
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


# --------------------------------------------------------------------------- check


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
    return count >= PROGRESS_MIN_QUERIES and _isatty(stderr) and not _isatty(stdout)


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
    output: Annotated[
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
    ] = None,
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
            if fmt is Format.JSON:
                rendered = out.dumps(out.check_data(result, kb), indent=None if batch is not None else 2)
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
    from .render.common import flag_heading
    from .store import open_index

    try:
        index = open_index([Layer(bundled_path(), _Origin.BUNDLED.value)])
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
    from .matching import only_generic
    from .matching import search as search_conditions

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
    from .matching import faq_typos, find_faq
    from .words import normalise

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

    from .screening import UNSURE_WHY, Reply, parse_answer, stops

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
    from .screening import NO_WORDS, UNSURE_WORDS, YES_WORDS

    return f"yes: {' '.join(YES_WORDS)}; no: {' '.join(NO_WORDS)}; not sure: {', '.join(UNSURE_WORDS)}"


def _read_answers(flags: Sequence[RedFlag]) -> list["Reply"]:
    """Answers piped in on stdin, one a line, in question order; blank lines are skipped."""
    from .screening import parse_answer, stops

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
    from .screening import choose, from_ids, questions
    from .screening import screen as screen_answers

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
            f"massage-cli: {_plural(len(choice.flags), 'question')}{topic}; "
            f"'massage-cli screen --all' asks about all {choice.total} warning signs."
        )
    asked = list(choice.flags)
    replies = _ask_on_terminal(asked) if terminal else _read_answers(asked)
    emit(renderer(fmt).screening(screen_answers(flags, replies, asked), kb), fmt)


@app.command()
def paths(ctx: typer.Context, fmt: FormatOption = None, as_json: JsonOption = False) -> None:
    """The knowledge-base files in the order they are stacked, and which are missing or broken;
    then the cache folder."""
    fmt = pick_format(fmt, as_json)
    options = ctx.find_root().obj or {}
    stack = layers(options)
    problems: list[Any] = []
    note_cache_folder()
    from .store import cache_folder, open_index

    try:
        with _cache_status(stack):
            open_index(stack)  # from the cache when the files have not changed since they last validated
    except KnowledgeBaseError as exc:
        problems = exc.problems
    rows = []
    for layer in stack:
        count = _problem_count(problems, layer)
        if not _is_file(layer.path):
            status = "missing (an error)" if layer.required else "missing (optional)"
        elif count:
            status = f"broken: {_plural(count, 'problem')}"
        else:
            status = "in use"
        rows.append({"origin": layer.origin, "path": str(layer.path), "status": status})
    # Rows for the files left out, in the place they would have had.
    if options.get("no_bundled"):
        rows.insert(
            0,
            {
                "origin": _Origin.BUNDLED.value,
                "path": str(bundled_path()),
                "status": "not used (--no-bundled)",
            },
        )
    if options.get("no_user_config"):
        rows.insert(
            1,
            {"origin": _Origin.USER.value, "path": str(user_file()), "status": "not used (--no-user-config)"},
        )
    elif (unreadable := user_folder_problem()) is not None:
        rows.insert(
            1,
            {
                "origin": _Origin.USER.value,
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
    extra = [Layer(Path(safe_arg(str(f))), _Origin.OPTION.value) for f in files or ()]
    active = {layer.path.resolve() for layer in stack if _exists(layer.path)}
    stack += [layer for layer in extra if not _exists(layer.path) or layer.path.resolve() not in active]
    from .knowledge import check_layers_warnings

    problems, warnings, kb = check_layers_warnings(stack)
    # On stderr in every format (they do not make the files invalid); a screen at most, as the problems.
    shown, more = (warnings, []) if show_all else summarise(warnings)
    for warning in shown:
        note(str(warning._replace(message=f"warning: {warning.message}")))
    for kind, count in more:
        note(f"{count:,} more warning{'s' if count != 1 else ''}: {kind}")
    checked = [str(layer.path) for layer in stack if layer.required or _exists(layer.path)]
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
    limit = None if show_all else SHOWN_PROBLEMS
    emit(renderer(fmt).validation(checked, problems, kb, limit), fmt)
    if problems:
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a knowledge-base file, for editors (see README, "Editor support")."""
    from .schema import schema_json

    emit(schema_json(), Format.PLAIN)


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
        # The reader went away (for example `| head`) outside a command: quietly, as in _write_errors.
        _discard_stdout()
        sys.exit(ExitCode.OK)
    except Exception as exc:  # noqa: BLE001 - last resort: a bug is reported briefly, never as a traceback
        note(f"massage-cli: internal error ({type(exc).__name__}); please report it")
        sys.exit(ExitCode.INTERNAL)
