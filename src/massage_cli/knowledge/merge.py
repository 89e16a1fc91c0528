"""Validate whole files and merge their layers into one knowledge base.

Each file read and checked entry by entry (one entry per id in a file), then the layers stacked:
later ones add entries, replace same-id entries whole, or patch them. Across the stack, names,
aliases and codes lead to one condition each, and red flags name concepts and entries that exist.
The entry points: validate_file, merge_layers, check_layers, load_layers and load_bundled.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..layers import KnowledgeBaseError, Layer, Problem, bundled_path
from ..model import (
    AvoidItem,
    Benefits,
    Clinic,
    Condition,
    DoctorSign,
    KnowledgeBase,
    PositionRule,
    Pressure,
    Session,
    Urgency,
    replace,
)
from ..statements import WHO
from .checker import (
    _SECTIONS,
    _WHAT,
    NO_CONTACT,
    PATCH,
    SECTION_FIELDS,
    _Checker,
    _did_you_mean,
    _entry,
    _Patch,
    _validate_top,
)
from .reader import Path_, _Doc, _fmt_path, _quote, parse_document

Place = tuple[int | None, int | None, str]
"""Line, column and field path of a value."""


class _Key(NamedTuple):
    """A name, alias or code that must lead to one condition alone, and where it is written."""

    kind: str
    key: str
    """As compared: a name without case, spaces or punctuation, a code without its dot."""
    written: str
    """As the file writes it."""
    field: str
    file: str
    line: int | None
    column: int | None
    where: Path_
    """The field path; formatted only when a clash is reported (most keys never are)."""

    @property
    def path(self) -> str:
        """The field path as problems show it (conditions[3].aliases[1])."""
        return _fmt_path(self.where)


class _Short(NamedTuple):
    """An entry (without 'patch: true') that misses required fields, and how many it gives."""

    section: str
    id: str
    path: str
    """Its place, as its 'missing required field' problems name it (conditions[3])."""
    given: int
    """The required fields it gives besides its id."""
    missing: int


@dataclass
class LayerData:
    """The validated content of one file: only the parts it sets."""

    file: str
    scalars: dict[str, str]
    benefits: Benefits | None
    clinic: Clinic | None
    entries: dict[str, list[Any]]
    """Records (and patches) of each section, in file order."""
    keys: dict[str, list[_Key]] = field(default_factory=dict)
    """For each condition id: its id, name, aliases and codes, with where each is written."""
    lines: dict[tuple[str, str], int | None] = field(default_factory=dict)
    """The line of each entry, by (section, id)."""
    complete: bool = True
    """False when some of the file could not be used (the entries that were valid still count)."""
    warnings: list[Problem] = field(default_factory=list)
    """What loads but should be fixed (an item without an urgency)."""
    places: dict[tuple[str, str], Place] = field(default_factory=dict)
    """Where each whole entry starts, by (section, id): for the warning that it replaces another."""
    meant: set[tuple[str, str]] = field(default_factory=set)
    """The (section, id) of entries that say 'patch: false': a whole replacement on purpose."""
    short: list[_Short] = field(default_factory=list)
    """Entries that missed required fields: perhaps patches of a lower layer's entry."""


def _condition_keys(
    condition: Condition, doc: _Doc, base: Path_, only: Iterable[str] | None = None
) -> list[_Key]:
    """The names and codes that must lead to this condition alone (of the fields in `only`, if given)."""
    from ..icd10 import key_of
    from ..words import compact

    named: list[tuple[str, str, str, str, Path_]] = [
        ("name or alias", compact(condition.id), condition.id, "id", (*base, "id")),
        ("name or alias", compact(condition.name), condition.name, "name", (*base, "name")),
    ]
    named += [
        ("name or alias", compact(a), a, "aliases", (*base, "aliases", j))
        for j, a in enumerate(condition.aliases)
    ]
    named += [
        ("ICD-10-CM code", key_of(c), c, "icd10", (*base, "icd10", j)) for j, c in enumerate(condition.icd10)
    ]
    wanted = None if only is None else set(only)
    return [
        _Key(kind, key, written, name, doc.file, *doc.place(path), path)
        for kind, key, written, name, path in named
        if key and (wanted is None or name in wanted)
    ]


