"""The knowledge-base files in use, and the errors that loading them can raise (no YAML here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Files larger than this are refused before parsing."""

BUNDLED_NAME = "conditions.yaml"


class Problem(NamedTuple):
    """One thing wrong with a knowledge-base file, and where it is."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f":{self.line}:{self.column or 1}"
        return f"{place}: {self.path + ': ' if self.path else ''}{self.message}"


class KnowledgeBaseError(Exception):
    """The knowledge base cannot be used; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.partial: Any = None
        """What of the file could still be read (for checks across files), if anything."""


class Layer(NamedTuple):
    """One file in the stack of knowledge bases, and whether it must exist."""

    path: Path
    origin: str
    """Where it came from: bundled, user, env or option."""
    required: bool = True


def bundled_path() -> Path:
    """The knowledge base shipped with the package (or, in a source checkout, data/)."""
    # In an installed wheel this is what importlib.resources.files("massage_cli") resolves to;
    # asking importlib.resources only when it is not there keeps its import off the start-up path.
    packaged = Path(__file__).parent / "data" / BUNDLED_NAME
    if packaged.is_file():
        return packaged
    try:
        from importlib import resources

        candidate = resources.files("massage_cli").joinpath("data", BUNDLED_NAME)
        if candidate.is_file():
            return Path(str(candidate))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - zipped or odd installs
        pass
    # An editable install or a source checkout: src/massage_cli/layers.py -> data/.
    return Path(__file__).resolve().parents[2] / "data" / BUNDLED_NAME


def env_paths(value: str | None) -> Iterator[Path]:
    """Paths listed in an environment variable, split on the platform's path separator."""
    for part in (value or "").split(os.pathsep):
        if part.strip():
            yield Path(part)
