"""The knowledge-base layers in use (bundled, the user's own, $MASSAGE_CLI_KB, --kb) and loading
them for a command: exit 3 with the problems listed, or a note and a fallback for the warning signs."""

import contextlib
import enum
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import typer

from ..layers import KnowledgeBaseError, Layer, bundled_path, env_paths, xdg_folder
from ..matching import Index
from ..model import KnowledgeBase
from ..textclean import one_line, shorten
from .base import ExitCode, isatty, note, plural

ENV_KB = "MASSAGE_CLI_KB"
USER_FILE = "conditions.yaml"
MAX_SHOWN_PROBLEMS = 12
MAX_PROBLEM_CHARACTERS = 500
"""A problem line is cut after this many characters (a path and a quoted line fit)."""


@enum.unique
class Origin(str, enum.Enum):
    """Where a layer comes from: the `origin` column of `paths`."""

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


def is_file(path: Path) -> bool:
    """Whether a file is there; True when the path cannot be looked at (reading it will say why)."""
    try:
        return path.is_file()
    except OSError:
        return True


def exists(path: Path) -> bool:
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
        stack.append(Layer(bundled_path(), Origin.BUNDLED.value))
    if not options.get("no_user_config"):
        problem = user_folder_problem()
        if problem is None:
            stack.append(Layer(user_file(), Origin.USER.value, required=False))
        elif not quiet:
            note(
                f"massage-cli: the config folder {shorten(str(user_file().parent), 200)} cannot be read "
                f"({problem}); your own layer in it is skipped."
            )
    stack += [Layer(expand_path(p), Origin.ENV.value) for p in env_paths(os.environ.get(ENV_KB))]
    stack += [Layer(Path(p), Origin.OPTION.value) for p in options.get("kb") or ()]
    return stack


def report_problems(problems: list[Any], header: str) -> None:
    """Print the first problems (one screen at most, missing fields grouped) and a count of the rest."""
    from ..layers import group_missing

    note(f"massage-cli: {header}")
    lines = group_missing(problems)[:MAX_SHOWN_PROBLEMS]
    for problem, _ in lines:
        # Spaces kept as written: the indentation hint quotes a line to show its indent.
        note(f"  {one_line(str(problem), MAX_PROBLEM_CHARACTERS)}")
    rest = len(problems) - sum(count for _, count in lines)
    if rest:
        note(f"  ... and {rest:,} more problem{'s' if rest != 1 else ''}")


def problem_count(problems: Sequence[Any], layer: Layer) -> int:
    """How many of the problems are in this layer's file."""
    return sum(1 for p in problems if p.file == str(layer.path))


def note_cache_folder() -> None:
    """A note on stderr when the cache folder is there but cannot be used (it is then skipped)."""
    from ..store import cache_folder

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
        with cache_status(stack):
            return opener(stack)
    except KnowledgeBaseError as exc:
        if before_error is not None:
            before_error()
        report_problems(exc.problems, "the knowledge base cannot be used:")
        if any(layer.origin == Origin.USER.value and problem_count(exc.problems, layer) for layer in stack):
            note(
                f"massage-cli: {shorten(str(user_file()), 200)} is your own layer; "
                "'massage-cli --no-user-config COMMAND ...' leaves it out for one run."
            )
        raise typer.Exit(ExitCode.KNOWLEDGE_BASE) from None


def load_warning_signs(ctx: typer.Context) -> KnowledgeBase:
    """The knowledge base for `red-flags` and `screen`: a broken layer is left out, with a note,
    rather than switching the warning signs off; at worst they come from the bundled file alone."""
    from ..store import open_kb

    stack = layers(ctx.find_root().obj or {})
    note_cache_folder()
    try:
        with cache_status(stack):
            return open_kb(stack)
    except KnowledgeBaseError as exc:
        problems = exc.problems
    broken = [layer for layer in stack if problem_count(problems, layer)]
    for layer in broken:
        skip = " (--no-user-config skips it)" if layer.origin == Origin.USER.value else ""
        note(
            f"massage-cli: {shorten(str(layer.path), 200)} is broken "
            f"({plural(problem_count(problems, layer), 'problem')}; 'massage-cli validate' lists them) "
            f"and is left out{skip}."
        )
    if not broken:
        note(
            f"massage-cli: the knowledge base cannot be used ({plural(len(problems), 'problem')}; "
            "'massage-cli validate' lists them)."
        )
    bundled = [Layer(bundled_path(), Origin.BUNDLED.value)]
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


def wants_cache_status(stack: Sequence[Layer], stream: IO[Any] | None = None) -> bool:
    """Whether loading these layers will parse large files (a cold or no cache), on a terminal to say so."""
    if not isatty(sys.stderr if stream is None else stream):
        return False
    size = 0
    for layer in stack:
        with contextlib.suppress(OSError):
            size += layer.path.stat().st_size
    if size <= BIG_LAYERS_BYTES:
        return False
    from ..store import ENV_NO_CACHE, _file_for, fingerprint

    if os.environ.get(ENV_NO_CACHE):
        return True
    # store.py has no public "is this cached?": its key and file name answer it without opening it.
    key = fingerprint(stack)
    return key is None or not os.path.exists(_file_for(key))  # False, too, when it cannot be read


def cache_status(stack: Sequence[Layer]) -> contextlib.AbstractContextManager[Any]:
    """A spinner on stderr while large layers are parsed (and the cache built); else nothing."""
    if not wants_cache_status(stack):
        return contextlib.nullcontext()
    from rich.console import Console

    from ..store import ENV_NO_CACHE

    cached = not os.environ.get(ENV_NO_CACHE)
    return Console(stderr=True).status(
        "Building the knowledge-base cache..." if cached else "Reading the knowledge base..."
    )


def load_kb(ctx: typer.Context) -> KnowledgeBase:
    """The merged knowledge base, or exit 3 with every problem listed."""
    from ..store import open_kb

    return _open(ctx, open_kb)  # type: ignore[no-any-return]


def load_index(ctx: typer.Context, before_error: Callable[[], None] | None = None) -> Index:
    """A lookup index over the merged knowledge base, or exit 3 with every problem listed."""
    from ..store import open_index

    return _open(ctx, open_index, before_error)  # type: ignore[no-any-return]


def complete_condition(incomplete: str) -> list[str]:
    """Condition names, aliases and ids that start with what has been typed (for shell completion)."""
    from ..store import open_index

    try:
        index = open_index(layers({}, quiet=True))
    except KnowledgeBaseError:
        return []
    typed = incomplete.lower()
    return sorted({text for _, _, text in index.all_keys() if text.lower().startswith(typed)})
