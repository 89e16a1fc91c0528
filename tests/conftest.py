"""Shared fixtures: an isolated environment, a CLI runner, and the knowledge bases under test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from massage_cli.cli import app
from massage_cli.knowledge import load_bundled
from massage_cli.matching import Index
from massage_cli.model import KnowledgeBase

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.yaml"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test sees the developer's config folder, knowledge-base variable or colour settings."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    # One cache for the whole run: the cache is keyed by the files' contents, so sharing is safe.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    for name in ("MASSAGE_CLI_KB", "NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The bundled knowledge base."""
    return load_bundled()


@pytest.fixture(scope="session")
def index(kb: KnowledgeBase) -> Index:
    """The lookup index of the bundled knowledge base."""
    return Index.build(kb)


class Run:
    """Invoke the CLI the way a person would, with stdout and stderr kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):
        return self.runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)


@pytest.fixture
def run() -> Run:
    """A function that runs massage-cli with arguments and returns the result."""
    return Run()
