"""The on-disk cache only makes answers faster: it is never stale, and damage is ignored and rebuilt."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from massage_cli import store
from massage_cli.layers import Layer, bundled_path
from massage_cli.matching import Index, lookup
from massage_cli.store import StoreIndex, fingerprint, open_index

from .test_layers import CONDITION


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty cache folder for one test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "massage-cli"


def clinic_layer(tmp_path: Path, summary: str = "Gentle massage may ease a sore jaw.") -> list[Layer]:
    path = tmp_path / "clinic.yaml"
    path.write_text(CONDITION.replace("Gentle massage may ease a sore jaw.", summary), encoding="utf-8")
    return [Layer(bundled_path(), "bundled"), Layer(path, "option")]


def summary_of(run, path: Path, query: str = "sore jaw") -> str:
    result = run("--kb", str(path), "check", query, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["summary"]


class TestCacheUse:
    """The first run writes the cache; later runs read it."""

    def test_written_then_read(self, cache, tmp_path) -> None:
        """A miss builds from YAML and writes a file; the next open reads that file."""
        layers = clinic_layer(tmp_path)
        first = open_index(layers)
        assert not isinstance(first, StoreIndex)
        assert 1 == len(list(cache.glob("kb-*.sqlite")))
        second = open_index(layers)
        assert isinstance(second, StoreIndex)
        assert "jaw-ache" == lookup(second, "sore jaw").condition.id

    def test_disabled(self, cache, tmp_path, monkeypatch) -> None:
        """MASSAGE_CLI_NO_CACHE=1 neither writes nor reads a cache."""
        monkeypatch.setenv("MASSAGE_CLI_NO_CACHE", "1")
        open_index(clinic_layer(tmp_path))
        assert not cache.exists() or not list(cache.glob("kb-*.sqlite"))

    def test_unwritable_cache_folder(self, tmp_path, monkeypatch, run) -> None:
        """When the cache folder cannot be created, answers still come, with no error."""
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x", encoding="utf-8")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
        result = run("check", "fibromyalgia", "--json")
        assert result.exit_code == 0 and "" == result.stderr


class TestNeverStale:
    """Any change to a layer gives a new fingerprint, so an old cache is never used for it."""

    def test_content_change_with_same_size_and_time(self, cache, tmp_path, run) -> None:
        """Changing the text but keeping size and modification time still shows the new text."""
        path = clinic_layer(tmp_path, "Version one of the advice.")[1].path
        assert "Version one of the advice." == summary_of(run, path)
        stat = path.stat()
        path.write_text(
            path.read_text(encoding="utf-8").replace("Version one", "Version two"), encoding="utf-8"
        )
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert stat.st_size == path.stat().st_size
        assert "Version two of the advice." == summary_of(run, path)

    def test_fingerprint_covers_every_layer(self, tmp_path) -> None:
        """Adding, removing or editing a layer changes the fingerprint."""
        layers = clinic_layer(tmp_path)
        before = fingerprint(layers)
        assert before != fingerprint(layers[:1])
        layers[1].path.write_text(CONDITION.replace("jaw", "jaws"), encoding="utf-8")
        assert before != fingerprint(layers)

    def test_optional_file_appearing(self, tmp_path) -> None:
        """An optional layer that appears changes the fingerprint."""
        optional = Layer(tmp_path / "user.yaml", "user", required=False)
        before = fingerprint([optional])
        optional.path.write_text(CONDITION, encoding="utf-8")
        assert before != fingerprint([optional])

    def test_missing_required_file_is_not_cached(self, tmp_path) -> None:
        """A required file that is missing gives no fingerprint: the loader reports it instead."""
        assert fingerprint([Layer(tmp_path / "gone.yaml", "option")]) is None

    def test_invalid_layer_never_cached(self, cache, tmp_path, run) -> None:
        """An invalid layer exits 3 every time; nothing is cached for it."""
        path = tmp_path / "bad.yaml"
        path.write_text(CONDITION.replace("verdict: may-help", "verdict: maybe"), encoding="utf-8")
        for _ in range(2):
            assert 3 == run("--kb", str(path), "check", "sore jaw").exit_code
        assert not list(cache.glob("kb-*.sqlite"))


class TestDamage:
    """A damaged cache is ignored, removed and rebuilt; the answer is the same as without it."""

    def only_file(self, cache: Path) -> Path:
        (path,) = cache.glob("kb-*.sqlite")
        return path

    def test_garbage_file(self, cache, tmp_path, run) -> None:
        """A cache file full of garbage is replaced."""
        layers = clinic_layer(tmp_path, "Correct advice.")
        summary_of(run, layers[1].path)
        self.only_file(cache).write_bytes(b"\x00garbage" * 100)
        assert "Correct advice." == summary_of(run, layers[1].path)
        assert self.only_file(cache).read_bytes().startswith(b"SQLite format 3\x00")

    def test_truncated_file(self, cache, tmp_path, run) -> None:
        """A cache file cut short is replaced."""
        path = clinic_layer(tmp_path, "Correct advice.")[1].path
        summary_of(run, path)
        target = self.only_file(cache)
        target.write_bytes(target.read_bytes()[:3000])
        assert "Correct advice." == summary_of(run, path)

    def test_edited_row(self, cache, tmp_path, run) -> None:
        """A row changed behind the cache's back fails its checksum and is not served."""
        path = clinic_layer(tmp_path, "Correct advice.")[1].path
        summary_of(run, path)
        with sqlite3.connect(self.only_file(cache)) as db:
            data = db.execute("SELECT data FROM conditions WHERE id = 'jaw-ache'").fetchone()[0]
            db.execute(
                "UPDATE conditions SET data = ? WHERE id = 'jaw-ache'", (data.replace("Correct", "Wrong"),)
            )
        db.close()
        assert "Correct advice." == summary_of(run, path)

    def test_redirected_alias(self, cache, tmp_path, run) -> None:
        """An index row pointing a name at the wrong condition is caught by its checksum."""
        path = clinic_layer(tmp_path)[1].path
        summary_of(run, path)
        with sqlite3.connect(self.only_file(cache)) as db:
            db.execute("UPDATE exact SET cid = 'fibromyalgia' WHERE key = 'sorejaw'")
        db.close()
        result = run("--kb", str(path), "check", "sore jaw", "--json")
        assert "jaw-ache" == json.loads(result.stdout)["condition"]["id"]

    def test_incomplete_file(self, cache, tmp_path) -> None:
        """A file without its completion mark (a crash while writing) is not used."""
        layers = clinic_layer(tmp_path)
        open_index(layers)
        with sqlite3.connect(self.only_file(cache)) as db:
            db.execute("DELETE FROM meta WHERE k = 'complete'")
        db.close()
        assert not isinstance(open_index(layers), StoreIndex)


class TestSameAnswers:
    """The cache answers every lookup exactly as the in-memory index does."""

    def test_every_name_alias_and_code(self, cache) -> None:
        """Each id, name, alias, code and a few free-text and typo queries agree."""
        layers = [Layer(bundled_path(), "bundled")]
        memory = open_index(layers)
        cached = open_index(layers)
        assert isinstance(cached, StoreIndex) and isinstance(memory, Index)
        queries = [t for c in memory.kb.conditions for t in (c.id, c.name, *c.aliases, *c.icd10)]
        queries += [
            "M54.41",
            "my lower back hurts after lifting boxes",
            "fibromyalga",
            "sciatca",
            "Z99.9",
            "xyzzy",
        ]
        for query in queries:
            a, b = lookup(memory, query), lookup(cached, query)
            assert type(a) is type(b), query
            assert getattr(a, "condition", None) == getattr(b, "condition", None), query
            assert getattr(a, "suggestions", None) == getattr(b, "suggestions", None), query

    def test_full_knowledge_base_round_trips(self, cache) -> None:
        """The whole knowledge base read back from the cache equals the one read from YAML."""
        layers = [Layer(bundled_path(), "bundled")]
        memory = open_index(layers)
        assert memory.kb == store.open_kb(layers)
