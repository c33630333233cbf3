"""The CV's sections beyond the publications (positions, education, awards, talks,
teaching, service) for JSON Resume and RenderCV, so that both exports are the whole CV."""

from __future__ import annotations

import re
from typing import Any

from pubsite.model.site import Profile
from pubsite.render.formats import rendercv_escape

_ISO = re.compile(r"[12]\d{3}(-\d{2}(-\d{2})?)?")


def _iso(date: str) -> str:
    """A date both schemas accept (2019, 2019-09, 2019-09-01), else nothing."""
    return date if _ISO.fullmatch(date) else ""


def _put(item: dict[str, Any], **values: str) -> dict[str, Any]:
    item.update({k: v for k, v in values.items() if v})
    return item


def jsonresume(profile: Profile) -> dict[str, Any]:
    """basics, work, education and awards in JSON Resume's shape (its schema has no
    talks, teaching or service)."""
    basics = _put({"name": profile.name}, summary=profile.description,
                  label=profile.positions[0].title if profile.positions else "",
                  url=profile.base_url and profile.base_url.rstrip("/") + "/")
    profiles = [{"network": link.label, "url": link.url} for link in profile.links
                if link.url.startswith(("https://", "http://"))]
    if profiles:
        basics["profiles"] = profiles
    out: dict[str, Any] = {"basics": basics}
    work = [_put({}, name=p.organization, position=p.title, url=p.url, summary=p.summary,
                 startDate=_iso(p.start_date), endDate=_iso(p.end_date))
            for p in profile.positions]
    education = [_put({}, institution=e.institution, area=e.area, studyType=e.study_type,
                      url=e.url, startDate=_iso(e.start_date), endDate=_iso(e.end_date))
                 for e in profile.education]
    awards = [_put({}, title=a.title, awarder=a.awarder, summary=a.summary,
                   date=_iso(a.date)) for a in profile.awards]
    for name, items in (("work", work), ("education", education), ("awards", awards)):
        if items:
            out[name] = items
    return out


def rendercv(profile: Profile) -> dict[str, list[dict[str, str]]]:
    """RenderCV's sections (experience, education, awards, talks, teaching, service), the
    text escaped for its Markdown and Typst; a date that is not ISO goes to `date`."""
    esc = rendercv_escape

    def when(start: str, end: str) -> dict[str, str]:
        if _iso(start) and (not end or _iso(end)):
            return _put({}, start_date=start, end_date=end or "present")
        return _put({}, date=esc(" – ".join(x for x in (start, end) if x)))

    sections = {
        "Experience": [{**_put({}, company=esc(p.organization), position=esc(p.title)),
                        **when(p.start_date, p.end_date)} for p in profile.positions],
        "Education": [{**_put({}, institution=esc(e.institution), area=esc(e.area),
                              degree=esc(e.study_type)), **when(e.start_date, e.end_date)}
                      for e in profile.education],
        "Awards": [_put({"name": esc(a.title)}, date=esc(a.date), location=esc(a.awarder))
                   for a in profile.awards],
        "Talks": [_put({"name": esc(t.title)}, date=esc(t.date), location=esc(t.event))
                  for t in profile.talks],
        "Teaching": [_put({"name": esc(t.course)}, date=esc(t.date),
                          location=esc(", ".join(x for x in (t.role, t.institution) if x)))
                     for t in profile.teaching],
        "Service": [_put({"name": esc(s.role)}, date=esc(s.date),
                         location=esc(s.organization)) for s in profile.service],
    }
    return {title: items for title, items in sections.items() if items}