def validate_file(path: Path, display: str | None = None) -> LayerData:
    """Read and check one file, entry by entry; KnowledgeBaseError lists every problem.

    Patches (`patch: true`) are only checked for their id here: the rest needs the entry they change.
    """
    name = display or str(path)
    ck = _Checker(_Doc(name, None))
    entries: dict[str, list[Any]] = {}
    keys: dict[str, list[_Key]] = {}
    lines: dict[tuple[str, str], int | None] = {}
    seen: dict[tuple[str, str], tuple[int, int | None]] = {}
    places: dict[tuple[str, str], Place] = {}
    meant: set[tuple[str, str]] = set()
    short: list[_Short] = []
    reader_problems: list[Problem] = []
    top_doc = _Doc(name, None)
    for kind, item in parse_document(path, name):
        if kind == "entry":
            section, index, doc = item
            ck.doc = doc
            path_ = (section, index)
            whole = isinstance(doc.data, dict) and doc.data.get(PATCH) is not True
            said_so = isinstance(doc.data, dict) and doc.data.get(PATCH) is False
            before = len(ck.problems)
            record = _entry(ck, section, index, doc)
            if record is None:
                if whole and not said_so:  # 'patch: false' says it is a whole entry: no patch hint
                    short += _short(section, _fmt_path(path_), doc.data, ck.problems[before:])
                continue
            first = seen.get((section, record.id))
            if first is not None:
                ck.add(
                    (*path_, "id"),
                    f"duplicate id {_quote(record.id)} (also {section}[{first[0]}] at line {first[1]})",
                )
                continue
            line, column = doc.place(path_)
            seen[(section, record.id)] = (index, line)
            lines[(section, record.id)] = line
            places[(section, record.id)] = (line, column, _fmt_path(path_))
            if said_so:
                meant.add((section, record.id))
            entries.setdefault(section, []).append(record)
            if section == "conditions" and not isinstance(record, _Patch):
                keys[record.id] = _condition_keys(record, doc, path_)
        elif kind == "top":
            top_doc = item
        else:
            reader_problems = item
    ck.doc = top_doc
    scalars, benefits, clinic = _validate_top(ck, top_doc.data)
    problems = reader_problems + ck.problems
    if problems:
        error = KnowledgeBaseError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
        # The entries that were valid still take part in the checks across entries and files.
        error.partial = LayerData(
            name, scalars, benefits, clinic, entries, keys, lines, False, ck.warnings, places, meant, short
        )
        raise error
    return LayerData(name, scalars, benefits, clinic, entries, keys, lines, True, ck.warnings, places, meant)


_MISSING = re.compile(r"missing required field '([^']*)'")


def _short(section: str, path: str, data: Any, problems: list[Problem]) -> list[_Short]:
    """The entry as a _Short, if it names an id and its problems say it misses required fields."""
    missing = sum(1 for p in problems if p.path == path and _MISSING.fullmatch(p.message))
    ident = data.get("id") if isinstance(data, dict) else None
    if not missing or not isinstance(ident, str) or not ident:
        return []
    required = SECTION_FIELDS[section][0]
    given = sum(1 for key in required if key in data and key != "id")
    return [_Short(section, ident, path, given, missing)]


def merge_layers(layers: list[LayerData]) -> KnowledgeBase:
    """Stack validated layers: later ones add entries, replace same-id entries whole, or patch them."""
    return _merge(layers)[0]


