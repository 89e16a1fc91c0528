"""A compiled cache of the merged knowledge base, so that repeat runs skip YAML entirely.

The cache is an SQLite file in the platform's cache folder, named after a fingerprint of every
layer (path, size, modification time and a checksum of the content) and of this program's
version. It is only ever written after the layers were fully validated, it is written to a
temporary file and renamed into place, and every row carries a checksum that is verified when
read. A cache that is missing, stale, unreadable or damaged is ignored and rebuilt, so it can
never change an answer: it only makes answers faster. Damage found after opening (any SQLite
error or failed checksum in a lookup) is handled by the index itself, which rebuilds from the
layers. Runs that need the same new cache at once build it once, under a lock file beside it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from . import __version__
from .layers import MAX_FILE_BYTES, Layer, xdg_folder
from .matching import Index
from .model import (
    Action,
    AvoidItem,
    Benefits,
    Clinic,
    Concept,
    Condition,
    DoctorSign,
    Evidence,
    EvidenceLevel,
    Faq,
    KnowledgeBase,
    Massage,
    Medicine,
    Position,
    PositionRule,
    Pressure,
    RedFlag,
    Session,
    SharedSign,
    Source,
    Urgency,
    Verdict,
    replace,
)
from .redflags import Member, Phrase, RedFlagIndex

SCHEMA = 11
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
        base = xdg_folder("XDG_CACHE_HOME", home / ".cache")
    return base / "massage-cli"


class CacheFolder(NamedTuple):
    """The cache folder, and whether this run can use it."""

    path: Path
    status: str
    """'in use', 'not made yet', 'read only: ...', 'not used (MASSAGE_CLI_NO_CACHE)', or 'not used: '
    and the reason."""
    locked_out: bool = False
    """It is there but cannot be read or written (its permissions): worth a note on every run.
    A folder that cannot be made (no home, a read-only disk) is left out quietly."""


def cache_folder() -> CacheFolder:
    """Where the cache lives and whether it can be used; it is skipped, never an error, when not."""
    folder = cache_dir()
    if not _enabled():
        return CacheFolder(folder, f"not used ({ENV_NO_CACHE})")
    try:
        is_dir = folder.is_dir()  # False when missing; raises when a folder above cannot be searched
    except OSError as exc:
        return CacheFolder(folder, f"not used: cannot be read ({_reason(exc)})", locked_out=True)
    if is_dir:
        if not os.access(folder, os.R_OK | os.X_OK):
            return CacheFolder(folder, "not used: cannot be read (permission denied)", locked_out=True)
        if not os.access(folder, os.W_OK):
            return CacheFolder(folder, "read only: a new cache is not saved")
        return CacheFolder(folder, "in use")
    # Not made yet: the nearest folder above that exists must let it be made.
    for above in folder.parents:
        try:
            if above.is_dir():
                if os.access(above, os.W_OK | os.X_OK):
                    return CacheFolder(folder, "not made yet")
                break
            if os.path.lexists(above):
                break  # a file where a folder should be
        except OSError:
            break
    return CacheFolder(folder, "not used: cannot be made")


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


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
    return zlib.crc32("\x1f".join(map(str, fields)).encode())


# --------------------------------------------------------------------------- records <-> JSON


def _sources_data(sources: Sequence[Source]) -> list[list[str]]:
    return [[s.title, s.url] for s in sources]


def _sources(data: list[list[str]]) -> tuple[Source, ...]:
    return tuple(Source(title, url) for title, url in data)


def session_data(s: Session | None) -> list[Any] | None:
    """A session block as JSON-ready data (a list, in field order)."""
    if s is None:
        return None
    rule = s.position
    position = [[p.value for p in rule.avoid], [p.value for p in rule.best], rule.why] if rule else None
    return [
        s.massage.value,
        list(s.tell_your_therapist),
        _sources_data(s.sources),
        s.until,
        position,
        [s.pressure.max, s.pressure.why] if s.pressure else None,
        [[a.area, a.technique, a.max, a.why] for a in s.avoid],
        s.duration,
        s.timing,
        list(s.ask_first),
    ]


def session_from(d: list[Any] | None) -> Session | None:
    """The session block back from its data."""
    if d is None:
        return None
    massage, tell, sources, until, position, pressure, avoid, duration, timing, ask_first = d
    return Session(
        massage=Massage(massage),
        tell_your_therapist=tuple(tell),
        sources=_sources(sources),
        until=until,
        position=PositionRule(
            tuple(Position(p) for p in position[0]), tuple(Position(p) for p in position[1]), position[2]
        )
        if position
        else None,
        pressure=Pressure(*pressure) if pressure else None,
        avoid=tuple(AvoidItem(*item) for item in avoid),
        duration=duration,
        timing=timing,
        ask_first=tuple(ask_first),
    )


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
        "see_a_doctor_if": [
            [i.text, i.urgency.value if i.urgency else None, i.sign] for i in c.see_a_doctor_if
        ],
        "cannot_replace": list(c.cannot_replace),
        "evidence": [c.evidence.level.value, c.evidence.summary],
        "sources": _sources_data(c.sources),
        "reviewed": c.reviewed,
        "body_parts": list(c.body_parts),
        "code_notes": [list(n) for n in c.code_notes],
        "session": session_data(c.session),
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
        see_a_doctor_if=tuple(
            DoctorSign(text, Urgency(urgency) if urgency else None, sign)
            for text, urgency, sign in d["see_a_doctor_if"]
        ),
        cannot_replace=tuple(d["cannot_replace"]),
        evidence=Evidence(EvidenceLevel(d["evidence"][0]), d["evidence"][1]),
        sources=_sources(d["sources"]),
        reviewed=d["reviewed"],
        body_parts=tuple(d["body_parts"]),
        code_notes=tuple((code, note) for code, note in d["code_notes"]),
        session=session_from(d["session"]),
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
                [list(combo) for combo in f.signs],
                list(f.who),
                list(f.unless),
                f.past_counts,
                f.entry,
            ]
            for f in kb.red_flags
        ],
        "concepts": [[c.id, c.kind, list(c.words)] for c in kb.concepts],
        "shared_signs": [[s.id, s.text, s.urgency.value] for s in kb.shared_signs],
        "medicines": [[m.id, m.name, list(m.names), session_data(m.session)] for m in kb.medicines],
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
            RedFlag(
                i,
                n,
                Action(a),
                m,
                msg,
                tuple(p),
                _sources(s),
                q,
                tuple(ctx),
                age,
                tuple(tuple(combo) for combo in signs),
                tuple(who),
                tuple(unless),
                past,
                entry,
            )
            for i, n, a, m, msg, p, s, q, ctx, age, signs, who, unless, past, entry in d["red_flags"]
        ),
        concepts=tuple(Concept(i, kind, tuple(words)) for i, kind, words in d["concepts"]),
        icd10_release=d["icd10_release"],
        clinic=Clinic(*d["clinic"]) if d["clinic"] else None,
        shared_signs=tuple(SharedSign(i, t, Urgency(u)) for i, t, u in d["shared_signs"]),
        medicines=tuple(
            Medicine(i, n, tuple(names), session_from(s))  # type: ignore[arg-type]
            for i, n, names, s in d["medicines"]
        ),
    )


def _flags_data(index: RedFlagIndex) -> dict[str, Any]:
    return {
        "phrases": [[list(p.words), p.flag.id] for p in index.phrases],
        "variants": {k: sorted(v) for k, v in index.variants.items()},
        "vocabulary": sorted(index.vocabulary),
        "contexts": {fid: [list(words) for words in c] for fid, c in index.contexts.items()},
        "members": [[list(m.words), m.concept] for m in index.members],
    }


def _flags_from(
    d: dict[str, Any], flags: tuple[RedFlag, ...], concepts: tuple[Concept, ...] = ()
) -> RedFlagIndex:
    by_id = {f.id: f for f in flags}
    index = RedFlagIndex(flags, vocabulary=frozenset(d["vocabulary"]), concepts=concepts)
    for words, flag_id in d["phrases"]:
        phrase = Phrase(tuple(words), by_id[flag_id])
        index.phrases.append(phrase)
        index.by_word[phrase.words[0]].append(phrase)
    index.variants = d["variants"]  # lists as stored: converting 20,000 of them would cost start-up
    index.contexts = {fid: [tuple(words) for words in c] for fid, c in d["contexts"].items()}
    for words, concept in d["members"]:
        member = Member(tuple(words), concept)
        index.members.append(member)
        index.member_by_word[member.words[0]].append(member)
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
            counts = json.dumps({"conditions": len(kb.conditions), "keys": len(index.keys)})
            flag_keys = json.dumps(sorted(index.red_flag_index().variants), ensure_ascii=False)
            meta = {
                "key": key,
                "kb": kb_json,
                "flags": flags_json,
                "flag_keys": flag_keys,
                "counts": counts,
                "schema": str(SCHEMA),
            }
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
    """Remove the oldest cache files beyond KEEP (other layer sets, or older versions), and the
    temporary files of writers that were killed."""
    try:
        files = sorted(keep.parent.glob("kb-*.sqlite"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            if old != keep:
                old.unlink(missing_ok=True)
        for left in keep.parent.glob(".kb-*.tmp"):
            if time.time() - left.stat().st_mtime > LOCK_STALE_SECONDS:
                left.unlink(missing_ok=True)
    except OSError:
        pass


# --------------------------------------------------------------------------- reading


_T = TypeVar("_T")


class StoreIndex(Index):
    """The Index interface answered from the cache file, reading only the rows a lookup needs.

    Its `kb` carries everything except the conditions (they are read one by one, on demand). It
    heals itself: any damage found in a lookup (a failed checksum, a missing row or table, any
    SQLite error) discards the file, rebuilds the index from the layers (writing a fresh cache),
    and answers that lookup and every later one from the rebuilt index.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        kb: KnowledgeBase,
        flags: RedFlagIndex | str,
        counts: dict[str, int] | None = None,
        source: tuple[str, list[Layer], Path] | None = None,
        flag_keys: str = "",
    ) -> None:
        super().__init__(kb)
        self.db = db
        self._stored_flags = flags
        """The red-flag index, or its JSON text until a scan first needs it (decoding it costs
        start-up time that a query naming no sign word never has to pay)."""
        self._flag_keys = flag_keys
        self._sign_words: frozenset[str] | None = None
        self._counts = counts or {}
        self._source = source
        """(key, layers, file) to rebuild from after damage; None to raise CacheDamaged instead."""
        self._identity = _identity(source[2]) if source else None
        self._rebuilt: Index | None = None
        self._conditions: dict[str, Condition] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}

    @property
    def healed(self) -> bool:
        """Whether damage was found and the answers now come from an index rebuilt from the layers."""
        return self._rebuilt is not None

    def _use(self, stored: Callable[[], _T], rebuilt: Callable[[Index], _T]) -> _T:
        """The answer from the file; on damage, from an index rebuilt from the layers (once)."""
        if self._rebuilt is None:
            try:
                return stored()
            except CacheDamaged:
                if self._source is None:
                    raise
                self._rebuilt = self._rebuild(*self._source)
        return rebuilt(self._rebuilt)

    def _rebuild(self, key: str, layers: list[Layer], path: Path) -> Index:
        self.db.close()
        _discard(path, self._identity)
        return _build(layers, key)

    def _fetch(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Every row of a query; any SQLite error (a missing table, a damaged page) is damage."""
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise CacheDamaged(f"{type(exc).__name__}: {exc}") from None

    def _query(self, sql: str, args: tuple[Any, ...], fields: int) -> list[tuple[Any, ...]]:
        """Every row of a query, each checked against its checksum (the first `fields` columns)."""
        rows = self._fetch(sql, args)
        for row in rows:
            if len(row) != fields + 1 or _crc(*row[:fields]) != row[-1]:
                raise CacheDamaged(f"row checksum: {sql}")
        return rows

    def _row(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The one row a key names (the key is part of its checksum), without its checksum."""
        rows = self._fetch(sql, args)
        if not rows:
            return None
        row = rows[0]
        if len(rows) > 1 or _crc(*args, *row[:-1]) != row[-1]:
            raise CacheDamaged(sql)
        return row[:-1]

    def _counted(self, table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if self._counts.get(table, len(rows)) != len(rows):
            raise CacheDamaged(f"{table}: {len(rows)} rows, not {self._counts[table]}")
        return rows

    def exact_get(self, key: str) -> tuple[str, str, str] | None:
        def stored() -> tuple[str, str, str] | None:
            row = self._row("SELECT cid, kind, text, crc FROM exact WHERE key = ?", (key,))
            return (row[0], row[1], row[2]) if row else None

        return self._use(stored, lambda index: index.exact_get(key))

    def code_get(self, code: str) -> tuple[str, str] | None:
        def stored() -> tuple[str, str] | None:
            row = self._row("SELECT cid, text, crc FROM codes WHERE code = ?", (code,))
            return (row[0], row[1]) if row else None

        return self._use(stored, lambda index: index.code_get(code))

    def codes_starting(self, prefix: str) -> list[str]:
        def stored() -> list[str]:
            rows = self._query(
                "SELECT code, cid, text, crc FROM codes WHERE substr(code, 1, ?) = ? ORDER BY code",
                (len(prefix), prefix),
                3,
            )
            return [cid for code, cid, text, crc in rows]

        return self._use(stored, lambda index: index.codes_starting(prefix))

    def phrases_for(self, word: str) -> list[tuple[tuple[str, ...], str, str]]:
        def stored() -> list[tuple[tuple[str, ...], str, str]]:
            found = self._phrases.get(word)
            if found is None:
                rows = self._query(
                    "SELECT first, words, cid, text, crc FROM phrases WHERE first = ?", (word,), 4
                )
                found = self._phrases[word] = [
                    (tuple(words.split(" ")), cid, text) for first, words, cid, text, crc in rows
                ]
            return found

        return self._use(stored, lambda index: index.phrases_for(word))

    def all_keys(self) -> list[tuple[str, str, str]]:
        def stored() -> list[tuple[str, str, str]]:
            rows = self._counted("keys", self._query("SELECT key, cid, text, crc FROM keys", (), 3))
            return [(key, cid, text) for key, cid, text, crc in rows]

        return self._use(stored, lambda index: list(index.all_keys()))

    def ids_at(self, part: str) -> list[str]:
        def stored() -> list[str]:
            rows = self._query("SELECT part, cid, crc FROM parts WHERE part = ? ORDER BY rowid", (part,), 2)
            return [cid for part, cid, crc in rows]

        return self._use(stored, lambda index: index.ids_at(part))

    def condition(self, condition_id: str) -> Condition:
        def stored() -> Condition:
            found = self._conditions.get(condition_id)
            if found is None:
                row = self._row("SELECT data, crc FROM conditions WHERE id = ?", (condition_id,))
                if row is None:
                    raise CacheDamaged(f"condition {condition_id!r} missing")
                found = self._conditions[condition_id] = _decode(condition_from, row[0])
            return found

        return self._use(stored, lambda index: index.condition(condition_id))

    def conditions(self) -> tuple[Condition, ...]:
        """Every condition, in knowledge-base order."""

        def stored() -> tuple[Condition, ...]:
            rows = self._query("SELECT id, data, crc FROM conditions ORDER BY rowid", (), 2)
            return tuple(
                _decode(condition_from, data) for cid, data, crc in self._counted("conditions", rows)
            )

        return self._use(stored, lambda index: index.kb.conditions)

    def red_flag_index(self) -> RedFlagIndex:
        def stored() -> RedFlagIndex:
            if isinstance(self._stored_flags, RedFlagIndex):
                return self._stored_flags
            kb = self.kb
            index: RedFlagIndex = _decode(
                lambda d: _flags_from(d, kb.red_flags, kb.concepts), self._stored_flags
            )
            self._stored_flags = index
            return index

        return self._use(stored, lambda index: index.red_flag_index())

    def sign_words(self) -> frozenset[str]:
        def stored() -> frozenset[str]:
            if self._sign_words is None:
                self._sign_words = (
                    _decode(frozenset, self._flag_keys)
                    if self._flag_keys
                    else super(StoreIndex, self).sign_words()
                )
            return self._sign_words

        return self._use(stored, lambda index: index.sign_words())


def _decode(build: Any, text: str) -> Any:
    try:
        return build(json.loads(text))
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise CacheDamaged(f"{type(exc).__name__}: {exc}") from None


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode, so that a file someone else has just replaced is left alone."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _discard(path: Path, identity: tuple[int, int] | None) -> None:
    """Remove a damaged cache file, unless it has been replaced since it was opened."""
    try:
        if identity is None or _identity(path) == identity:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def read(key: str, layers: list[Layer] | None = None) -> StoreIndex | None:
    """The cached index for these layers, or None if there is none that can be trusted.

    With `layers`, the index heals itself from them if damage turns up in a later lookup.
    """
    path = _file_for(key)
    try:
        if not path.is_file():
            return None
    except OSError:  # a cache folder that cannot be read is not used
        return None
    db = None
    identity = _identity(path)
    try:
        # Read-only: reading never creates, locks for writing or changes a cache file.
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db.execute("PRAGMA cell_size_check = ON")  # a damaged page is an error, never wrong rows
        meta = {}
        for row in db.execute("SELECT k, v, crc FROM meta"):
            k, v, crc = row
            if _crc(k, v) != crc:
                raise CacheDamaged("meta checksum")
            meta[k] = v
        if meta.get("complete") != "1" or meta.get("schema") != str(SCHEMA) or meta.get("key") != key:
            raise CacheDamaged("incomplete or for other files")
        kb = _decode(lambda d: _kb_from(d, ()), meta["kb"])
        counts = _decode(lambda d: {str(t): int(n) for t, n in d.items()}, meta["counts"])
        source = (key, layers, path) if layers is not None else None
        return StoreIndex(db, kb, meta["flags"], counts, source, meta["flag_keys"])
    except (sqlite3.Error, CacheDamaged, KeyError, ValueError, TypeError):
        if db is not None:
            db.close()
        _discard(path, identity)
        return None


def full_kb(index: StoreIndex) -> KnowledgeBase:
    """The whole knowledge base, conditions included, from the cache."""
    return replace(index.kb, conditions=index.conditions())


def _enabled() -> bool:
    return not os.environ.get(ENV_NO_CACHE)


def _build(layers: list[Layer], key: str | None) -> Index:
    """Parse and validate the layers, index them, and cache the result under `key` (if given)."""
    from .knowledge import load_layers

    kb = load_layers(layers)
    index = Index.build(kb)
    if key is not None:
        write(key, kb, index)
    return index


def open_index(layers: list[Layer]) -> Index:
    """An index over the merged layers: from the cache when it matches them, else built (and cached).

    Raises KnowledgeBaseError when a layer is missing or invalid.
    """
    key = fingerprint(layers) if _enabled() else None
    if key is None:
        return _build(layers, None)
    return read(key, layers) or _build_once(key, layers)


def drop(layers: list[Layer]) -> None:
    """Forget the cache for these layers (after it was found damaged mid-use)."""
    key = fingerprint(layers)
    if key is not None:
        try:
            _file_for(key).unlink(missing_ok=True)
        except OSError:
            pass


def open_kb(layers: list[Layer]) -> KnowledgeBase:
    """The whole merged knowledge base, from the cache when it matches the layers."""
    index = open_index(layers)
    if isinstance(index, StoreIndex):
        return full_kb(index)  # heals itself: damage means the conditions come from the layers
    return index.kb


# --------------------------------------------------------------------------- building once


LOCK_STALE_SECONDS = 600.0
"""A build lock older than this was left by a process that hung or vanished: it is removed."""
POLL_SECONDS = 0.05
"""How often a process waiting for another's build looks for the finished cache."""
PARSE_BYTES_PER_SECOND = 500_000
"""A slow or busy machine's speed of parsing, validating and indexing YAML (this project's machine
does about 3 MB/s). Slow on purpose: giving up on a healthy builder costs everyone more."""
_USE_FLOCK = sys.platform != "win32"
"""Lock with fcntl.flock (released by the system when its process dies); else an O_EXCL file."""


def _build_once(key: str, layers: list[Layer]) -> Index:
    """Build the cache for these layers in one process while the others that need it wait.

    The lock only saves work: the cache is written atomically whoever writes it, so a process that
    cannot lock, or has waited as long as a parse of its own would take, simply parses.
    """
    lock = BuildLock(_file_for(key).with_suffix(".lock"))
    estimate = parse_estimate(layers)
    deadline = time.monotonic() + estimate
    waited = False
    holder: str | None = None
    while True:
        held = lock.acquire()
        if held is None:  # no lock can be made in the cache folder, so no cache can be written either
            return _build(layers, key)
        if held:
            try:
                # The holder we waited for writes the cache before it lets go.
                cached = read(key, layers)
                if cached is not None:
                    return cached
                if not waited or lock.took_over:
                    # First here, or the holder died mid-build (killed, or its machine went down):
                    # build under the lock, so that the others go on waiting for one build.
                    return _build(layers, key)
            finally:
                lock.release()
            # It let go without a cache (its layers were invalid, or the disk was full): the others
            # waiting for it are in the same place, and parse now too rather than one by one.
            return _build(layers, key)
        now = time.monotonic()
        stamp = lock.holder()
        if stamp and stamp != holder:
            # A new holder (one took over from a holder that died) gets a parse's time of its own.
            holder, deadline = stamp, max(deadline, now + estimate)
        if now >= deadline:
            return _build(layers, None)  # waiting longer would be slower than parsing here
        _wait(POLL_SECONDS)
        waited = True
        cached = read(key, layers)
        if cached is not None:
            return cached


def _wait(seconds: float) -> None:
    """Sleep while another process builds (a seam for tests)."""
    time.sleep(seconds)


def parse_estimate(layers: list[Layer]) -> float:
    """Seconds a parse of these layers may take on a slow machine: how long to wait for another's."""
    size = 0
    for layer in layers:
        try:
            size += layer.path.stat().st_size
        except OSError:
            pass
    return 2.0 + size / PARSE_BYTES_PER_SECOND


class BuildLock:
    """A lock file next to a cache file, holding the builder's pid, host and start time.

    With fcntl.flock the system releases it when its process dies; without it (Windows) the file is
    created with O_EXCL, and one whose process is gone (same host) or that is older than
    LOCK_STALE_SECONDS is removed. Either way a lock left behind never blocks anyone, and the
    process that finds one takes the lock over (`took_over`), so that a builder killed mid-build is
    replaced by one new builder rather than by every process that was waiting for it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._stamp = ""
        self.took_over = False
        """Whether the lock was last taken from a holder that had gone without letting go."""

    def acquire(self) -> bool | None:
        """True: this process holds it now. False: another live one does. None: no lock can be made."""
        self.took_over = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for _ in range(5):
                held = self._flock() if _USE_FLOCK else self._exclusive()
                if held is not None:
                    return held
            return False
        except OSError:
            return None

    def _flock(self) -> bool | None:
        """True or False; None when the file changed under us and it is worth trying again."""
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if self._too_old():
                self._remove_if(None)
                self.took_over = True
                return None
            return False
        except OSError:
            os.close(fd)
            raise
        # The last holder removes the file as it lets go: a lock on a removed file is no lock.
        if _identity_fd(fd) != _identity(self.path):
            os.close(fd)
            return None
        # A holder that lets go removes the file, so one that still names a holder was left by a
        # process that died holding the lock: the system has released its flock.
        try:
            left = os.read(fd, 200).strip()
            stamp = _stamp()
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, stamp.encode())
        except OSError:
            os.close(fd)
            raise
        self.took_over = self.took_over or bool(left)
        self._fd = fd
        self._stamp = stamp
        return True

    def _exclusive(self) -> bool | None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if self._stale():
                self._remove_if(self._text())
                self.took_over = True
                return None
            return False
        self._stamp = _stamp()
        try:
            os.write(fd, self._stamp.encode())
        finally:
            os.close(fd)
        return True

    def release(self) -> None:
        """Let go, removing the file if it is still this process's own."""
        if self._fd is not None:
            try:
                if _identity_fd(self._fd) == _identity(self.path):
                    self.path.unlink()
            except OSError:
                pass
            os.close(self._fd)  # closing releases the flock
            self._fd = None
        elif self._stamp:
            self._remove_if(self._stamp)
        self._stamp = ""

    def holder(self) -> str:
        """What the lock file says about its holder (pid, host, start); empty when not known."""
        return (self._text() or "").strip()

    def _text(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def _remove_if(self, text: str | None) -> None:
        """Remove the file if it still says `text` (any content when None)."""
        try:
            if text is None or self._text() == text:
                self.path.unlink()
        except OSError:
            pass

    def _too_old(self) -> bool:
        try:
            return time.time() - self.path.stat().st_mtime > LOCK_STALE_SECONDS
        except OSError:
            return False

    def _stale(self) -> bool:
        """Left behind: its process is gone (on this host), or it is older than the limit."""
        if self._too_old():
            return True
        parts = (self._text() or "").split()
        if len(parts) < 2 or parts[1] != _host() or not parts[0].isdigit():
            return False  # still being written, or another machine's: only its age can tell
        return not _alive(int(parts[0]))


def _identity_fd(fd: int) -> tuple[int, int]:
    stat = os.fstat(fd)
    return (stat.st_dev, stat.st_ino)


def _host() -> str:
    import socket

    return socket.gethostname()


def _stamp() -> str:
    return f"{os.getpid()} {_host()} {time.time():.3f}\n"


def _alive(pid: int) -> bool:
    """Whether a process with this id is running on this machine."""
    if pid <= 0 or sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would end it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True
