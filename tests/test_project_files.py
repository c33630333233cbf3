"""Files of a checkout someone else prepared (a pull request previewed in CI): templates,
their assets, the photo, linked PDFs and previews. Each is read only if it is a regular
file inside the project and under its cap; a build never publishes a file from elsewhere,
never hangs on a FIFO or /proc, and a template that fails or runs without end stops the
build with its file and line. Every test runs `pubsite build` as a user does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import ROOT

INDEX = 'templates/html/index.html'


def make_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("publications.bib", "profile.toml"):
        shutil.copy(ROOT / name, folder / name)
    return folder


def user_index(project: Path, body: str) -> None:
    """templates/html/index.html: the built-in page with `body` on line 3 as its main part."""
    path = project / INDEX
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{% extends "default:html/index.html" %}\n{% block main %}\n'
                    f"{body}\n{{% endblock %}}\n")


def build(project: Path, *extra: str, env: dict[str, str] | None = None,
          prelude: str = "") -> subprocess.CompletedProcess[str]:
    """`pubsite build` in the project; a minute at most (a hang fails the test). `prelude`
    runs first in the same process (to shorten a limit)."""
    code = f"{prelude}\nfrom pubsite.cli import main\nmain()"
    return subprocess.run([sys.executable, "-c", code, "build", "--out", "_site", *extra],
                          cwd=project, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def published(project: Path, result: subprocess.CompletedProcess[str]) -> bytes:
    """Everything the build put out: every file of the site and what it printed."""
    site = project / "_site"
    files = [p.read_bytes() for p in site.rglob("*") if p.is_file() and not p.is_symlink()]
    return b"\n".join([*files, result.stdout.encode(), result.stderr.encode()])


def set_photo(project: Path, value: str) -> int:
    """photo = value in profile.toml, on line 1 (before any table); its line."""
    path = project / "profile.toml"
    path.write_text(f'photo = "{value}"\n' + path.read_text())
    return 1


def secret_file(outside: Path) -> tuple[Path, str]:
    secret = f"SECRET-{uuid.uuid4().hex}"
    path = outside / "secret.txt"
    path.write_text(secret + "\n")
    return path, secret


# --- templates and their assets ---------------------------------------------------------

def test_a_template_symlinked_to_a_file_outside_the_project_stops_the_build(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = make_project(tmp_path / "site")
    target, secret = secret_file(tmp_path_factory.mktemp("outside"))
    user_index(project, '{% include "html/env.html" %}')
    (project / "templates/html/env.html").symlink_to(target)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "templates/html/env.html: is a symlink to a file outside the project folder; " \
           "replace it with a regular file" in result.stderr
    assert secret.encode() not in published(project, result)
    assert not (project / "_site").exists()


def test_validate_reports_a_template_the_build_would_refuse(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = make_project(tmp_path / "site")
    target, secret = secret_file(tmp_path_factory.mktemp("outside"))
    (project / "templates/html").mkdir(parents=True)
    (project / "templates/html/env.html").symlink_to(target)
    result = subprocess.run([sys.executable, "-m", "pubsite", "validate", "--format", "json"],
                            cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    [found] = [d for d in json.loads(result.stdout) if d["rule"] == "template-refused"]
    assert (found["severity"], found["file"]) == ("error", "templates/html/env.html")
    assert found["message"].startswith("is a symlink to a file outside the project folder")
    assert secret not in result.stdout


def test_a_template_symlinked_to_proc_self_environ_publishes_no_variable(
        tmp_path: Path) -> None:
    project = make_project(tmp_path)
    secret = f"token-{uuid.uuid4().hex}"
    user_index(project, '{% include "html/env.html" %}')
    (project / "templates/html/env.html").symlink_to("/proc/self/environ")
    result = build(project, env={"PUBSITE_TEST_CI_TOKEN": secret})
    assert result.returncode == 1, result.stderr
    assert "templates/html/env.html: is a symlink to a file outside the project folder" \
        in result.stderr
    assert secret.encode() not in published(project, result)


def test_a_symlinked_stylesheet_override_is_refused(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = make_project(tmp_path)
    target, secret = secret_file(tmp_path_factory.mktemp("outside"))
    assets = project / "templates/html/assets"
    assets.mkdir(parents=True)
    (assets / "style.css").symlink_to(target)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "templates/html/assets/style.css: is a symlink to a file outside the project " \
           "folder" in result.stderr
    assert secret.encode() not in published(project, result)


def test_a_templates_folder_symlinked_out_of_the_project_is_refused(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = make_project(tmp_path)
    outside = tmp_path_factory.mktemp("outside")
    _target, secret = secret_file(outside)
    (outside / "index.html").write_text("{% include 'html/secret.txt' %}\n")
    (project / "templates").mkdir()
    (project / "templates/html").symlink_to(outside)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "templates/html: is a symlink to a folder outside the project folder" \
        in result.stderr
    assert secret.encode() not in published(project, result)


def test_a_fifo_template_stops_the_build_without_hanging(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    user_index(project, '{% include "html/pipe.html" %}')
    os.mkfifo(project / "templates/html/pipe.html")
    result = build(project)  # a read of the FIFO would wait for a writer: the timeout
    assert result.returncode == 1, result.stderr
    assert "templates/html/pipe.html: is not a regular file" in result.stderr


def test_a_symlink_to_a_template_inside_the_project_still_works(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "shared").mkdir()
    (project / "shared/part.html").write_text("<p>from a shared part</p>\n")
    user_index(project, '{% include "html/part.html" %}')
    (project / "templates/html/part.html").symlink_to(project / "shared/part.html")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "<p>from a shared part</p>" in (project / "_site/index.html").read_text()


# --- the photo ----------------------------------------------------------------------------

def test_a_photo_in_proc_is_a_profile_error_not_a_hang(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    line = set_photo(project, "/proc/kmsg")
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert f"profile.toml:{line}" in result.stderr
    assert "'photo' = '/proc/kmsg' leaves the project folder" in result.stderr


def test_a_photo_reaching_proc_self_mem_by_dots_is_a_profile_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    up = "../" * len(project.resolve().parts[1:]) + "proc/self/mem"
    set_photo(project, up)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert f"'photo' = '{up}' leaves the project folder" in result.stderr
    assert "Input/output error" not in result.stderr


def test_a_fifo_photo_is_a_profile_error_not_a_hang(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    os.mkfifo(project / "me.jpg")
    line = set_photo(project, "me.jpg")
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert f"profile.toml:{line}" in result.stderr
    assert "'photo' = 'me.jpg' is not a regular file" in result.stderr


def test_a_photo_over_the_cap_is_a_profile_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    with (project / "me.jpg").open("wb") as f:
        f.truncate(101 * 2**20)  # sparse: no disk used
    set_photo(project, "me.jpg")
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "'photo' = 'me.jpg' is 105,906,176 bytes; the limit is 104,857,600" \
        in result.stderr
    assert "at most 100 MiB" in result.stderr


def test_a_photo_named_like_the_stylesheet_is_a_user_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "style.css").write_bytes(b"\x89PNG not really\n")
    set_photo(project, "style.css")
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "photo = 'style.css' would be copied to assets/style.css, where the site's own " \
           "stylesheet goes; rename the photo" in result.stderr
    assert "internal" not in result.stderr


# --- linked files and previews ---------------------------------------------------------

def _link_entry(project: Path, field: str, value: str) -> None:
    with (project / "publications.bib").open("a") as f:
        f.write(f"\n@misc{{linked2024,\n  title = {{Linked}},\n  author = {{Ada Lovelace}},\n"
                f"  year = {{2024}},\n  {field} = {{{value}}},\n}}\n")


def _sparse_png(path: Path) -> None:
    """A PNG header (a 64x48 image as imagesize reads it) in a sparse file of 101 MiB."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big")
                + (48).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00")
        f.truncate(101 * 2**20)


