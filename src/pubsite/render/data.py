"""Data formats: the normalised model as JSON (a documented, stable shape)."""

from __future__ import annotations

import json
from typing import Any

from pubsite.model import Author, Publication, Site
from pubsite.render import view


def author_dict(a: Author) -> dict[str, Any]:
    return {
        "first": a.name.first, "von": a.name.von, "last": a.name.last, "jr": a.name.jr,
        "owner": a.is_owner, "marks": list(a.marks), "others": a.others,
    }


def publication_dict(p: Publication, site: Site) -> dict[str, Any]:
    return {
        "key": p.key,
        "slug": p.slug,
        "type": p.entry_type,
        "kind": p.kind,
        "title": p.title,
        "year": p.year,
        "month": p.month,
        "venue": p.venue_line,
        "venues": [{"name": v.name, "year": v.year,
                    "notes": [{"text": n.text, "award": n.award} for n in v.notes]}
                   for v in p.venues],
        "links": [{"label": link.label, "url": link.url} for link in p.links],
        "authors": [author_dict(a) for a in p.authors],
        "legend": view.legend_text(view.legend_marks(site.profile, p.marks_used)),
        "doi": p.doi,
        "arxiv": p.arxiv,
        "abstract": p.abstract,
        "selected": p.selected,
        "tags": list(p.tags),
        "status": p.status,
        "source": {"file": p.source_file, "line": p.source_line},
    }


def to_json(site: Site, pubs: list[Publication] | tuple[Publication, ...]) -> str:
    data = {
        "publications": [publication_dict(p, site) for p in pubs],
        "marks": [{"id": m.id, "symbol": m.symbol, "legend": m.legend}
                  for m in site.profile.marks],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
