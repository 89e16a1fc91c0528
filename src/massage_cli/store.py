"""A compiled cache of the merged knowledge base, so that repeat runs skip YAML entirely.

The cache is an SQLite file in the platform's cache folder, named after a fingerprint of every
layer (path, size, modification time and a checksum of the content) and of this program's
version. It is only ever written after the layers were fully validated, it is written to a
temporary file and renamed into place, and every row carries a checksum that is verified when
read. A cache that is missing, stale, unreadable or damaged is ignored and rebuilt, so it can
never change an answer: it only makes answers faster.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .layers import MAX_FILE_BYTES, Layer
from .matching import Index
from .model import (
    Action,
    Benefits,
    Clinic,
    Condition,
    Evidence,
    EvidenceLevel,
    Faq,
    KnowledgeBase,
    RedFlag,
    Source,
    Verdict,
    replace,
)
from .redflags import Phrase, RedFlagIndex

SCHEMA = 3
"""Bump when the layout of the cache changes."""
ENV_NO_CACHE = "MASSAGE_CLI_NO_CACHE"
"""Set to any non-empty value to neither read nor write the cache."""
KEEP = 4
"""How many cache files to keep (one per distinct set of layers)."""


class CacheDamaged(Exception):
    """The cache cannot be trusted; it will be rebuilt."""


def cache_dir() -> Path:
    """The platform's folder for caches, with a massage-cli folder inside."""
    home = Path.home()
    if sys.platform == "win32":  # pragma: no cover - not tested on this platform
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":  # pragma: no cover - not tested on this platform
        base = home / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "massage-cli"


def fingerprint(layers: Iterable[Layer]) -> str | None:
    """A text that changes whenever any layer's path, size, time or content changes.

    None when a required file is missing or unreadable: then there is nothing to cache, and the
    normal loader reports the problem.
    """
    parts = [f"massage-cli {__version__} cache {SCHEMA}"]
    for layer in layers:
        try:
            if not layer.path.exists() and not layer.required:
                parts.append(f"{layer.origin}|{layer.path}|absent")
                continue
            stat = layer.path.stat()
            if not layer.path.is_file() or stat.st_size > MAX_FILE_BYTES:
                return None
            data = layer.path.read_bytes()
        except OSError:
            return None
        checksum = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
        parts.append(f"{layer.origin}|{layer.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{checksum}")
    return "\n".join(parts)


def _file_for(key: str) -> Path:
    digest = f"{zlib.crc32(key.encode()):08x}{zlib.adler32(key.encode()):08x}"
    return cache_dir() / f"kb-{digest}.sqlite"


def _crc(*fields: Any) -> int:
    return zlib.crc32("\x1f".join(str(f) for f in fields).encode())


# --------------------------------------------------------------------------- records <-> JSON


def _sources_data(sources: Sequence[Source]) -> list[list[str]]:
    return [[s.title, s.url] for s in sources]


def _sources(data: list[list[str]]) -> tuple[Source, ...]:
    return tuple(Source(title, url) for title, url in data)


def condition_data(c: Condition) -> dict[str, Any]:
    """A condition as JSON-ready data."""
    return {
        "id": c.id,
        "name": c.name,
        "aliases": list(c.aliases),
        "icd10": list(c.icd10),
        "category": c.category,
        "verdict": c.verdict.value,
        "summary": c.summary,
        "benefits": list(c.benefits),
        "precautions": list(c.precautions),
        "see_a_doctor_if": list(c.see_a_doctor_if),
        "cannot_replace": list(c.cannot_replace),
        "evidence": [c.evidence.level.value, c.evidence.summary],
        "sources": _sources_data(c.sources),
        "reviewed": c.reviewed,
        "body_parts": list(c.body_parts),
        "code_notes": [list(n) for n in c.code_notes],
    }