def test_a_linked_pdf_over_the_cap_is_left_out_with_the_reason(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "papers").mkdir()
    with (project / "papers/big.pdf").open("wb") as f:
        f.truncate(101 * 2**20)
    _link_entry(project, "pdf", "papers/big.pdf")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "link 'PDF' of linked2024 names a file pubsite will not publish (papers/big.pdf " \
           "is 105,906,176 bytes; the limit is 104,857,600)" in result.stderr
    assert "at most 100 MiB" in result.stderr
    assert not (project / "_site/papers/big.pdf").exists()
    assert "papers/big.pdf" not in (project / "_site/index.html").read_text()


def test_a_linked_pdf_symlinked_out_of_the_project_is_left_out(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = make_project(tmp_path)
    target, secret = secret_file(tmp_path_factory.mktemp("outside"))
    (project / "paper.pdf").symlink_to(target)
    _link_entry(project, "pdf", "paper.pdf")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "(paper.pdf is a symlink to a file outside the project folder)" in result.stderr
    assert secret.encode() not in published(project, result)


def test_a_linked_pdf_symlinked_to_a_hidden_file_of_the_project_is_left_out(
        tmp_path: Path) -> None:
    project = make_project(tmp_path)
    secret = f"token-{uuid.uuid4().hex}"
    (project / ".git").mkdir()
    (project / ".git/config").write_text(f"[http]\n\textraheader = AUTHORIZATION: {secret}\n")
    (project / "paper.pdf").symlink_to(".git/config")
    _link_entry(project, "pdf", "paper.pdf")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "(paper.pdf is a symlink to a hidden file (.git); those are never published)" \
        in result.stderr
    assert secret.encode() not in published(project, result)


def test_a_photo_symlinked_to_a_hidden_file_of_the_project_is_a_profile_error(
        tmp_path: Path) -> None:
    project = make_project(tmp_path)
    secret = f"token-{uuid.uuid4().hex}"
    (project / ".env").write_text(f"API_TOKEN={secret}\n")
    (project / "me.jpg").symlink_to(".env")
    set_photo(project, "me.jpg")
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "'photo' = 'me.jpg' is a symlink to a hidden file (.env)" in result.stderr
    assert secret.encode() not in published(project, result)


def test_a_linked_fifo_is_left_out_without_hanging(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    os.mkfifo(project / "paper.pdf")
    _link_entry(project, "pdf", "paper.pdf")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "(paper.pdf is not a regular file)" in result.stderr
    assert not (project / "_site/paper.pdf").exists()


def test_a_preview_over_the_cap_is_left_out_with_the_reason(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    _sparse_png(project / "assets/img/publication_preview/fig.png")
    _link_entry(project, "preview", "fig.png")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "the preview of linked2024 is a file pubsite will not publish " \
           "(assets/img/publication_preview/fig.png is 105,906,176 bytes; the limit is " \
           "104,857,600)" in result.stderr
    assert not (project / "_site/assets/img/publication_preview/fig.png").exists()


# --- templates that fail or do not end -----------------------------------------------------

@pytest.mark.parametrize(("body", "error"), [
    ("{{ 1/0 }}", "ZeroDivisionError: division by zero"),
    ('{% include "html/index.html" %}', "RecursionError: maximum recursion depth exceeded"),
    ("{{ profile.name + 1 }}", "TypeError: "),
])
def test_a_template_that_fails_names_its_file_and_line(tmp_path: Path, body: str,
                                                       error: str) -> None:
    project = make_project(tmp_path)
    user_index(project, body)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert f"{INDEX}:3: the template failed: {error}" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("body", [
    # Loops without a call inside: each step is checked.
    "{% set r = range(100000) %}{% for i in r %}{% for j in r %}{% for k in r %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    # A macro calling itself twice at each of 60 levels: each call is checked.
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
    "{{ f(60) }}",
])
def test_a_template_that_runs_without_end_is_stopped(tmp_path: Path, body: str) -> None:
    project = make_project(tmp_path)
    user_index(project, body)
    # The budget shortened to 2 s so that the test is quick; without one, it never ends.
    result = build(project, prelude="import pubsite.render.templating as t\n"
                   "t.TEMPLATE_SECONDS, t.SECONDS_PER_ENTRY = 2.0, 0.0")
    assert result.returncode == 1, result.stderr
    assert f"{INDEX}:3: stopped: the templates ran longer than 2 s" in result.stderr


@pytest.mark.parametrize("body", ['{{ "x" * 10**9 }}', "{{ 3 ** 1000000000 }}"])
def test_a_template_value_too_large_to_make_is_refused(tmp_path: Path, body: str) -> None:
    project = make_project(tmp_path)
    user_index(project, body)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert f"{INDEX}:3: stopped: " in result.stderr
    assert "the limit is 10,000,000" in result.stderr


def test_placeholder_text_is_capped_to_one_short_step(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    user_index(project, "<div id=lorem>{{ lipsum(10**8, max=10**8) }}</div>")
    result = build(project)  # uncapped, one call that never returns: the timeout
    assert result.returncode == 0, result.stderr
    page = (project / "_site/index.html").read_text()
    lorem = page[page.index("<div id=lorem>"):page.index("</div>", page.index("<div id=lorem>"))]
    assert lorem.count("<p>") == 100


# --- the inputs themselves ------------------------------------------------------------

@pytest.mark.parametrize("which", ["publications.bib", "profile.toml"])
def test_an_input_that_is_a_fifo_is_refused_without_hanging(tmp_path: Path,
                                                             which: str) -> None:
    project = make_project(tmp_path / "p")
    (project / which).unlink()
    os.mkfifo(project / which)
    for command in ("build", "validate"):
        result = subprocess.run([sys.executable, "-m", "pubsite", command], cwd=project,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, (command, result.stderr)
        assert f"{which}: is not a file" in result.stderr


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="/proc/kmsg is not readable")
@pytest.mark.parametrize("which", ["publications.bib", "profile.toml"])
def test_an_input_linked_to_proc_kmsg_is_refused_without_hanging(tmp_path: Path,
                                                                 which: str) -> None:
    project = make_project(tmp_path / "p")
    (project / which).unlink()
    (project / which).symlink_to("/proc/kmsg")
    result = build(project)
    assert result.returncode == 2, result.stderr
    assert f"{which}: is not a regular file (reading it would wait)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("photo", [".git/config", ".env"])
def test_a_photo_that_is_a_hidden_file_is_not_published(tmp_path: Path, photo: str) -> None:
    project = make_project(tmp_path)
    secret = f"token-{uuid.uuid4().hex}"
    (project / photo).parent.mkdir(exist_ok=True)
    (project / photo).write_text(secret)
    set_photo(project, photo)
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert f"'photo' = '{photo}' names a hidden file or folder" in result.stderr
    assert secret.encode() not in published(project, result)


def test_a_missing_template_is_named_not_a_write_failure(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    user_index(project, '{% include "nonexistent.html" %}')
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "nonexistent.html" in result.stderr
    assert "cannot write" not in result.stderr


def test_a_linked_file_at_a_page_path_is_a_user_error_naming_both(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "index.html").write_text("<p>my own notes</p>")
    _link_entry(project, "pdf", "index.html")
    line = (project / "publications.bib").read_text().splitlines().index("@misc{linked2024,") + 1
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert f"publications.bib:{line}: linked2024 links 'index.html'" in result.stderr
    assert "where the site's own page or file goes" in result.stderr
    assert "internal" not in result.stderr
    assert not (project / "_site").exists()


def test_a_link_to_a_file_elsewhere_on_this_computer_is_left_out(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (tmp_path / "outside").mkdir()
    secret, _ = secret_file(tmp_path / "outside")
    _link_entry(project, "pdf", str(secret))
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert f"names '{secret}', a file on this computer outside the project; the link is " \
           "left out" in result.stdout + result.stderr
    site = project / "_site"
    assert str(secret) not in (site / "index.html").read_text()
    assert str(secret) not in (site / "index.md").read_text()


def test_a_link_from_the_site_root_to_a_project_file_is_published(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "papers").mkdir()
    (project / "papers" / "linked.pdf").write_bytes(b"%PDF-1.4 linked")
    _link_entry(project, "pdf", "/papers/linked.pdf")
    result = build(project)
    assert result.returncode == 0, result.stderr
    site = project / "_site"
    assert (site / "papers" / "linked.pdf").read_bytes() == b"%PDF-1.4 linked"
    assert 'href="papers/linked.pdf"' in (site / "index.html").read_text()


@pytest.mark.parametrize("expression", [
    '"a"|center(10**9)', '"{:>1000000000}".format(1)', '"{:>{w}}".format(1, w=10**9)',
    '"%1000000000s"|format(1)', '"%.1000000000f" % 1', '"x".ljust(10**9)'])
def test_a_template_cannot_ask_for_a_gigabyte_wide_value(tmp_path: Path,
                                                          expression: str) -> None:
    project = make_project(tmp_path)
    user_index(project, "{{ " + expression + " }}")
    result = build(project)
    assert result.returncode == 1, result.stderr
    assert "templates/html/index.html:3: stopped: a width of 1,000,000,000 characters; " \
           "the limit is 10,000,000" in result.stderr
    assert not (project / "_site").exists()


def test_template_widths_of_ordinary_size_still_work(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    user_index(project, '[{{ "%5s"|format("ok") }}|{{ "ab"|center(6) }}|'
                        '{{ "{:>4}".format(7) }}|{{ "{:.2f}".format(3.14159) }}]')
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "[   ok|  ab  |   7|3.14]" in (project / "_site" / "index.html").read_text()


def test_an_undefined_name_in_a_template_names_its_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    user_index(project, "{{ x.y.z }}")
    result = build(project)
    assert result.returncode == 1
    assert "templates/html/index.html:3: template error: 'x' is undefined" in result.stderr


def test_a_linked_file_inside_the_output_folder_is_not_published(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert build(project).returncode == 0
    _link_entry(project, "pdf", "_site/index.html")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "_site/index.html is inside pubsite's output folder _site/" in result.stderr
    assert not (project / "_site" / "_site").exists()
