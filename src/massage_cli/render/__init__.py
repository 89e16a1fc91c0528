"""Output formats. Each module returns a value (text, or a rich renderable); only the CLI prints."""

from __future__ import annotations

import enum
import importlib
from types import ModuleType


class Format(str, enum.Enum):
    """The output formats every data command offers."""

    RICH = "rich"
    PLAIN = "plain"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"


_MODULES = {
    Format.RICH: "rich_out",
    Format.PLAIN: "plain",
    Format.MARKDOWN: "markdown",
    Format.JSON: "json_out",
    Format.HTML: "html_out",
}


def renderer(fmt: Format) -> ModuleType:
    """The module that renders a format (imported only when asked for, to keep start-up fast)."""
    return importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