def condition_from(d: dict[str, Any]) -> Condition:
    """The condition back from its data."""
    return Condition(
        id=d["id"],
        name=d["name"],
        aliases=tuple(d["aliases"]),
        icd10=tuple(d["icd10"]),
        category=d["category"],
        verdict=Verdict(d["verdict"]),
        summary=d["summary"],
        benefits=tuple(d["benefits"]),
        precautions=tuple(d["precautions"]),
        see_a_doctor_if=tuple(d["see_a_doctor_if"]),
        cannot_replace=tuple(d["cannot_replace"]),
        evidence=Evidence(EvidenceLevel(d["evidence"][0]), d["evidence"][1]),
        sources=_sources(d["sources"]),
        reviewed=d["reviewed"],
        body_parts=tuple(d["body_parts"]),
        code_notes=tuple((code, note) for code, note in d["code_notes"]),
    )


def _kb_data(kb: KnowledgeBase) -> dict[str, Any]:
    """Everything but the conditions, which get rows of their own."""
    return {
        "version": kb.version,
        "reviewed": kb.reviewed,
        "disclaimer": kb.disclaimer,
        "icd10_release": kb.icd10_release,
        "clinic": [kb.clinic.name, kb.clinic.contact] if kb.clinic else None,
        "benefits": [
            list(kb.benefits.can_do),
            list(kb.benefits.cannot_do),
            _sources_data(kb.benefits.sources),
        ],
        "faq": [[f.id, f.question, f.answer, list(f.topics), _sources_data(f.sources)] for f in kb.faq],
        "red_flags": [
            [
                f.id,
                f.name,
                f.action.value,
                f.may_mean,
                f.message,
                list(f.phrases),
                _sources_data(f.sources),
                f.question,
                list(f.context),
                f.min_age,
            ]
            for f in kb.red_flags
        ],
    }


def _kb_from(d: dict[str, Any], conditions: tuple[Condition, ...]) -> KnowledgeBase:
    can_do, cannot_do, sources = d["benefits"]
    return KnowledgeBase(
        version=d["version"],
        reviewed=d["reviewed"],
        disclaimer=d["disclaimer"],
        benefits=Benefits(tuple(can_do), tuple(cannot_do), _sources(sources)),
        conditions=conditions,
        faq=tuple(Faq(i, q, a, tuple(t), _sources(s)) for i, q, a, t, s in d["faq"]),
        red_flags=tuple(
            RedFlag(i, n, Action(a), m, msg, tuple(p), _sources(s), q, tuple(ctx), age)
            for i, n, a, m, msg, p, s, q, ctx, age in d["red_flags"]
        ),
        icd10_release=d["icd10_release"],
        clinic=Clinic(*d["clinic"]) if d["clinic"] else None,
    )


def _flags_data(index: RedFlagIndex) -> dict[str, Any]:
    return {
        "phrases": [[list(p.words), p.flag.id] for p in index.phrases],
        "variants": {k: sorted(v) for k, v in index.variants.items()},
        "vocabulary": sorted(index.vocabulary),
        "contexts": {fid: [list(words) for words in c] for fid, c in index.contexts.items()},
    }


def _flags_from(d: dict[str, Any], flags: tuple[RedFlag, ...]) -> RedFlagIndex:
    by_id = {f.id: f for f in flags}
    index = RedFlagIndex(flags, vocabulary=frozenset(d["vocabulary"]))
    for words, flag_id in d["phrases"]:
        phrase = Phrase(tuple(words), by_id[flag_id])
        index.phrases.append(phrase)
        index.by_word[phrase.words[0]].append(phrase)
    for key, words in d["variants"].items():
        index.variants[key] = set(words)
    index.contexts = {fid: [tuple(words) for words in c] for fid, c in d["contexts"].items()}
    return index


# --------------------------------------------------------------------------- writing


_TABLES = """
CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE conditions(id TEXT PRIMARY KEY, data TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE exact(key TEXT PRIMARY KEY, cid TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE codes(code TEXT PRIMARY KEY, cid TEXT NOT NULL, text TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE phrases(first TEXT NOT NULL, words TEXT NOT NULL, cid TEXT NOT NULL, text TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE INDEX phrases_first ON phrases(first);
CREATE TABLE keys(key TEXT NOT NULL, cid TEXT NOT NULL, text TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE parts(part TEXT NOT NULL, cid TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE INDEX parts_part ON parts(part);
"""


