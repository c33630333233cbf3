"""Hostile input: XSS in a real browser, hostile keys, LaTeX, encodings, pathological files,
determinism."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pubsite.cli import main
from pubsite.render import templating

from conftest import ROOT, StaticServer

# Each payload would set window.__pwned (or add an on* handler) if it reached the page raw.
PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '"><svg onload=window.__pwned=1>',
    "'><img src=x onerror=window.__pwned=1>",
    "</script><script>window.__pwned=1</script>",
    "javascript:window.__pwned=1",
    "JaVaScRiPt:window.__pwned=1",
    "java\tscript:window.__pwned=1",
    "\x01javascript:window.__pwned=1",
    "&#106;avascript:window.__pwned=1",
    "data:text/html,<script>window.__pwned=1</script>",
    "[click](javascript:window.__pwned=1)",
    "{{7*7}}",
]
URL_FIELDS = ["arxiv", "code", "slides", "project", "url", "pdf", "video"]
TEXT_FIELDS = ["title", "venue", "venue_note", "award", "also", "abstract", "keywords",
               "journal", "booktitle", "note", "doi", "publisher"]


def _bib_value(text: str) -> str:
    # Keep BibTeX's own syntax intact so that the payload reaches the value.
    return text.replace("{", "\\{").replace("}", "\\}").replace("\\{\\{7*7\\}\\}",
                                                                "\\{\\{7*7\\}\\}")


def hostile_project(folder: Path) -> None:
    entries = []
    for i, payload in enumerate(PAYLOADS):
        fields = {name: _bib_value(payload) for name in TEXT_FIELDS}
        fields["author"] = f"Ada Lovelace and Eve {_bib_value(payload).replace(',', ' ')} Mallory"
        fields["year"] = "2020"
        for name in URL_FIELDS:
            fields[name] = _bib_value(payload)
        fields["links"] = f"[{_bib_value(payload)}]({payload.replace(')', '%29')})"
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        entries.append(f"@inproceedings{{k{i}<'&>,\n{body}\n}}\n")
    (folder / "publications.bib").write_text("\n".join(entries), encoding="utf-8")

    def toml_str(s: str) -> str:
        return json.dumps(s)

    p = PAYLOADS
    lines = [
        f"name = {toml_str('Ada Lovelace ' + p[1])}",
        f"description = {toml_str(p[4])}",
        f"title = {toml_str(p[0])}",
        f"email = {toml_str('ada@example.org' + p[2])}",
        f"photo_alt = {toml_str(p[3])}",
        f"email_display = {toml_str(p[1])}",
        f"lang = {toml_str(p[2])}",
        f"news_heading = {toml_str(p[0])}",
        f"about = {toml_str(' '.join(p) + ' <b>raw</b> [x](javascript:alert(1))')}",
        "[owner]",
        'name = "Ada Lovelace"',
        "[publications]",
        f"heading = {toml_str(p[1])}",
        "[coauthors]",
        f"{toml_str('Eve Mallory')} = {toml_str(p[5])}",
        "[marks.equal]",
        f"symbol = {toml_str('*')}",
        f"legend = {toml_str(p[2])}",
        "[marks.advisee]",
        f"symbol = {toml_str(p[1])}",
        f"legend = {toml_str(p[3])}",
    ]
    for payload in PAYLOADS:
        lines += ["[[positions]]", f"title = {toml_str(payload)}",
                  f"organization = {toml_str(payload)}", f"url = {toml_str(payload)}",
                  "[[links]]", f"label = {toml_str(payload)}", f"url = {toml_str(payload)}",
                  "[[news]]", f"text = {toml_str(payload)}", f"date = {toml_str(payload)}",
                  "[[sections]]", f"title = {toml_str(payload)}", f"body = {toml_str(payload)}"]
    (folder / "profile.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def audit(browser: Any, site: Path) -> list[str]:
    """Load every page; report any payload that ran or any link with a refused scheme."""
    problems: list[str] = []
    server = StaticServer(site)
    try:
        page = browser.new_page()
        pages = ["index.html", *(str(p.relative_to(site)) for p in
                                 sorted(site.glob("publications/*/index.html")))]
        for rel in pages:
            page.goto(server.url + rel)
            page.wait_for_load_state("load")
            page.wait_for_timeout(50)
            if page.evaluate("window.__pwned === 1"):
                problems.append(f"{rel}: a payload ran")
            handlers = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(
                el => [...el.attributes].filter(a => a.name.startsWith('on'))
                .map(a => el.tagName + '@' + a.name))""")
            if handlers:
                problems.append(f"{rel}: event handler attributes {handlers[:3]}")
            scripts = page.evaluate("""theme => [...document.scripts].filter(
                s => s.type !== 'application/ld+json' && !(s.src || '').endsWith('site.js')
                && s.textContent !== theme).length""", THEME_SCRIPT)
            if scripts:
                problems.append(f"{rel}: {scripts} injected script element(s)")
            schemes = page.evaluate("""() => [...document.querySelectorAll(
                'a[href], img[src], link[href], iframe, form[action], object, embed')]
                .map(el => new URL(el.href || el.src || el.action || el.data || 'about:blank',
                     location.href).protocol)""")
            bad = sorted({s for s in schemes if s not in ("http:", "https:", "mailto:")})
            if bad:
                problems.append(f"{rel}: links with schemes {bad}")
            if rel == "index.html" and "{{7*7}}" not in page.inner_text("body"):
                problems.append("template syntax was evaluated, or the text was lost")
        page.close()
    finally:
        server.close()
    return problems


