"""What every renderer shares: grouping, truncation that keeps the owner, legends."""

from __future__ import annotations

from dataclasses import dataclass

from pubsite.model import Author, Mark, Profile, Publication

KIND_LABELS = {
    "journal": "Journal articles", "conference": "Conference papers", "preprint": "Preprints",
    "thesis": "Theses", "book": "Books", "chapter": "Book chapters", "report": "Reports",
    "proceedings": "Proceedings", "patent": "Patents", "other": "Other",
}


@dataclass(frozen=True, slots=True)
class Group:
    title: str
    publications: tuple[Publication, ...]


def group(pubs: tuple[Publication, ...] | list[Publication], by: str) -> list[Group]:
    if by == "none":
        return [Group("", tuple(pubs))]
    groups: dict[str, list[Publication]] = {}
    for p in pubs:
        label = (p.year or "Undated") if by == "year" else KIND_LABELS.get(p.kind, p.kind.title())
        groups.setdefault(label, []).append(p)
    if by == "type":
        order = list(KIND_LABELS.values())
        return [Group(k, tuple(groups[k])) for k in sorted(
            groups, key=lambda k: order.index(k) if k in order else len(order))]
    return [Group(k, tuple(v)) for k, v in groups.items()]


def shown_authors(authors: tuple[Author, ...], limit: int) -> list[Author | None]:
    """The authors to show when the list is cut to `limit`; None marks an ellipsis.

    The owner always stays visible: A, B, …, Owner, …, Z.
    """
    if limit <= 0 or len(authors) <= limit:
        return list(authors)
    keep = set(range(max(limit - 1, 1))) | {len(authors) - 1}
    keep |= {i for i, a in enumerate(authors) if a.is_owner}
    out: list[Author | None] = []
    for i, a in enumerate(authors):
        if i in keep:
            out.append(a)
        elif out and out[-1] is not None:
            out.append(None)
    return out


def legend_marks(profile: Profile, mark_ids: tuple[str, ...]) -> list[Mark]:
    out = []
    for mid in mark_ids:
        m = profile.mark(mid)
        if m is not None:
            out.append(m)
    return out


def legend_text(marks: list[Mark]) -> str:
    if not marks:
        return ""
    return "(" + "; ".join(f"{m.symbol} {m.legend}" for m in marks) + ")"


def marks_in(pubs: tuple[Publication, ...] | list[Publication]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for p in pubs:
        for m in p.marks_used:
            seen.setdefault(m)
    return tuple(seen)