def write(key: str, kb: KnowledgeBase, index: Index) -> None:
    """Write the cache for these layers; any failure leaves no file behind and is not an error."""
    target = _file_for(key)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        with sqlite3.connect(temporary) as db:
            db.executescript(_TABLES)
            kb_json = json.dumps(_kb_data(kb), ensure_ascii=False)
            flags_json = json.dumps(_flags_data(index.red_flag_index()), ensure_ascii=False)
            db.executemany(
                "INSERT INTO conditions VALUES (?, ?, ?)",
                (
                    (c.id, data, _crc(c.id, data))
                    for c in kb.conditions
                    for data in [json.dumps(condition_data(c), ensure_ascii=False)]
                ),
            )
            db.executemany(
                "INSERT INTO exact VALUES (?, ?, ?, ?, ?)",
                (
                    (k, cid, kind, text, _crc(k, cid, kind, text))
                    for k, (cid, kind, text) in index.exact.items()
                ),
            )
            db.executemany(
                "INSERT INTO codes VALUES (?, ?, ?, ?)",
                ((k, cid, text, _crc(k, cid, text)) for k, (cid, text) in index.codes.items()),
            )
            db.executemany(
                "INSERT INTO phrases VALUES (?, ?, ?, ?, ?)",
                (
                    (first, w, cid, text, _crc(first, w, cid, text))
                    for first, rows in index.phrases.items()
                    for words, cid, text in rows
                    for w in [" ".join(words)]
                ),
            )
            db.executemany(
                "INSERT INTO keys VALUES (?, ?, ?, ?)",
                ((k, cid, text, _crc(k, cid, text)) for k, cid, text in index.keys),
            )
            db.executemany(
                "INSERT INTO parts VALUES (?, ?, ?)",
                ((part, cid, _crc(part, cid)) for part, ids in index.parts.items() for cid in ids),
            )
            meta = {"key": key, "kb": kb_json, "flags": flags_json, "schema": str(SCHEMA)}
            db.executemany("INSERT INTO meta VALUES (?, ?, ?)", ((k, v, _crc(k, v)) for k, v in meta.items()))
            # Written last: a file without it was cut short and is never used.
            db.execute("INSERT INTO meta VALUES ('complete', '1', ?)", (_crc("complete", "1"),))
        db.close()
        os.replace(temporary, target)
        _prune(target)
    except (OSError, sqlite3.Error):
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass


