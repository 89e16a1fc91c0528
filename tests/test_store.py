"""The on-disk cache only makes answers faster: it is never stale, and damage is ignored and rebuilt."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

import massage_cli
from massage_cli import store
from massage_cli.cli import ExitCode, loading
from massage_cli.cli.loading import complete_condition
from massage_cli.icd10 import billable_under
from massage_cli.knowledge import load_layers
from massage_cli.layers import Layer, bundled_path
from massage_cli.matching import Index, lookup
from massage_cli.store import BuildLock, CacheDamaged, StoreIndex, fingerprint, open_index

from .conftest import MINI, Run

BENCH = Path(__file__).resolve().parents[1] / "bench"
SOURCE = '[{title: Test source, url: "https://example.org/test"}]'


def entry(
    cid: str, name: str, aliases: list[str], code: str, parts: list[str], verdict: str = "may-help"
) -> str:
    """One condition of a test layer, in YAML."""
    return f"""  - id: {cid}
    name: {name}
    aliases: [{", ".join(aliases)}]
    icd10: [{code}]
    category: joint
    body_parts: [{", ".join(parts)}]
    verdict: {verdict}
    summary: Gentle massage may ease {name.lower()} for a short time.
    benefits: [It may ease tight muscles around it.]
    precautions: [Ask for light pressure.]
    see_a_doctor_if: [The pain lasts more than two weeks.]
    cannot_replace: [A check by a doctor.]
    evidence: {{level: low, summary: Small studies only.}}
    sources: {SOURCE}
    reviewed: 2026-11-27
"""


FILLER_CODES = [info.code for info in billable_under("M62")][:40]
"""Real codes under one heading (validate checks codes against the code set), none of them bundled."""

CONDITION = "conditions:\n" + entry("harpist-wrist", "Harpist's wrist", ["harp wrist"], "M70.80", ["wrist"])
"""A condition no other layer names (the bundled knowledge base grows; this must never clash)."""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty cache folder for one test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "massage-cli"


def clinic_layer(tmp_path: Path, summary: str = "Gentle massage may ease it.") -> list[Layer]:
    path = tmp_path / "clinic.yaml"
    path.write_text(
        CONDITION.replace("Gentle massage may ease harpist's wrist for a short time.", summary),
        encoding="utf-8",
    )
    return [Layer(bundled_path(), "bundled"), Layer(path, "option")]


def summary_of(run, path: Path, query: str = "harp wrist") -> str:
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
        assert "harpist-wrist" == lookup(second, "harp wrist").condition.id

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
        layers[1].path.write_text(CONDITION.replace("harp wrist", "harp wrists"), encoding="utf-8")
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
            assert 3 == run("--kb", str(path), "check", "harp wrist").exit_code
        # The one cache allowed is the bundled file's own, whose red flags scan the query (exit 3 all the same).
        bundled_only = store._file_for(fingerprint([Layer(bundled_path(), "bundled")]) or "")
        assert [] == [p for p in cache.glob("kb-*.sqlite") if p != bundled_only]


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
            data = db.execute("SELECT data FROM conditions WHERE id = 'harpist-wrist'").fetchone()[0]
            db.execute(
                "UPDATE conditions SET data = ? WHERE id = 'harpist-wrist'",
                (data.replace("Correct", "Wrong"),),
            )
        db.close()
        assert "Correct advice." == summary_of(run, path)

    def test_redirected_alias(self, cache, tmp_path, run) -> None:
        """An index row pointing a name at the wrong condition is caught by its checksum."""
        path = clinic_layer(tmp_path)[1].path
        summary_of(run, path)
        with sqlite3.connect(self.only_file(cache)) as db:
            db.execute("UPDATE exact SET cid = 'fibromyalgia' WHERE key = 'harpwrist'")
        db.close()
        result = run("--kb", str(path), "check", "harp wrist", "--json")
        assert "harpist-wrist" == json.loads(result.stdout)["condition"]["id"]

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


# --------------------------------------------------------------------------- self-healing


def small_layer(tmp_path: Path) -> Path:
    """A layer over mini.yaml with body parts, a red flag, an FAQ entry and enough entries to
    need interior pages, so that every table and every kind of page is in the cache file."""
    words = ["amber", "birch", "cobalt", "dune", "ember", "fjord", "garnet", "heron", "indigo", "juniper"]
    text = "conditions:\n"
    text += entry(
        "harpist-wrist", "Harpist's wrist", ["harp wrist", "string player's wrist"], "M70.80", ["wrist"]
    )
    text += entry("runner-knee", "Runner's knee", ["sore knee cap"], "M22.40", ["knee"])
    text += entry("kneeler-knee", "Kneeler's knee", ["housemaid's knee"], "M70.40", ["knee"], "avoid")
    for i in range(40):
        a, b = words[i % 10], words[(i // 10 + 3) % 10]
        code = FILLER_CODES[i]
        text += entry(f"filler-{i}", f"Filler {a} {b} strain {i}", [f"{a} {b} ache {i}"], code, [])
    text += f"""red_flags:
  - id: test-calf
    name: A swollen, painful calf
    action: urgent
    may_mean: It can be a blood clot.
    message: See a doctor today. Do not rub the leg.
    phrases: [swollen calf, painful calf]
    question: Is one calf swollen and painful?
    sources: {SOURCE}
