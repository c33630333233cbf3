"""`pubsite serve` for one person on one machine: localhost Host headers only, only the
files pubsite wrote, no listings, dotfiles or symlinks out, never a traceback."""

from __future__ import annotations

import http.client
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import serving


@pytest.fixture
def served(project: Path) -> Iterator[tuple[int, Path, subprocess.Popen[str]]]:
    with serving(project) as (url, proc):
        yield int(url.rstrip("/").rsplit(":", 1)[1]), project / "_site", proc


def _get(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    r = conn.getresponse()
    return r.status, r.read()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_local_hosts_are_answered(served: tuple[int, Path, object], host: str) -> None:
    port, _, _ = served
    status, body = _get(port, "/", f"{host}:{port}")
    assert status == 200 and b"Cavs" in body


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "", "localhost.",
                                  "[::1].evil"])
def test_a_foreign_host_header_is_refused(served: tuple[int, Path, object], host: str) -> None:
    port, _, _ = served
    status, body = _get(port, "/", host)
    assert status == 403
    assert b"Cavs" not in body


def test_only_files_pubsite_wrote_are_served(served: tuple[int, Path, object],
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    port, site, _ = served
    (site / ".git").mkdir()
    (site / ".git" / "config").write_text("[remote]\nurl = https://token@example.org/x\n")
    (site / "notes.txt").write_text("private")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("secret")
    (site / "link").symlink_to(outside, target_is_directory=True)
    (site / "passwd.txt").symlink_to("/etc/passwd")
    for path in ("/.git/config", "/notes.txt", "/link/secret.txt", "/passwd.txt",
                 "/.pubsite-manifest.json", "/publications/", "/assets/", "/%00",
                 "/..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/\\..\\x"):
        status, body = _get(port, path)
        assert status == 404, path
        assert b"secret" not in body and b"token" not in body and b"root:" not in body
    status, body = _get(port, "/publications/zhang2018cavs/")
    assert status == 200 and b"Cavs" in body
    status, body = _get(port, "/publications/zhang2018cavs")
    assert status == 301  # to the folder's slash, where its relative links resolve


def test_a_page_pubsite_wrote_that_became_a_symlink_is_not_followed(
        served: tuple[int, Path, object]) -> None:
    port, site, _ = served
    page = site / "robots.txt"
    page.unlink()
    page.symlink_to("/etc/hostname")
    status, _ = _get(port, "/robots.txt")
    assert status == 404