def _merge(layers: list[LayerData]) -> tuple[KnowledgeBase, list[Problem]]:
    """merge_layers, and the warnings the patches gave."""
    scalars: dict[str, str] = {}
    benefits: Benefits | None = None
    clinic: Clinic | None = None
    for layer in layers:
        scalars.update(layer.scalars)
        benefits = layer.benefits or benefits
        clinic = layer.clinic or clinic
    stack = _stack(layers)
    problems = stack.problems + _check_unique(stack) + _check_concepts(stack) + _resolve_signs(stack)
    missing = [key for key in ("version", "reviewed", "disclaimer") if key not in scalars]
    if benefits is None:
        missing.append("benefits")
    if not layers:
        problems.append(Problem("(none)", None, None, "", "no knowledge-base files to load"))
    elif missing:
        names = ", ".join(layer.file for layer in layers)
        problems.append(
            Problem(names, None, None, "", f"no layer sets {', '.join(missing)} (a base file needs them)")
        )
    if problems:
        raise KnowledgeBaseError(problems)
    assert benefits is not None
    kb = KnowledgeBase(
        version=scalars["version"],
        reviewed=scalars["reviewed"],
        disclaimer=scalars["disclaimer"],
        benefits=benefits,
        conditions=tuple(stack.merged["conditions"].values()),
        faq=tuple(stack.merged["faq"].values()),
        red_flags=tuple(stack.merged["red_flags"].values()),
        icd10_release=scalars.get("icd10_release", ""),
        clinic=clinic,
        concepts=tuple(stack.merged["concepts"].values()),
        shared_signs=tuple(stack.merged["signs"].values()),
        medicines=tuple(stack.merged["medicines"].values()),
    )
    return kb, stack.warnings + _check_sign_urgencies(stack)


SUGGESTION_BUDGET = 20_000_000
"""Id comparisons (about two seconds) spent on "did you mean" for patches of unknown ids in one
stack. Each costs as many as the lower layers have ids, so 30,000 bad patches over a 10,000-entry
layer would otherwise take minutes; past the budget the error stays, without the suggestion."""


@dataclass
class _Stack:
    """The layers laid over each other, and what went wrong while patching."""

    merged: dict[str, dict[str, Any]]
    """Each section's records by id, in the order their ids first appeared."""
    keys: dict[str, list[_Key]]
    """Each condition's names and codes, from whichever file wrote each."""
    origin: dict[tuple[str, str], str]
    """'file:line' of the whole entry behind each (section, id)."""
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)
    """Each file's place in the stack, lowest first."""
    suggestions: int = field(default_factory=lambda: SUGGESTION_BUDGET)
    """How many more id comparisons "did you mean" may make for patches of unknown ids."""


def _stack(layers: list[LayerData]) -> _Stack:
    """Each section's entries by id: later layers add entries, replace them whole, or patch them."""
    stack = _Stack({section: {} for section in _SECTIONS}, {}, {}, [])
    for position, layer in enumerate(layers):
        stack.files.setdefault(layer.file, position)
        # The ids a patch in this layer could have meant, for "did you mean": lower layers' only.
        lower = {section: tuple(records) for section, records in stack.merged.items()}
        gaps = not all(below.complete for below in layers[:position])
        for section, records in layer.entries.items():
            for record in records:
                if isinstance(record, _Patch):
                    _apply(stack, record, lower[section], lowest=position == 0, gaps=gaps)
                    continue
                if record.id in stack.merged[section] and (section, record.id) not in layer.meant:
                    stack.warnings.append(_replaces(stack, layer, section, record.id))
                stack.merged[section][record.id] = record
                line = layer.lines.get((section, record.id))
                stack.origin[(section, record.id)] = f"{layer.file}:{line}" if line else layer.file
                if section == "conditions":
                    stack.keys[record.id] = layer.keys[record.id]
    return stack


def _replaces(stack: _Stack, layer: LayerData, section: str, ident: str) -> Problem:
    """The warning for an entry that replaces a lower layer's entry of its id, whole."""
    line, column, path = layer.places.get((section, ident), (None, None, section))
    return Problem(
        layer.file,
        line,
        column,
        path,
        f"replaces the whole {_WHAT[section].split(' ', 1)[1]} {_quote(ident)} from "
        f"{stack.origin[(section, ident)]}: "
        "add 'patch: true' to change only the fields given here, or 'patch: false' to say the "
        "replacement is meant",
    )