def _prune(keep: Path) -> None:
    """Remove the oldest cache files beyond KEEP (other layer sets, or older versions)."""
    try:
        files = sorted(keep.parent.glob("kb-*.sqlite"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            if old != keep:
                old.unlink(missing_ok=True)
    except OSError:
        pass


# --------------------------------------------------------------------------- reading


class StoreIndex(Index):
    """The Index interface answered from the cache file, reading only the rows a lookup needs.

    Its `kb` carries everything except the conditions (they are read one by one, on demand).
    """

    def __init__(self, db: sqlite3.Connection, kb: KnowledgeBase, flags: RedFlagIndex) -> None:
        super().__init__(kb)
        self.db = db
        self._stored_flags = flags
        self._conditions: dict[str, Condition] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}

    def _row(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        row = self.db.execute(sql, args).fetchone()
        if row is not None and _crc(*args, *row[:-1]) != row[-1]:
            raise CacheDamaged(sql)
        return row[:-1] if row is not None else None

    def exact_get(self, key: str) -> tuple[str, str, str] | None:
        row = self._row("SELECT cid, kind, text, crc FROM exact WHERE key = ?", (key,))
        return (row[0], row[1], row[2]) if row else None

    def code_get(self, code: str) -> tuple[str, str] | None:
        row = self._row("SELECT cid, text, crc FROM codes WHERE code = ?", (code,))
        return (row[0], row[1]) if row else None

    def codes_starting(self, prefix: str) -> list[str]:
        rows = self.db.execute(
            "SELECT code, cid, text, crc FROM codes WHERE substr(code, 1, ?) = ? ORDER BY code",
            (len(prefix), prefix),
        )
        return [cid for code, cid, text, crc in self._checked(rows, 3)]

    def phrases_for(self, word: str) -> list[tuple[tuple[str, ...], str, str]]:
        found = self._phrases.get(word)
        if found is None:
            rows = self.db.execute(
                "SELECT first, words, cid, text, crc FROM phrases WHERE first = ?", (word,)
            )
            found = self._phrases[word] = [
                (tuple(words.split(" ")), cid, text)
                for first, words, cid, text, crc in self._checked(rows, 4)
            ]
        return found

    def all_keys(self) -> Iterator[tuple[str, str, str]]:
        rows = self.db.execute("SELECT key, cid, text, crc FROM keys")
        return ((key, cid, text) for key, cid, text, crc in self._checked(rows, 3))

    def ids_at(self, part: str) -> list[str]:
        rows = self.db.execute("SELECT part, cid, crc FROM parts WHERE part = ? ORDER BY rowid", (part,))
        return [cid for part, cid, crc in self._checked(rows, 2)]

    def condition(self, condition_id: str) -> Condition:
        found = self._conditions.get(condition_id)
        if found is None:
            row = self._row("SELECT data, crc FROM conditions WHERE id = ?", (condition_id,))
            if row is None:
                raise CacheDamaged(f"condition {condition_id!r} missing")
            found = self._conditions[condition_id] = _decode(condition_from, row[0])
        return found

    def conditions(self) -> tuple[Condition, ...]:
        """Every condition, in knowledge-base order."""
        rows = self.db.execute("SELECT id, data, crc FROM conditions ORDER BY rowid")
        return tuple(_decode(condition_from, data) for cid, data, crc in self._checked(rows, 2))

    def red_flag_index(self) -> RedFlagIndex:
        return self._stored_flags

    @staticmethod
    def _checked(rows: Iterable[tuple[Any, ...]], fields: int) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            if _crc(*row[:fields]) != row[-1]:
                raise CacheDamaged("row checksum")
            yield row


def _decode(build: Any, text: str) -> Any:
    try:
        return build(json.loads(text))
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise CacheDamaged(str(exc)) from None


def read(key: str) -> StoreIndex | None:
    """The cached index for these layers, or None if there is none that can be trusted."""
    path = _file_for(key)
    if not path.is_file():
        return None
    db = None
    try:
        db = sqlite3.connect(path)
        meta = {}
        for k, v, crc in db.execute("SELECT k, v, crc FROM meta"):
            if _crc(k, v) != crc:
                raise CacheDamaged("meta checksum")
            meta[k] = v
        if meta.get("complete") != "1" or meta.get("schema") != str(SCHEMA) or meta.get("key") != key:
            raise CacheDamaged("incomplete or for other files")
        kb = _decode(lambda d: _kb_from(d, ()), meta["kb"])
        flags = _decode(lambda d: _flags_from(d, kb.red_flags), meta["flags"])
        return StoreIndex(db, kb, flags)
    except (sqlite3.Error, CacheDamaged, KeyError):
        if db is not None:
            db.close()
        path.unlink(missing_ok=True)
        return None


def full_kb(index: StoreIndex) -> KnowledgeBase:
    """The whole knowledge base, conditions included, from the cache."""
    return replace(index.kb, conditions=index.conditions())


def _enabled() -> bool:
    return not os.environ.get(ENV_NO_CACHE)


def open_index(layers: list[Layer]) -> Index:
    """An index over the merged layers: from the cache when it matches them, else built (and cached).

    Raises KnowledgeBaseError when a layer is missing or invalid.
    """
    key = fingerprint(layers) if _enabled() else None
    if key is not None:
        cached = read(key)
        if cached is not None:
            return cached
    from .knowledge import load_layers

    kb = load_layers(layers)
    index = Index.build(kb)
    if key is not None:
        write(key, kb, index)
    return index


def drop(layers: list[Layer]) -> None:
    """Forget the cache for these layers (after it was found damaged mid-use)."""
    key = fingerprint(layers)
    if key is not None:
        _file_for(key).unlink(missing_ok=True)


def open_kb(layers: list[Layer]) -> KnowledgeBase:
    """The whole merged knowledge base, from the cache when it matches the layers."""
    index = open_index(layers)
    if isinstance(index, StoreIndex):
        try:
            return full_kb(index)
        except (CacheDamaged, sqlite3.Error):
            drop(layers)
            return open_index(layers).kb
    return index.kb