def _build(folder: Path) -> Path:
    result = CliRunner().invoke(main, ["build", "--bib", str(folder / "publications.bib"),
                                       "--profile", str(folder / "profile.toml"),
                                       "--out", str(folder / "site"), "--keep-going"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return folder / "site"


# The one inline script pubsite writes (the stored theme before the first paint), as the
# template has it: any other inline script is injected.
THEME_SCRIPT = re.search(r"<script>(try\{.*?)</script>",
                         (ROOT / "templates" / "html" / "base.html").read_text()).group(1)  # type: ignore[union-attr]


@pytest.mark.browser
def test_no_payload_runs_and_every_link_is_allowed(browser: Any, tmp_path: Path) -> None:
    hostile_project(tmp_path)
    site = _build(tmp_path)
    html = (site / "index.html").read_text()
    assert "{{7*7}}" in html
    # every hostile entry reached the page, with its payload shown as text
    assert html.count('<li class="pub"') == len(PAYLOADS)
    assert html.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") >= 10
    assert audit(browser, site) == []


@pytest.fixture
def unescaped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A deliberately broken HTML renderer: autoescape off, every URL let through."""
    import jinja2

    from pubsite.model import urls

    real = jinja2.Environment

    def broken(*args: Any, **kwargs: Any) -> jinja2.Environment:
        kwargs["autoescape"] = False
        return real(*args, **kwargs)

    templating.environment.cache_clear()
    monkeypatch.setattr(jinja2, "Environment", broken)
    monkeypatch.setattr(urls, "check_url", lambda url, allowed=urls.WEB: (url, ""))
    yield
    templating.environment.cache_clear()


@pytest.mark.browser
def test_the_audit_catches_an_unescaped_render(browser: Any, tmp_path: Path,
                                               unescaped: None) -> None:
    hostile_project(tmp_path)
    site = _build(tmp_path)
    problems = audit(browser, site)
    assert any("payload ran" in p for p in problems)
    assert any("schemes" in p for p in problems)


def test_refused_links_are_reported_and_left_out(tmp_path: Path) -> None:
    hostile_project(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--bib", str(tmp_path / "publications.bib"),
                                       "--profile", str(tmp_path / "profile.toml"),
                                       "--format", "json"])
    found = json.loads(result.output)
    refused = [d for d in found if d["rule"] == "url-scheme"]
    # every payload that is a non-http scheme, in every URL field of the bib and profile
    assert len(refused) >= 7 * len(URL_FIELDS)
    assert all(d["line"] for d in refused)
    assert result.exit_code == 1


def test_markdown_output_is_inert(tmp_path: Path) -> None:
    hostile_project(tmp_path)
    site = _build(tmp_path)
    from markdown_it import MarkdownIt

    md = (site / "index.md").read_text()
    assert "{{" not in md and "{%" not in md
    html = MarkdownIt("commonmark").render(md)  # html on: the way GitHub or Jekyll read it
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert 'href="javascript' not in html.lower() and "href=\"data:" not in html.lower()


HOSTILE_KEYS = ["../../x", "/abs/x", "DBLP:conf/a/B", "CON", "x" * 300,
                "Müller", "Mu\u0308ller", "aux", "a b", "..", ".hidden", "AUX.txt"]


def test_hostile_keys_give_safe_unique_slugs(tmp_path: Path) -> None:
    entries = "".join(f"@misc{{{k.replace(' ', '_')}, title = {{T{i}}}, author = {{Ada}}}}\n"
                      for i, k in enumerate(HOSTILE_KEYS))
    (tmp_path / "publications.bib").write_text(entries, encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Ada"\n')
    site = _build(tmp_path)
    pages = sorted(p.parent.name for p in (site / "publications").glob("*/index.html"))
    data = json.loads(CliRunner().invoke(main, [
        "export", "--format", "json", "--bib", str(tmp_path / "publications.bib"),
        "--profile", str(tmp_path / "profile.toml")]).output)
    slugs = [p["slug"] for p in data["publications"]]
    assert len(set(slugs)) == len(slugs) == len(pages)
    assert sorted(slugs) == pages
    for slug in slugs:
        assert slug and len(slug) <= 64
        assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in slug)
        assert slug not in ("con", "aux", "nul")
    assert len({s.casefold() for s in slugs}) == len(slugs)
    for path in site.rglob("*"):
        assert path.resolve().is_relative_to(site.resolve())
    assert not (tmp_path / "x").exists() and not Path("/abs/x").exists()


def test_a_nul_byte_is_an_error_with_its_line_and_never_reaches_a_page(tmp_path: Path) -> None:
    (tmp_path / "publications.bib").write_bytes(
        b"@misc{ok, title = {T}, author = {Ada}}\n\n@misc{nul\x00key, title = {T\x00x},"
        b" author = {Ada}}\n")
    (tmp_path / "profile.toml").write_text('name = "Ada"\n')
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--bib",
                                       str(tmp_path / "publications.bib"), "--profile",
                                       str(tmp_path / "profile.toml")])
    found = [d for d in json.loads(result.output) if d["rule"] == "control-character"]
    assert result.exit_code == 1
    assert [(d["line"], "NUL" in d["message"]) for d in found] == [(3, True)]
    built = CliRunner().invoke(main, ["build", "--keep-going", "--bib",
                                      str(tmp_path / "publications.bib"), "--profile",
                                      str(tmp_path / "profile.toml"), "--out",
                                      str(tmp_path / "_site")])
    assert built.exit_code == 0
    for page in (tmp_path / "_site").rglob("*"):
        if page.is_file():
            assert b"\x00" not in page.read_bytes(), page


def test_utf16_with_a_byte_order_mark_is_named_with_the_right_advice(tmp_path: Path) -> None:
    (tmp_path / "publications.bib").write_bytes(
        "@misc{k, title = {Über}, author = {Ada}}\n".encode("utf-16"))
    (tmp_path / "profile.toml").write_text('name = "Ada"\n')
    result = CliRunner().invoke(main, ["validate", "--bib", str(tmp_path / "publications.bib"),
                                       "--profile", str(tmp_path / "profile.toml")])
    assert result.exit_code == 0  # read as UTF-16, and said so
    assert "file is UTF-16, not UTF-8" in result.output
    assert "iconv -f UTF-16 -t UTF-8 publications.bib" in result.output
    assert "CP1252" not in result.output
    exported = CliRunner().invoke(main, ["export", "--format", "json", "--bib",
                                         str(tmp_path / "publications.bib"), "--profile",
                                         str(tmp_path / "profile.toml")])
    assert json.loads(exported.stdout)["publications"][0]["title"] == "Über"


def test_same_inputs_give_byte_identical_output(tmp_path: Path) -> None:
    outputs = []
    for i, env in enumerate([{"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C.UTF-8"},
                             {"PYTHONHASHSEED": "99", "TZ": "Asia/Kolkata",
                              "LC_ALL": "C", "LANG": "de_DE.UTF-8"}]):
        folder = tmp_path / f"run{i}" / ("deep" * (i + 1))
        folder.mkdir(parents=True)
        for name in ("publications.bib", "profile.toml"):
            (folder / name).write_bytes((ROOT / name).read_bytes())
        result = subprocess.run([sys.executable, "-m", "pubsite", "build", "-q"], cwd=folder,
                                env={**os.environ, **env}, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        site = folder / "_site"
        # The manifest is pubsite's own record (it holds each file's mtime), not the site.
        outputs.append({str(p.relative_to(site)): p.read_bytes()
                        for p in sorted(site.rglob("*"))
                        if p.is_file() and p.name != ".pubsite-manifest.json"})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 30


@pytest.mark.parametrize(("name", "data", "rule"), [
    ("bom", b"\xef\xbb\xbf@misc{a, title = {BOM}, author = {Ada}}\n", None),
    ("crlf", b"@misc{a,\r\n title = {CRLF},\r\n author = {Ada}}\r\n", None),
    ("latin1", "@misc{a, title = {Café}, author = {Ada}}\n".encode("latin-1"), "encoding"),
    ("cp1252", "@misc{a, title = {“quoted”}, author = {Ada}}\n".encode("cp1252"), "encoding"),
    ("gbk", "@misc{a, title = {中文标题测试}, author = {Ada}}\n".encode("gbk"), "encoding"),
])
def test_encodings(tmp_path: Path, name: str, data: bytes, rule: str | None) -> None:
    (tmp_path / "publications.bib").write_bytes(data)
    (tmp_path / "profile.toml").write_text('name = "Ada"\n')
    result = CliRunner().invoke(main, ["validate", "--bib", str(tmp_path / "publications.bib"),
                                       "--profile", str(tmp_path / "profile.toml"),
                                       "--format", "json"])
    found = json.loads(result.output)
    rules = [d["rule"] for d in found]
    if rule is None:
        assert result.exit_code == 0, found
        site = _build(tmp_path)
        assert "<li class=\"pub\"" in (site / "index.html").read_text()
    else:
        assert rule in rules
        hit = next(d for d in found if d["rule"] == rule)
        expected = {"latin1": "CP1252", "cp1252": "CP1252", "gbk": "GBK"}[name]
        assert expected in hit["message"]


def _patho(kind: str) -> str:
    if kind == "deep-braces":
        return "@misc{a, title = {" + "{" * 20000 + "x" + "}" * 20000 + "}}\n"
    if kind == "big-field":
        return "@misc{a, author={Ada}, title={T}, abstract = {" + "w \\\"u " * 1_000_000 + "}}\n"
    if kind == "unterminated":
        return "".join(f"@misc{{k{i}, title = {{x\n" for i in range(3000))
    if kind == "self-string":
        return '@string{a = a # "x"}\n@misc{k, title = a, author = {Ada}}\n'
    if kind == "billion-laughs":
        return '@string{s0 = "ha"}\n' + "".join(
            f"@string{{s{i + 1} = s{i} # s{i}}}\n" for i in range(64)) + \
            "@misc{k, title = s64, author = {Ada}}\n"
    if kind == "concatenations":
        return '@string{a = "x"}\n@misc{k, author = {Ada}, title = ' + \
            " # ".join(["a"] * 100_000) + "}\n"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["deep-braces", "big-field", "unterminated", "self-string",
                                  "billion-laughs", "concatenations"])
def test_pathological_files_finish_with_diagnostics(tmp_path: Path, kind: str) -> None:
    """A hang guard, not a timing test: bench/ measures the ratio to a bare parse."""
    (tmp_path / "publications.bib").write_text(_patho(kind), encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Ada"\n')
    result = subprocess.run([sys.executable, "-m", "pubsite", "build", "--keep-going", "-q"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=240,
                            env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert (tmp_path / "_site" / "index.html").is_file()


def test_toml_blow_ups_are_refused(tmp_path: Path) -> None:
    (tmp_path / "publications.bib").write_text("@misc{a, title={T}, author={Ada}}\n")
    (tmp_path / "profile.toml").write_text('name = "Ada"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--bib",
                                       str(tmp_path / "publications.bib"), "--profile",
                                       str(tmp_path / "profile.toml")])
    assert result.exit_code == 1
    assert json.loads(result.output)[0]["rule"] == "profile-too-deep"
    (tmp_path / "profile.toml").write_text('name = "Ada"\n' + "a.b.c = 1\n" * 100_000)
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--bib",
                                       str(tmp_path / "publications.bib"), "--profile",
                                       str(tmp_path / "profile.toml")])
    assert json.loads(result.output)[0]["rule"] == "profile-too-large"


FIELD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


KEY_TEXT = st.text(min_size=1, max_size=30).filter(
    lambda k: not any(c in k for c in ",{}()= \t\n\"#%'@\\"))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(key=KEY_TEXT, title=FIELD_TEXT, author=FIELD_TEXT)
def test_any_entry_builds_to_parseable_html_inside_the_output(tmp_path: Path, key: str,
                                                              title: str, author: str) -> None:
    import html5lib

    folder = tmp_path / "h"
    folder.mkdir(exist_ok=True)
    safe = lambda s: s.replace("{", "").replace("}", "").replace("\\", "")  # noqa: E731
    (folder / "publications.bib").write_text(
        f"@misc{{{key}, title = {{{safe(title)}}}, author = {{{safe(author)}}}}}\n",
        encoding="utf-8")
    (folder / "profile.toml").write_text('name = "Ada"\n')
    out = folder / "site"
    result = CliRunner().invoke(main, ["build", "--bib", str(folder / "publications.bib"),
                                       "--profile", str(folder / "profile.toml"), "--out",
                                       str(out), "--keep-going", "-q"])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    parser = html5lib.HTMLParser(strict=True)
    for page in out.rglob("*.html"):
        assert page.resolve().is_relative_to(out.resolve())
        parser.parse(page.read_text(encoding="utf-8"))


BIB_FIELD = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                           blacklist_characters="{}\\"), max_size=30)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(
    st.from_regex(r"[A-Za-z][A-Za-z0-9:_\-]{0,12}", fullmatch=True),
    st.dictionaries(st.sampled_from(["title", "author", "year", "note", "journal", "url",
                                     "venue", "award", "keywords", "x-custom"]),
                    BIB_FIELD, min_size=1, max_size=6),
    min_size=1, max_size=5))
def test_bibtex_export_keeps_every_key_and_cited_field(tmp_path: Path,
                                                 entries: dict[str, dict[str, str]]) -> None:
    from pubsite.errors import Diagnostics
    from pubsite.read import bib as bibmod

    folded: dict[str, dict[str, str]] = {}
    for key, fields in entries.items():
        folded.setdefault(key.casefold(), {"key": key, **fields})
    text = "".join(
        "@misc{" + e["key"] + ",\n" + "".join(f"  {k} = {{{v}}},\n" for k, v in e.items()
                                                if k != "key") + "}\n"
        for e in folded.values())
    folder = tmp_path / "rt"
    folder.mkdir(exist_ok=True)
    (folder / "publications.bib").write_text(text, encoding="utf-8")
    (folder / "profile.toml").write_text('name = "Ada"\n')
    result = CliRunner().invoke(main, ["export", "--format", "bibtex", "--bib",
                                       str(folder / "publications.bib"), "--profile",
                                       str(folder / "profile.toml")])
    if result.exit_code == 1:
        return  # an input with errors (a refused URL) is not exported, by design
    assert result.exit_code == 0, result.output
    d = Diagnostics()
    again = {e.key: e.fields for e in bibmod.parse(result.stdout, "x.bib", d).entries}
    original = {e.key: e.fields for e in bibmod.parse(text, "y.bib", Diagnostics()).entries}
    assert again.keys() == original.keys()
    from pubsite.read.normalise import CITE_FIELDS

    for key, fields in original.items():
        # Names lose their marks in a citation; every other cited field is kept as it is,
        # and the homepage's own fields (venue, award, ...) and empty fields (which say
        # nothing, and `month = ,` stops bibtex) are left out.
        cited = {k: " ".join(v.split()) for k, v in fields.items()
                 if k in CITE_FIELDS and k != "author" and v.strip()}
        assert {k: v for k, v in again[key].items() if k != "author"} == cited
        assert ("author" in again[key]) == bool(fields.get("author", "").strip())


# --- nothing from a checkout runs -----------------------------------------------------

@pytest.mark.parametrize("expression", [
    "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('touch PWNED').read() }}",
])
def test_user_templates_are_sandboxed(tmp_path: Path, expression: str) -> None:
    for name in ("publications.bib", "profile.toml"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    folder = tmp_path / "templates" / "html"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<p>ok</p>\n\n" + expression + "\n")
    result = CliRunner().invoke(main, ["build", "--bib", str(tmp_path / "publications.bib"),
                                       "--profile", str(tmp_path / "profile.toml"),
                                       "--out", str(tmp_path / "_site")])
    assert result.exit_code == 1
    assert re.search(r"templates/html/index\.html:3: refused: access to attribute '__\w+__' "
                     r"of '\w+' object is unsafe\. Templates run sandboxed", result.output), \
        result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


@pytest.mark.parametrize("about", [
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: data:text/html;base64,PHNjcmlwdD4=",
    "[a [b]](javascript:alert(1))",
    "![](javascript:alert(1))",
    "[ok](data:text/html,x)",
])
def test_profile_markdown_links_pass_one_allow_list(tmp_path: Path, about: str) -> None:
    (tmp_path / "publications.bib").write_text("@misc{k, title={T}, author={Ada}}\n")
    (tmp_path / "profile.toml").write_text(f'name = "Ada"\nabout = """{about}"""\n')
    args = ["--bib", str(tmp_path / "publications.bib"), "--profile",
            str(tmp_path / "profile.toml")]
    checked = CliRunner().invoke(main, ["validate", *args])
    assert checked.exit_code == 1 and "url-scheme" in checked.output
    built = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "s"),
                                      "--keep-going"])
    assert built.exit_code == 0
    from markdown_it import MarkdownIt

    for page in ("index.md", "index.html"):
        text = (tmp_path / "s" / page).read_text()
        html = MarkdownIt("commonmark").render(text) if page == "index.md" else text
        assert 'href="javascript' not in html.lower() and 'href="data:' not in html.lower()
        assert 'src="javascript' not in html.lower()


def test_a_photo_outside_the_project_is_never_copied(tmp_path: Path) -> None:
    (tmp_path / "publications.bib").write_text("@misc{k, title={T}, author={Ada}}\n")
    (tmp_path / "profile.toml").write_text('name = "Ada"\nphoto = "/etc/passwd"\n')
    result = CliRunner().invoke(main, ["build", "--keep-going", "--bib",
                                       str(tmp_path / "publications.bib"), "--profile",
                                       str(tmp_path / "profile.toml"), "--out",
                                       str(tmp_path / "s")])
    assert result.exit_code == 0
    assert "leaves the project folder" in result.output
    assert not (tmp_path / "s" / "assets" / "passwd").exists()
    assert "passwd" not in (tmp_path / "s" / "index.html").read_text()


def test_ctrl_c_prints_one_line_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    import synth_helper

    synth_helper.write(tmp_path / "publications.bib", 3000)
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    proc = subprocess.Popen([sys.executable, "-m", "pubsite", "build", "-q", "--keep-going"],
                            cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    import time

    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().count("\n") == 0 and "interrupted" in err
    leftovers = [p.name for p in tmp_path.rglob("*") if "pubsite-tmp" in p.name
                 or p.name == ".pubsite-journal" or "pubsite-old" in p.name]
    assert leftovers == []
