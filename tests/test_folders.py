"""Folders and files that cannot be used: the cache and config folders are skipped, never fatal.

Another user's 700 folder, or one made `chmod 000`, cannot be searched: a stat of anything inside it
fails with "permission denied". Root reads through any mode, so the tests that chmod a folder are
skipped as root; the same cases also run everywhere through `denied`, which makes os.stat and
os.access answer as they would for such a folder.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from massage_cli import store
from massage_cli.cli import ExitCode
from massage_cli.cli.loading import user_file

from .conftest import Run

COMMANDS = [
    ["check", "fibromyalgia", "--json"],
    ["check", "--batch", "-", "--json"],
    ["list", "--json"],
    ["search", "sciatica", "--json"],
    ["benefits", "--json"],
    ["faq", "--json"],
    ["red-flags", "--json"],
    ["screen", "--no-prompt", "--json"],
    ["sources", "--json"],
    ["paths", "--json"],
]
"""Every command that reads the knowledge base (and so the cache and the user's file)."""

CACHE_NOTE = "massage-cli: the cache folder"
CONFIG_NOTE = "massage-cli: the config folder"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with its own cache and config folders, named by the XDG variables."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.delenv("MASSAGE_CLI_NO_CACHE", raising=False)
    for folder in (".cache/massage-cli", ".config/massage-cli"):
        (tmp_path / "home" / folder).mkdir(parents=True)
    return tmp_path / "home"


@pytest.fixture
def denied(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make folders answer as another user's 700 folder does: nothing inside can be looked at."""
    folders: list[Path] = []
    real_stat, real_access = os.stat, os.access

    def inside(path: object) -> bool:
        return isinstance(path, (str, os.PathLike)) and any(
            folder in Path(os.fspath(path)).parents
            for folder in folders  # type: ignore[arg-type]
        )

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
        if inside(path) or Path(os.fspath(path)) in folders:
            return mode == os.F_OK
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "access", access)
    return folders.append


@pytest.fixture
def chmod_000() -> Iterator[Callable[[Path], None]]:
    """Really take every permission off a folder or file (skips as root, who reads it anyway)."""
    changed: list[tuple[Path, int]] = []

    def lock(path: Path) -> None:
        changed.append((path, path.stat().st_mode))
        path.chmod(0)
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reads (the `denied` tests cover this)")

    yield lock
    for path, mode in reversed(changed):
        path.chmod(mode)


def notes(stderr: str, start: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(start)]


class TestUnreadableCacheFolder:
    """A cache folder that cannot be read is not used: every command answers, with one note."""

    @pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
    def test_every_command_answers(self, run: Run, home: Path, denied, args: list[str]) -> None:
        """Each command exits 0 with its usual output, and says once that the cache is not used."""
        expected = run(*args, input="fibromyalgia\n")
        assert expected.exit_code == 0, expected.output
        denied(home / ".cache" / "massage-cli")
        result = run(*args, input="fibromyalgia\n")
        assert result.exit_code == 0, result.output
        if args[0] != "paths":  # its table shows where the cache is, and so differs
            assert expected.stdout == result.stdout
        [line] = notes(result.stderr, CACHE_NOTE)
        assert "cannot be read (permission denied)" in line
        assert "MASSAGE_CLI_NO_CACHE=1" in line

    def test_a_folder_above_that_cannot_be_searched(self, run: Run, home: Path, denied) -> None:
        """`chmod 000 ~/.cache` is the same: the cache is skipped with a note."""
        denied(home / ".cache")
        result = run("check", "fibromyalgia", "--json")
        assert result.exit_code == 0, result.output
        assert 1 == len(notes(result.stderr, CACHE_NOTE))

    def test_chmod_000(self, run: Run, home: Path, chmod_000) -> None:
        """The real thing: `chmod 000 ~/.cache/massage-cli` (not as root)."""
        chmod_000(home / ".cache" / "massage-cli")
        result = run("check", "fibromyalgia", "--json")
        assert result.exit_code == 0, result.output
        assert "fibromyalgia" == json.loads(result.stdout)["condition"]["id"]
        assert 1 == len(notes(result.stderr, CACHE_NOTE))

    def test_no_note_when_the_cache_is_off(self, run: Run, home: Path, denied) -> None:
        """With MASSAGE_CLI_NO_CACHE=1 the folder is never looked at, so nothing is said."""
        denied(home / ".cache" / "massage-cli")
        result = run("check", "fibromyalgia", "--json", env={"MASSAGE_CLI_NO_CACHE": "1"})
        assert result.exit_code == 0, result.output
        assert "" == result.stderr

    def test_no_note_when_it_cannot_be_made(self, run: Run, home: Path, monkeypatch) -> None:
        """No home to make it in (a service account) is not a problem worth a note on every run."""
        monkeypatch.setenv("XDG_CACHE_HOME", str(home / "no" / "such" / "place"))
        (home / "no").write_text("a file where a folder would be", encoding="utf-8")
        result = run("check", "fibromyalgia", "--json")
        assert result.exit_code == 0, result.output
        assert "" == result.stderr

    def test_the_core_reads_no_cache_and_raises_nothing(self, home: Path, denied) -> None:
        """store.open_index builds from the layers when the cache folder cannot be read."""
        from massage_cli.layers import Layer, bundled_path

        denied(home / ".cache" / "massage-cli")
        index = store.open_index([Layer(bundled_path(), "bundled")])
        assert not isinstance(index, store.StoreIndex)
        assert "not used: cannot be read (permission denied)" == store.cache_folder().status


class TestUnreadableConfigFolder:
    """A config folder that cannot be read leaves the user's own file out, said once on stderr."""

    @pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
    def test_every_command_answers(self, run: Run, home: Path, denied, args: list[str]) -> None:
        """Each command exits 0 with its usual output, and says once that the file is skipped."""
        expected = run(*args, input="fibromyalgia\n")
        denied(home / ".config" / "massage-cli")
        result = run(*args, input="fibromyalgia\n")
        assert result.exit_code == 0, result.output
        if args[0] != "paths":  # its table says the file is skipped
            assert expected.stdout == result.stdout
        [line] = notes(result.stderr, CONFIG_NOTE)
        assert f"{home / '.config' / 'massage-cli'} cannot be read (permission denied)" in line
        assert "skipped" in line

    def test_validate_checks_the_other_files(self, run: Run, home: Path, denied) -> None:
        """`validate` checks every other active layer, exit 0, with the same note."""
        denied(home / ".config" / "massage-cli")
        result = run("validate", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["valid"]
        assert 1 == len(notes(result.stderr, CONFIG_NOTE))

    def test_paths_says_skipped(self, run: Run, home: Path, denied) -> None:
        """`paths` shows the user's file in its place, as skipped and why."""
        denied(home / ".config" / "massage-cli")
        rows = json.loads(run("paths", "--json").stdout)
        assert {
            "origin": "user",
            "path": str(user_file()),
            "status": "skipped: its folder cannot be read (permission denied)",
        } == rows[1]

    def test_chmod_000(self, run: Run, home: Path, chmod_000) -> None:
        """The real thing: a config folder made unreadable (not as root)."""
        (home / ".config" / "massage-cli" / "conditions.yaml").write_text("clinic: {name: X}\n", "utf-8")
        chmod_000(home / ".config" / "massage-cli")
        for args in (["paths", "--json"], ["red-flags", "--json"], ["check", "fibromyalgia", "--json"]):
            result = run(*args)
            assert result.exit_code == 0, result.output
            assert 1 == len(notes(result.stderr, CONFIG_NOTE))

    def test_no_note_with_no_user_config(self, run: Run, home: Path, denied) -> None:
        """--no-user-config never looks at the folder, so nothing is said."""
        denied(home / ".config" / "massage-cli")
        result = run("--no-user-config", "check", "fibromyalgia", "--json")
        assert result.exit_code == 0, result.output
        assert "" == result.stderr


class TestUnreadableFile:
    """`validate FILE` reports an unreadable file as `--kb FILE` does: exit 3, one clean line."""

    MESSAGE = "permission denied: the file cannot be read"

    def both(self, run: Run, path: Path) -> None:
        for args in (["validate", str(path)], ["--kb", str(path), "list"]):
            result = run(*args)
            assert result.exit_code == ExitCode.KNOWLEDGE_BASE, (args, result.output)
            assert f"{path}: {self.MESSAGE}" in result.output, args
            assert "Traceback" not in result.output and "internal error" not in result.stderr

    def test_file_in_a_folder_that_cannot_be_searched(self, run: Run, tmp_path: Path, denied) -> None:
        """A file inside another user's 700 folder."""
        folder = tmp_path / "theirs"
        folder.mkdir()
        (folder / "clinic.yaml").write_text("clinic: {name: X}\n", encoding="utf-8")
        denied(folder)
        self.both(run, folder / "clinic.yaml")

    def test_chmod_000_file(self, run: Run, tmp_path: Path, chmod_000) -> None:
        """A file with every permission taken off (not as root)."""
        path = tmp_path / "clinic.yaml"
        path.write_text("clinic: {name: X}\n", encoding="utf-8")
        chmod_000(path)
        self.both(run, path)


class TestXdgVariables:
    """XDG_CACHE_HOME and XDG_CONFIG_HOME are used only when they are absolute paths (the spec)."""

    @pytest.mark.parametrize("value", ["relative/cache", "."])
    def test_relative_cache_home_is_ignored(
        self, run: Run, home: Path, tmp_path: Path, monkeypatch, value: str
    ) -> None:
        """A relative XDG_CACHE_HOME makes no folder where the command runs: ~/.cache is used."""
        work = tmp_path / "work"
        work.mkdir()
        monkeypatch.chdir(work)
        monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert home / ".cache" / "massage-cli" == store.cache_dir()
        result = run("check", "fibromyalgia", "--json")
        assert result.exit_code == 0, result.output
        assert [] == list(work.iterdir())
        assert list((home / ".cache" / "massage-cli").glob("kb-*.sqlite"))

    def test_empty_cache_home_is_the_default(self, home: Path, monkeypatch) -> None:
        """An empty XDG_CACHE_HOME counts as unset."""
        monkeypatch.setenv("XDG_CACHE_HOME", "")
        assert home / ".cache" / "massage-cli" == store.cache_dir()

    @pytest.mark.parametrize("value", ["", "relative/config"])
    def test_relative_or_empty_config_home_is_ignored(self, home: Path, monkeypatch, value: str) -> None:
        """The user's file is looked for in ~/.config, not below the current folder."""
        monkeypatch.setenv("XDG_CONFIG_HOME", value)
        assert home / ".config" / "massage-cli" / "conditions.yaml" == user_file()


class TestPathsShowsTheCache:
    """`paths` ends with the cache folder and whether it is used."""

    def test_json_row(self, run: Run, home: Path) -> None:
        """The last row is the cache folder, in use."""
        result = run("paths", "--json")
        assert result.exit_code == 0, result.output
        expected = {"origin": "cache", "path": str(home / ".cache" / "massage-cli"), "status": "in use"}
        assert expected == json.loads(result.stdout)[-1]

    @pytest.mark.parametrize(
        ("setting", "status"),
        [
            ({"MASSAGE_CLI_NO_CACHE": "1"}, "not used (MASSAGE_CLI_NO_CACHE)"),
            ({"XDG_CACHE_HOME": "{home}/a-file"}, "not used: cannot be made"),
        ],
    )
    def test_status_when_not_used(self, run: Run, home: Path, setting: dict[str, str], status: str) -> None:
        """When the cache is off, or cannot be made (a file is where its folder would be), the row says so."""
        (home / "a-file").write_text("not a folder", encoding="utf-8")
        env = {name: value.format(home=home) for name, value in setting.items()}
        result = run("paths", "--json", env=env)
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert ("cache", status) == (rows[-1]["origin"], rows[-1]["status"])

    def test_not_made_yet(self, home: Path, monkeypatch) -> None:
        """A folder that does not exist yet but can be made is said to be so."""
        monkeypatch.setenv("XDG_CACHE_HOME", str(home / "new"))
        assert "not made yet" == store.cache_folder().status

    @pytest.mark.parametrize("fmt", ["plain", "markdown", "rich", "html"])
    def test_every_format(self, run: Run, home: Path, fmt: str) -> None:
        """Every format shows the cache folder's path."""
        result = run("paths", "--format", fmt, env={"COLUMNS": "300"})
        assert result.exit_code == 0, result.output
        shown = result.stdout.replace("\\_", "_")  # markdown escapes underscores
        assert str(home / ".cache" / "massage-cli") in shown
