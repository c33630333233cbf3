"""Citation counts (`publications.citations = "openalex"` or `"semantic-scholar"`): asked
at build time by DOI, or arXiv id, for the works whose count is missing or older than
`citations_max_age` days, and kept in the project's `.pubsite-citations.json`, so that the
site shows them with no request from the visitor's browser. A service that does not
answer never fails the build: the cached counts are used, and one line says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pubsite import write
from pubsite.errors import PubsiteError

if TYPE_CHECKING:  # a build with nothing to do reads the cache's state, never the model
    from pubsite.model.site import Publication, Site

CACHE = ".pubsite-citations.json"
Counts = dict[str, list[Any]]  # "doi:10.1/x" -> [count or None, "YYYY-MM-DD" it was asked]


@dataclass(frozen=True, slots=True)
class Cache:
    service: str
    max_age: int
    counts: tuple[tuple[str, int | None, str], ...]

    def table(self) -> Counts:
        return {ident: [count, day] for ident, count, day in self.counts}


def read(folder: Path) -> Cache | None:
    """The cache beside profile.toml; None when there is none or it is not ours."""
    try:
        data = json.loads((folder / CACHE).read_text(encoding="utf-8"))
        counts = tuple((str(k), None if v[0] is None else int(v[0]), str(v[1]))
                       for k, v in data["counts"].items())
        return Cache(str(data["service"]), int(data["max_age"]), counts)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def state(folder: Path, today: dt.date | None = None) -> str:
    """What the output depends on of the cache, for the no-op check: its content, and
    whether a count in it is due again (then the build is not skipped)."""
    cache = read(folder)
    if cache is None:
        return ""
    due = any(_due(day, cache.max_age, today) for _, _, day in cache.counts)
    blob = json.dumps([cache.service, cache.counts, due]).encode()
    return hashlib.sha256(blob).hexdigest()


def _due(day: str, max_age: int, today: dt.date | None = None) -> bool:
    try:
        asked = dt.date.fromisoformat(day)
    except ValueError:
        return True
    return ((today or dt.date.today()) - asked).days >= max_age


def ident(pub: Publication) -> str:
    """The id a count is asked and kept under: the DOI, else the arXiv id."""
    if pub.doi:
        return "doi:" + pub.doi.lower()
    return "arxiv:" + pub.arxiv.lower() if pub.arxiv else ""


def counted(site: Site, folder: Path, say: Callable[[str], None]) -> tuple[Site, bool]:
    """The site with its counts: the cache's, with those due asked again first; and
    whether some are still due (the service did not answer, or the cache could not be
    written), so that the next build asks again instead of calling itself up to date."""
    settings = site.profile.publications
    if settings.citations == "off":
        return site, False
    cache = read(folder)
    table = cache.table() if cache is not None and cache.service == settings.citations else {}
    wanted = {p.key: ident(p) for p in site.publications if ident(p)}
    due = sorted({i for i in wanted.values()
                  if i not in table or _due(table[i][1], settings.citations_max_age)})
    pending = False
    if due:
        fresh, problem = fetch(settings.citations, due, site.profile.email)
        table.update(fresh)
        if problem:
            kept = sum(1 for i in set(wanted.values())
                       if i in table and table[i][0] is not None)
            shown = "count of 1 work is" if kept == 1 else f"counts of {kept} works are"
            say(f"citation counts: {problem}; the cached {shown} shown, and the rest are "
                "asked again next build")
        saved = not fresh or _save(folder, settings.citations, settings.citations_max_age,
                                   table, say)
        pending = bool(problem) or not saved
    found = tuple((key, int(table[i][0])) for key, i in wanted.items()
                  if i in table and table[i][0] is not None)
    return replace(site, citations=found), pending


def fetch(service: str, idents: list[str], email: str) -> tuple[Counts, str]:
    """Counts for `idents`, and why some are missing ("" when none are): a work whose
    answer has no count is left out (asked again next build) and the others still asked;
    asking stops at the first failure that is not about one work (the service down)."""
    from pubsite.add.http import Client, FetchError

    client, today, got = Client(email), dt.date.today().isoformat(), {}
    malformed: list[str] = []
    stopped = ""
    for i in idents:
        what = f"{service} for {i}"
        try:
            answer = client.get(_url(service, i), what, "application/json")
            got[i] = [_count(service, answer.json()), today]
        except FetchError as exc:
            if "not found (404)" in exc.message:
                got[i] = [None, today]  # the service has no such work: asked again later
                continue
            stopped = exc.message
            break
        except (ValueError, KeyError, TypeError):
            malformed.append(i)
    said = [f"{service}'s answer for {', '.join(malformed)} has no count"] if malformed else []
    return got, "; ".join(said + ([stopped] if stopped else []))


def _url(service: str, i: str) -> str:
    from pubsite.add.http import base

    scheme, _, raw = i.partition(":")
    value = quote(raw, safe="/")  # a DOI may hold "#" or "?"
    if service == "openalex":
        doi = value if scheme == "doi" else f"10.48550/arxiv.{value}"
        return f"{base('openalex')}/works/doi:{doi}"
    prefix = "DOI:" if scheme == "doi" else "ARXIV:"
    return f"{base('semantic-scholar')}/graph/v1/paper/{prefix}{value}?fields=citationCount"


def _count(service: str, data: dict[str, Any]) -> int:
    value = data["cited_by_count"] if service == "openalex" else data["citationCount"]
    if not isinstance(value, int) or value < 0:
        raise ValueError(value)
    return value


def _save(folder: Path, service: str, max_age: int, table: Counts,
          say: Callable[[str], None]) -> bool:
    text = json.dumps({"service": service, "max_age": max_age,
                       "counts": dict(sorted(table.items()))}, indent=1) + "\n"
    try:
        write.replace_file(folder / CACHE, text.encode("utf-8"))
    except PubsiteError as exc:
        say(f"citation counts: {exc.message}; they are asked again next build")
        return False
    return True
