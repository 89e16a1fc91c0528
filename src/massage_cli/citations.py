"""Who cites what: every source in the knowledge base with the entries that cite it."""

from __future__ import annotations

from dataclasses import dataclass

from .model import KnowledgeBase, Source


@dataclass(frozen=True)
class Citation:
    """One source and the entries that cite it, as (kind, id) pairs."""

    url: str
    title: str
    cited_by: tuple[tuple[str, str], ...]


def citations(kb: KnowledgeBase) -> list[Citation]:
    """Every distinct source URL, most cited first, with its citing entries."""
    cited: dict[str, list[tuple[str, str]]] = {}
    titles: dict[str, str] = {}

    def add(kind: str, entry_id: str, sources: tuple[Source, ...]) -> None:
        for source in sources:
            titles.setdefault(source.url, source.title)
            cited.setdefault(source.url, []).append((kind, entry_id))

    add("benefits", "benefits", kb.benefits.sources)
    for condition in kb.conditions:
        add("condition", condition.id, condition.sources)
    for faq in kb.faq:
        add("faq", faq.id, faq.sources)
    for flag in kb.red_flags:
        add("red-flag", flag.id, flag.sources)
    rows = [Citation(url, titles[url], tuple(dict.fromkeys(by))) for url, by in cited.items()]
    return sorted(rows, key=lambda c: (-len(c.cited_by), c.url))