faq:
  - id: test-cost
    question: What does it cost?
    answer: Ask the clinic.
    topics: [cost, price]
    sources: {SOURCE}
"""
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ANSWERS: list[tuple[str, ...]] = [
    ("check", "Sore muscle", "--json"),  # exact: the exact table, then the condition's row
    ("check", "M79.10", "--json"),  # a code: the codes table
    ("check", "M62", "--json"),  # a heading code: codes under it, not found (exit 1)
    ("check", "my muscle ache is bad after the gym", "--json"),  # free text: the phrases table
    ("check", "harpists wirst", "--json"),  # a typo: the keys table, read whole
    ("check", "knee", "--json"),  # a body part alone: the parts table (exit 1, with suggestions)
    ("list", "--json"),  # every condition row
    ("red-flags", "--json"),  # the meta rows
]
"""One answer per way the cache is read; each must come out exactly as without a cache."""

MORE_COMMANDS: list[tuple[str, ...]] = [
    ("check", "--batch", "{batch}", "--json"),
    ("check", "swollen calf", "--json"),
    ("search", "knee", "--json"),
    ("faq", "--json"),
    ("faq", "cost", "--json"),
    ("benefits", "--json"),
    ("screen", "--no-prompt", "--json"),
    ("sources", "--json"),
    ("list", "--body-part", "knee", "--json"),
]
"""Every other command that reads the knowledge base."""

cli_run = Run()

TABLES = ["meta", "conditions", "exact", "codes", "phrases", "keys", "parts"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path, dict]:
    """Global options for a small, complete knowledge base (mini.yaml and a layer over it), a
    batch file with one query of every kind, and what each command says without a cache."""
    folder = tmp_path_factory.mktemp("small")
    kb_args = ["--no-bundled", "--kb", str(MINI), "--kb", str(small_layer(folder))]
    batch = folder / "batch.txt"
    batch.write_text("\n".join(args[1] for args in ANSWERS if args[0] == "check") + "\n", encoding="utf-8")
    env = {"MASSAGE_CLI_NO_CACHE": "1", "XDG_CONFIG_HOME": str(folder / "config")}
    expected = {}
    for args in ANSWERS + MORE_COMMANDS:
        result = cli_run(*kb_args, *(a.format(batch=batch) for a in args), env=env)
        assert result.exit_code in (ExitCode.OK, ExitCode.NOT_FOUND), result.output
        expected[args] = (result.exit_code, result.stdout, result.stderr)
    return kb_args, batch, expected


class TestSelfHealing:
    """Any damage to the cache, found on opening or in any later lookup, means: discard the file,
    rebuild from the layers, and answer exactly as if there had been no cache."""

    @pytest.fixture
    def kb_args(self, small, cache) -> list[str]:
        return list(small[0])

    @pytest.fixture
    def batch(self, small) -> Path:
        return Path(small[1])

    def pristine(self, run, kb_args: list[str], cache: Path) -> tuple[Path, bytes]:
        """The cache file for the small knowledge base, and its bytes when freshly written."""
        assert 0 == run(*kb_args, "check", "Sore muscle").exit_code
        (path,) = cache.glob("kb-*.sqlite")
        return path, path.read_bytes()

    def same_answers(self, run, kb_args, commands, batch, expected, damage, path: Path) -> int:
        """Run each command on a freshly damaged cache; each must answer as without a cache.
        Returns whether any run found the damage (and so rebuilt the file)."""
        rebuilt = False
        for args in commands:
            damage()
            before = path.read_bytes()
            result = run(*kb_args, *(a.format(batch=batch) for a in args))
            assert expected[args] == (result.exit_code, result.stdout, result.stderr), args
            rebuilt |= not path.exists() or path.read_bytes() != before
        return rebuilt

    def test_every_page_damaged(self, run, small, kb_args, cache, batch) -> None:
        """Garbage over any one page of the cache file never changes an answer or an exit code."""
        expected = small[2]
        path, good = self.pristine(run, kb_args, cache)
        with sqlite3.connect(path) as db:
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
        db.close()
        pages = len(good) // page_size
        assert pages >= 20  # tables with interior pages, overflow pages, every index
        rng = random.Random(12)
        found = 0
        for page in range(pages):
            garbage = rng.randbytes(page_size)
            damaged = good[: page * page_size] + garbage + good[(page + 1) * page_size :]

            def damage(damaged: bytes = damaged) -> None:
                path.write_bytes(damaged)

            found += self.same_answers(run, kb_args, ANSWERS, batch, expected, damage, path)
        assert found >= pages // 2  # most pages are read by one of the answers; the rest by none

    @pytest.mark.parametrize("table", TABLES)
    def test_every_table_dropped(self, run, small, kb_args, cache, batch, table) -> None:
        """With any one table gone, every command answers exactly as without a cache."""
        commands = ANSWERS + MORE_COMMANDS
        expected = small[2]
        path, good = self.pristine(run, kb_args, cache)

        def drop_table() -> None:
            path.write_bytes(good)
            with sqlite3.connect(path) as db:
                db.execute(f"DROP TABLE {table}")
            db.close()

        assert self.same_answers(run, kb_args, commands, batch, expected, drop_table, path)

    @pytest.mark.parametrize("table", ["keys", "exact"])
    def test_completion_with_a_table_dropped(self, cache, tmp_path, monkeypatch, table) -> None:
        """Shell completion still offers every name when a table of its cache is gone."""
        monkeypatch.setenv("MASSAGE_CLI_KB", str(clinic_layer(tmp_path)[1].path))
        monkeypatch.setenv("MASSAGE_CLI_NO_CACHE", "1")
        expected = complete_condition("harp")
        monkeypatch.delenv("MASSAGE_CLI_NO_CACHE")
        assert ["Harpist's wrist", "harp wrist", "harpist-wrist"] == expected
        complete_condition("harp")
        (path,) = cache.glob("kb-*.sqlite")
        with sqlite3.connect(path) as db:
            db.execute(f"DROP TABLE {table}")
        db.close()
        assert expected == complete_condition("harp")

    def test_healed_file_is_whole_again(self, run, kb_args, cache) -> None:
        """After damage is found mid-use, the next run reads a fresh, undamaged cache file."""
        path, _ = self.pristine(run, kb_args, cache)
        with sqlite3.connect(path) as db:
            db.execute("DROP TABLE keys")
        db.close()
        assert 0 == run(*kb_args, "check", "harpists wirst").exit_code
        index = open_index(loading.layers({"kb": kb_args[2::2], "no_bundled": True}))
        assert isinstance(index, StoreIndex)
        assert "harpist-wrist" == lookup(index, "harpists wirst").condition.id
        assert not index.healed

    def test_any_sqlite_error_is_cache_damage(self, run, kb_args, cache) -> None:
        """Without layers to rebuild from, a lookup on a broken file raises CacheDamaged, never
        an SQLite error."""
        self.pristine(run, kb_args, cache)
        stack = loading.layers({"kb": kb_args[2::2], "no_bundled": True})
        key = fingerprint(stack)
        assert key is not None
        for table, call in [
            ("exact", lambda i: i.exact_get("soremuscle")),
            ("codes", lambda i: i.code_get("M7910")),
            ("codes", lambda i: i.codes_starting("M62")),
            ("phrases", lambda i: i.phrases_for("muscle")),
            ("keys", lambda i: i.all_keys()),
            ("parts", lambda i: i.ids_at("knee")),
            ("conditions", lambda i: i.condition("sore-muscle")),
            ("conditions", lambda i: i.conditions()),
        ]:
            open_index(stack)  # written again if an earlier round removed it
            index = store.read(key)
            assert index is not None
            with sqlite3.connect(store._file_for(key)) as db:
                db.execute(f"DROP TABLE {table}")
            db.close()
            with pytest.raises(CacheDamaged):
                call(index)
            index.db.close()
            store._file_for(key).unlink()


# --------------------------------------------------------------------------- building once


class TestBuildOnce:
    """Processes that need the same new cache build it once; a lock left behind never blocks."""

    @pytest.fixture(params=["flock", "exclusive"])
    def lock_kind(self, request, monkeypatch) -> str:
        """Each test runs with fcntl.flock and with the portable O_EXCL lock file."""
        monkeypatch.setattr(store, "_USE_FLOCK", request.param == "flock")
        return str(request.param)

    def lock_for(self, layers: list[Layer]) -> Path:
        key = fingerprint(layers)
        assert key is not None
        return store._file_for(key).with_suffix(".lock")

    def test_stale_lock_of_a_dead_process(self, cache, tmp_path, lock_kind) -> None:
        """A lock file naming a process that has ended does not block: the cache is built and
        written at once, and the lock file is gone afterwards."""
        layers = clinic_layer(tmp_path)
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        lock = self.lock_for(layers)
        lock.parent.mkdir(parents=True)
        lock.write_text(f"{dead.pid} {store._host()} {time.time():.3f}\n", encoding="utf-8")
        index = open_index(layers)
        assert "harpist-wrist" == lookup(index, "harp wrist").condition.id
        assert not lock.exists()
        assert isinstance(open_index(layers), StoreIndex)  # written by this process, as the builder

    def test_lock_older_than_the_limit(self, cache, tmp_path, lock_kind) -> None:
        """A lock held too long (a hung process) is removed, and this process builds the cache."""
        layers = clinic_layer(tmp_path)
        lock = self.lock_for(layers)
        holder = BuildLock(lock)
        assert holder.acquire() is True
        try:
            old = time.time() - store.LOCK_STALE_SECONDS - 60
            os.utime(lock, (old, old))
            open_index(layers)
            assert isinstance(open_index(layers), StoreIndex)
        finally:
            holder.release()

    def test_live_lock_waits_then_parses_without_writing(
        self, cache, tmp_path, lock_kind, monkeypatch
    ) -> None:
        """While another live process holds the lock, a run waits only as long as a parse would
        take, then answers from the layers without writing the cache."""
        monkeypatch.setattr(store, "parse_estimate", lambda layers: 0.3)
        layers = clinic_layer(tmp_path)
        holder = BuildLock(self.lock_for(layers))
        assert holder.acquire() is True
        try:
            started = time.monotonic()
            index = open_index(layers)
            assert 0.3 <= time.monotonic() - started
            assert not isinstance(index, StoreIndex)
            assert "harpist-wrist" == lookup(index, "harp wrist").condition.id
            assert not list(cache.glob("kb-*.sqlite"))
        finally:
            holder.release()

    def test_holder_gone_without_a_cache(self, cache, tmp_path, lock_kind) -> None:
        """When the holder lets go without writing a cache (its layers were invalid, or it died),
        a waiting run parses at once and writes the cache, without waiting out its time."""
        layers = clinic_layer(tmp_path)
        holder = BuildLock(self.lock_for(layers))
        assert holder.acquire() is True
        letting_go = threading.Timer(0.3, holder.release)
        letting_go.start()
        started = time.monotonic()
        index = open_index(layers)
        letting_go.join()
        assert 0.3 <= time.monotonic() - started
        assert "harpist-wrist" == lookup(index, "harp wrist").condition.id
        assert isinstance(open_index(layers), StoreIndex)

    def builds_under_lock(self, monkeypatch, lock: Path) -> list[bool]:
        """Record, for each parse, whether the lock was held (by the parser) while it ran."""
        builds: list[bool] = []
        real = store._build

        def build(layers, key):
            probe = BuildLock(lock)
            free = probe.acquire()
            if free:
                probe.release()
            builds.append(free is False)
            return real(layers, key)

        monkeypatch.setattr(store, "_build", build)
        return builds

    def test_waiter_takes_over_from_a_holder_that_died(self, cache, tmp_path, lock_kind, monkeypatch) -> None:
        """When the builder is killed (kill -9) while others wait, a waiter that then gets the lock
        builds under it, so the others go on waiting for that one build instead of all parsing."""
        layers = clinic_layer(tmp_path)
        lock = self.lock_for(layers)
        holder = BuildLock(lock)
        assert holder.acquire() is True
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()

        def killed(seconds: float) -> None:
            # What kill -9 leaves: the flock let go by the system, the file naming a dead process.
            if holder._fd is not None:
                os.close(holder._fd)
                holder._fd = None
            lock.write_text(f"{dead.pid} {store._host()} {time.time():.3f}\n", encoding="utf-8")

        monkeypatch.setattr(store, "_wait", killed)
        builds = self.builds_under_lock(monkeypatch, lock)
        index = open_index(layers)
        assert "harpist-wrist" == lookup(index, "harp wrist").condition.id
        assert [True] == builds
        assert not lock.exists()
        assert isinstance(open_index(layers), StoreIndex)

    def test_holder_that_let_go_without_a_cache_is_not_taken_over(
        self, cache, tmp_path, lock_kind, monkeypatch
    ) -> None:
        """A holder that let go cleanly but wrote no cache (invalid layers, a full disk) leaves the
        waiters to parse at once, each without the lock, rather than one after another."""
        layers = clinic_layer(tmp_path)
        lock = self.lock_for(layers)
        holder = BuildLock(lock)
        assert holder.acquire() is True
        monkeypatch.setattr(store, "_wait", lambda seconds: holder.release())
        builds = self.builds_under_lock(monkeypatch, lock)
        open_index(layers)
        assert [False] == builds

    def test_a_new_holder_gets_a_parse_time_of_its_own(self, cache, tmp_path, lock_kind, monkeypatch) -> None:
        """A waiter that sees the lock change hands (one took over from a holder that died) waits
        a parse's time for the new holder, rather than giving up on the first one's time."""
        layers = clinic_layer(tmp_path)
        key = fingerprint(layers)
        assert key is not None
        memory = Index.build(load_layers(layers))
        lock = self.lock_for(layers)
        holder = BuildLock(lock)
        assert holder.acquire() is True
        clock = [0.0]
        monkeypatch.setattr(store, "time", types.SimpleNamespace(monotonic=lambda: clock[0], time=time.time))
        monkeypatch.setattr(store, "parse_estimate", lambda layers: 10.0)

        def parse(layers, key):
            raise AssertionError("gave up on the new holder and parsed")

        def wait(seconds: float) -> None:
            clock[0] += 6.0
            if clock[0] == 6.0:  # another waiter took over: the file names a new holder
                lock.write_text(f"{os.getpid()} {store._host()} 2.000\n", encoding="utf-8")
            if clock[0] == 18.0:  # past the first holder's time, within the new one's: it is done
                store.write(key, memory.kb, memory)

        monkeypatch.setattr(store, "_build", parse)
        monkeypatch.setattr(store, "_wait", wait)
        try:
            assert isinstance(open_index(layers), StoreIndex)
        finally:
            holder.release()

    def test_waiter_reads_the_finished_cache(self, cache, tmp_path, lock_kind, monkeypatch) -> None:
        """A run that finds the lock held does not parse: it reads the cache as soon as the
        holder has written it."""
        layers = clinic_layer(tmp_path)
        key = fingerprint(layers)
        assert key is not None
        memory = Index.build(load_layers(layers))
        holder = BuildLock(self.lock_for(layers))
        assert holder.acquire() is True

        def parse(layers, key):
            raise AssertionError("parsed while another process was building")

        monkeypatch.setattr(store, "_build", parse)
        writing = threading.Timer(0.3, store.write, (key, memory.kb, memory))
        writing.start()
        try:
            index = open_index(layers)
            assert isinstance(index, StoreIndex)
            assert "harpist-wrist" == lookup(index, "harp wrist").condition.id
        finally:
            writing.join()
            holder.release()

    def test_two_processes_started_together_build_once(self, tmp_path) -> None:
        """Two runs started together on a large, new layer parse it once between them, and both
        answer correctly."""
        big = tmp_path / "big.yaml"
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "2000", str(big)], check=True)
        log = tmp_path / "parses.log"
        counting = (
            "import os, sys\n"
            "from massage_cli import knowledge\n"
            "real = knowledge.load_layers\n"
            "def counted(layers):\n"
            "    with open(os.environ['PARSE_LOG'], 'a') as out:\n"
            "        out.write(f'{os.getpid()}\\n')\n"
            "    return real(layers)\n"
            "knowledge.load_layers = counted\n"
            "from massage_cli.cli import main\n"
            "sys.argv = ['massage-cli', *sys.argv[1:]]\n"
            "main()\n"
        )
        env = {
            **os.environ,
            "PARSE_LOG": str(log),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "PYTHONPATH": str(Path(massage_cli.__file__).parents[1]),
        }
        env.pop("MASSAGE_CLI_NO_CACHE", None)
        argv = [sys.executable, "-c", counting, "--no-bundled", "--kb", str(MINI), "--kb", str(big)]
        queries = ["synthetic alias 1500 3", "synthetic alias 7 1"]
        procs = [
            subprocess.Popen([*argv, "check", q, "--json"], env=env, stdout=subprocess.PIPE, text=True)
            for q in queries
        ]
        outputs = [p.communicate(timeout=120)[0] for p in procs]
        assert [0, 0] == [p.returncode for p in procs]
        assert ["synthetic-1500", "synthetic-7"] == [json.loads(o)["condition"]["id"] for o in outputs]
        assert 1 == len(log.read_text(encoding="utf-8").splitlines())
        assert not list((tmp_path / "cache" / "massage-cli").glob("*.lock"))