def _apply(stack: _Stack, patch: _Patch, lower: tuple[str, ...], *, lowest: bool, gaps: bool) -> None:
    """Lay a patch over the entry it names and check the result as a whole entry."""
    section, path, what = patch.section, (patch.section, patch.position), _WHAT[patch.section]
    ck = _Checker(patch.doc)
    # Only a lower layer can hold this id: validate_file keeps one entry per id in a file.
    base = stack.merged[section].get(patch.id)
    if lowest:
        ck.add(
            (*path, PATCH),
            f"'patch: true' changes {what} of a lower layer, but this file is the lowest layer; "
            "give the whole entry (without 'patch') instead",
            at_key=True,
        )
        stack.problems += ck.problems
        return
    if base is None:
        if not gaps:  # when a lower file could not be read in full, the entry may be in what was lost
            hint = ""
            if stack.suggestions >= len(lower):
                stack.suggestions -= len(lower)
                hint = _did_you_mean(patch.id, lower)
            ck.add(
                (*path, "id"), f"patch of {_quote(patch.id)}: no lower layer has {what} with this id{hint}"
            )
        # The fields it sets are still checked on their own, so that every problem shows at once.
        ck.require = False
        _SECTIONS[section](ck, patch.fields, path)
        stack.problems += ck.problems
        return
    record = _SECTIONS[section](ck, {**_raw(base), **patch.fields}, path)
    origin = stack.origin[(section, patch.id)]
    note = f"; in the patch of {_quote(patch.id)}, {what} from {origin}"
    stack.problems += [problem._replace(message=problem.message + note) for problem in ck.problems]
    # Only the warnings about the fields the patch sets: the others are the lower layer's, warned about there.
    start = _fmt_path(path)
    stack.warnings += [warning for warning in ck.warnings if _field_of(warning.path, start) in patch.fields]

    if record is None:
        return
    stack.merged[section][patch.id] = record
    if section == "conditions":
        changed = set(patch.fields) - {"id"}
        kept = [key for key in stack.keys[patch.id] if key.field not in changed]
        stack.keys[patch.id] = kept + _condition_keys(record, patch.doc, path, changed)


def _field_of(path: str, entry: str) -> str:
    """The field of an entry that a path is in: conditions[3].icd10[1] in conditions[3] -> icd10."""
    return re.split(r"[.\[]", path[len(entry) :].lstrip("."), maxsplit=1)[0]


def _raw(value: Any) -> Any:
    """A record as the plain data a file holds, to lay a patch's fields over."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, DoctorSign):
        if value.sign:
            return {"sign": value.sign}
        return value.text if value.urgency is None else {"text": value.text, "urgency": value.urgency.value}
    if isinstance(value, Condition):
        raw = {
            **{key: _raw(item) for key, item in value._asdict().items()},
            "code_notes": dict(value.code_notes),
        }
        if value.session is None:
            del raw["session"]
        return raw
    if isinstance(value, AvoidItem):
        kept = {key: item for key, item in value._asdict().items() if item not in ("", None)}
        return kept if value.technique or value.max is not None else {**kept, "contact": NO_CONTACT}
    if isinstance(value, (Session, PositionRule, Pressure)):
        # Only what a file would write: an empty text or list and an absent part are left out.
        return {key: _raw(item) for key, item in value._asdict().items() if item not in ("", None, ())}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {key: _raw(item) for key, item in value._asdict().items()}
    if isinstance(value, tuple):
        return [_raw(item) for item in value]
    return value


def _check_concepts(stack: _Stack) -> list[Problem]:
    """Every concept a red flag's signs name, and the entry it points to, must exist in some layer."""
    known = tuple(stack.merged["concepts"])
    problems = []
    for flag in stack.merged["red_flags"].values():
        if flag.entry and flag.entry not in stack.merged["conditions"]:
            where = stack.origin.get(("red_flags", flag.id), "")
            file, _, line = where.rpartition(":")
            hint = _did_you_mean(flag.entry, tuple(stack.merged["conditions"]))
            problems.append(
                Problem(
                    file or where,
                    int(line) if line.isdigit() else None,
                    None,
                    f"red_flags.{flag.id}.entry",
                    f"{_quote(flag.entry)} is not a condition id{hint}",
                )
            )
        for combo in flag.signs:
            for cid in combo:
                if cid not in stack.merged["concepts"] and cid not in WHO:
                    where = stack.origin.get(("red_flags", flag.id), "")
                    file, _, line = where.rpartition(":")
                    problems.append(
                        Problem(
                            file or where,
                            int(line) if line.isdigit() else None,
                            None,
                            f"red_flags.{flag.id}.signs",
                            f"{_quote(cid)} is not a concept{_did_you_mean(cid, known)}",
                        )
                    )
    return problems


