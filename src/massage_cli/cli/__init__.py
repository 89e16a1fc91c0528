"""The command line: parse options, call the core, pick a renderer, set the exit code.

The only package that imports Typer. One module per group of commands, each adding its commands
to the one app in `base`:

    base.py     the Typer app and its group class (usage hints, completion for a named shell),
                ExitCode, note/fail on stderr, picking the format, emit (stdout) and write_output
                (-o FILE), the shared --format/--json options, the global options, main()
    loading.py  the knowledge-base layers in use, and loading them (load_kb, load_index,
                load_warning_signs) with the problems listed and exit 3
    check.py    check (one query or --batch FILE)
    browse.py   list, search, benefits, faq, red-flags
    screen.py   screen and its prompts
    intake.py   intake: the therapist's pre-session summary (its combining is in session.py)
    admin.py    paths, validate, schema, sources (for people who edit or review the knowledge base)

To add a command: write `cli/NAME.py` with `from .base import app` and an `@app.command()`
function (take `fmt: FormatOption = None, as_json: JsonOption = False`, call `pick_format`, load
the knowledge base with `loading.load_kb(ctx)`, `emit` the rendered value, `fail` with an
ExitCode), then import the module below. `--help` lists the commands in the order they are
added to the app, so the order of these imports is the order of that list. Start-up time counts
(bench/run.py; tests/test_cli.py TestLazyImports, tests/test_wrapping.py TestRichStartUp): a
command module imports at its top only what start-up loads anyway (Typer, answer, layers,
matching, model, render, textclean), and anything heavier (rich, screening, readability, store,
...) inside the function that needs it.
"""

from .base import ExitCode, app, main

# Importing a command module adds its commands to `app`, listed in --help in this order.
# isort: off
from . import check
from . import browse
from . import screen
from . import intake
from . import admin
# isort: on

__all__ = ["ExitCode", "admin", "app", "browse", "check", "intake", "main", "screen"]