def _resolve_signs(stack: _Stack) -> list[Problem]:
    """Put each shared sign's text and urgency into the items that name it; unknown ids are problems."""
    signs = stack.merged["signs"]
    problems = []
    for cid, condition in stack.merged["conditions"].items():
        if not any(item.sign for item in condition.see_a_doctor_if):
            continue
        items = []
        for i, item in enumerate(condition.see_a_doctor_if):
            sign = signs.get(item.sign) if item.sign else None
            if item.sign and sign is None:
                where = stack.origin.get(("conditions", cid), "")
                file, _, line = where.rpartition(":")
                hint = _did_you_mean(item.sign, tuple(signs))
                problems.append(
                    Problem(
                        file or where,
                        int(line) if line.isdigit() else None,
                        None,
                        f"conditions.{cid}.see_a_doctor_if[{i}].sign",
                        f"{_quote(item.sign)} is not a shared sign (signs:){hint}",
                    )
                )
            items.append(DoctorSign(sign.text, sign.urgency, sign.id) if sign is not None else item)
        stack.merged["conditions"][cid] = replace(condition, see_a_doctor_if=tuple(items))
    return problems


def _check_sign_urgencies(stack: _Stack) -> list[Problem]:
    """Items of different entries that say the same sign (same words, case and punctuation aside)
    with different urgencies: a warning that names both, so that they become one shared sign."""
    first: dict[str, tuple[str, int, Urgency]] = {}
    warnings = []
    for cid, condition in stack.merged["conditions"].items():
        for i, item in enumerate(condition.see_a_doctor_if):
            if item.urgency is None or not item.text:
                continue
            key = " ".join(re.sub(r"[^a-z0-9 ]", " ", item.text.lower()).split())
            other = first.setdefault(key, (cid, i, item.urgency))
            if other[2] is item.urgency:
                continue
            where = stack.origin.get(("conditions", cid), "")
            file, _, line = where.rpartition(":")
            warnings.append(
                Problem(
                    file or where,
                    int(line) if line.isdigit() else None,
                    None,
                    f"conditions.{cid}.see_a_doctor_if[{i}]",
                    f"the same sign is urgency {other[2].value} in conditions.{other[0]}.see_a_doctor_if"
                    f"[{other[1]}] but {item.urgency.value} here; give it one urgency (a shared sign: signs:)",
                )
            )
    return warnings


def _check_unique(stack: _Stack) -> list[Problem]:
    """No two conditions may share a name, alias or code: each must lead to one condition."""
    problems: list[Problem] = []
    owners: dict[tuple[str, str], tuple[str, _Key]] = {}
    # In the order they were written, lowest layer first, so that the later of two is the one
    # reported: the clash is in the layer that brought it in (a patched entry keeps its old place).
    written = sorted(
        ((cid, key) for cid in stack.merged["conditions"] for key in stack.keys[cid]),
        key=lambda item: (stack.files.get(item[1].file, len(stack.files)), item[1].line or 0),
    )
    for cid, key in written:
        other_id, other = owners.setdefault((key.kind, key.key), (cid, key))
        if other_id == cid:
            continue
        as_written = f" as {_quote(other.written)}" if other.written != key.written else ""
        problems.append(
            Problem(
                key.file,
                key.line,
                key.column,
                key.path,
                f"{key.kind} {_quote(key.written)} is also used by condition {_quote(other_id)}{as_written} "
                f"({other.file}:{other.line}: {other.path}); each must lead to one condition",
            )
        )
    return problems


def check_layers(layers: Iterable[Layer]) -> tuple[list[Problem], KnowledgeBase | None]:
    """Every problem in every file and in their merge, and the merged base if there are none."""
    problems, _, kb = check_layers_warnings(layers)
    return problems, kb


def check_layers_warnings(
    layers: Iterable[Layer],
) -> tuple[list[Problem], list[Problem], KnowledgeBase | None]:
    """check_layers, and the warnings: what loads but should be fixed (not a reason to refuse)."""
    data: list[LayerData] = []
    problems: list[Problem] = []
    for layer in layers:
        if not layer.required and not layer.path.exists():
            continue
        try:
            data.append(validate_file(layer.path))
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
            # A file that could not be read at all still holds its place in the stack.
            data.append(exc.partial or LayerData(str(layer.path), {}, None, None, {}, complete=False))
    warnings = [warning for layer in data for warning in layer.warnings]
    if problems:
        problems = _suggest_patches(problems, data)
        stack = _stack(data)
        problems += stack.problems + _check_unique(stack)
        return _in_order(problems, data), _in_order(warnings + stack.warnings, data), None
    try:
        kb, merge_warnings = _merge(data)
    except KnowledgeBaseError as exc:
        return _in_order(exc.problems, data), _in_order(warnings, data), None
    return [], _in_order(warnings + merge_warnings, data), kb


def _suggest_patches(problems: list[Problem], layers: list[LayerData]) -> list[Problem]:
    """An entry that gives few of its fields and has the id of a lower layer's entry was most likely
    meant as a patch: one problem that says so, in place of its 'missing required field' lines."""
    below: dict[tuple[str, str], str] = {}
    instead: dict[tuple[str, str], Problem] = {}
    for layer in layers:
        for short in layer.short:
            origin = below.get((short.section, short.id))
            if origin is None or short.given > short.missing:
                continue  # a whole entry with a few fields left out: each missing one is listed
            required = len(SECTION_FIELDS[short.section][0])
            instead[(layer.file, short.path)] = Problem(
                layer.file,
                None,
                None,
                short.path,
                f"gives {short.given + 1} of the {required} required fields of {_WHAT[short.section]}, and "
                f"{_quote(short.id)} is the id of one from {origin}: add 'patch: true' to change only "
                f"the fields given here (without it, the entry replaces that one whole and needs all {required})",
            )
        for section, records in layer.entries.items():
            for record in records:
                line = layer.lines.get((section, record.id))
                below.setdefault((section, record.id), f"{layer.file}:{line}" if line else layer.file)
    if not instead:
        return problems
    out: list[Problem] = []
    replaced: set[tuple[str, str]] = set()
    for problem in problems:
        key = (problem.file, problem.path)
        if key in instead and _MISSING.fullmatch(problem.message):
            if key not in replaced:  # one line for the entry, in the place of its first missing field
                replaced.add(key)
                out.append(instead[key]._replace(line=problem.line, column=problem.column))
            continue
        out.append(problem)
    return out


def _in_order(problems: list[Problem], layers: list[LayerData]) -> list[Problem]:
    """Problems file by file in stacking order, then by line (problems of no one file last)."""
    order = {layer.file: i for i, layer in enumerate(layers)}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.line or 0, p.column or 0))


def load_layers(layers: Iterable[Layer]) -> KnowledgeBase:
    """Read, validate and merge files in order; KnowledgeBaseError lists every problem."""
    problems, kb = check_layers(layers)
    if kb is None:
        raise KnowledgeBaseError(problems)
    return kb


def load_bundled() -> KnowledgeBase:
    """The knowledge base shipped with massage-cli."""
    return load_layers([Layer(bundled_path(), "bundled")])
