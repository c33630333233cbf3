"""The holes found in `pubsite serve` and `pubsite init`, each driven as a user meets it:
a browser that closes a page mid-answer, Ctrl-C and SIGTERM, a folder named without its
slash, a burst of connections, a starter file that is a symlink, a name with quotes."""

from __future__ import annotations

import http.client
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from pubsite.cli import main


class Served:
    """`pubsite serve --port 0` in a project; its stderr is read to the end on `stop`."""

    def __init__(self, project: Path, ignore_sigint: bool = False) -> None:
        self.project = project
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pubsite", "serve", "--port", "0"], cwd=project,
            stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"},
            # A shell script's `pubsite serve &` starts it with Ctrl-C ignored.
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
            if ignore_sigint else None)
        assert self.proc.stderr is not None
        line = ""
        while "serving" not in line:
            line = self.proc.stderr.readline()
            assert line, "serve ended before serving"
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found is not None
        self.port = int(found.group(1))

    def stop(self, signum: int) -> tuple[int, str]:
        """Send SIGNUM; the exit code and everything serve printed after `serving`."""
        self.proc.send_signal(signum)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err


@pytest.fixture
def served(project: Path) -> Iterator[Served]:
    s = Served(project)
    yield s
    if s.proc.poll() is None:
        s.proc.kill()
        s.proc.communicate(timeout=10)


def _request(port: int, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    return conn.getresponse()


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a browser tab that is closed mid-load may."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# --- 1. a client that goes away is normal ---------------------------------------------

def test_clients_that_disconnect_early_print_no_traceback(served: Served) -> None:
    largest = max((p for p in (served.project / "_site").rglob("*") if p.is_file()
                   and not p.name.startswith(".")), key=lambda p: p.stat().st_size)
    big = "/" + largest.relative_to(served.project / "_site").as_posix()
    for _ in range(5):
        # Gone in the middle of the request line: the server's read is reset.
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        sock.sendall(b"GET /index.ht")
        _reset(sock)
        # Gone right after asking, and after reading a few bytes of the largest file.
        for read in (0, 16):
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(f"GET {big} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            if read:
                sock.recv(read)
            _reset(sock)
    response = _request(served.port, "/")
    assert response.status == 200
    code, err = served.stop(signal.SIGINT)
    assert "Traceback" not in err
    assert "Error" not in err, err
    assert code == 130


def test_a_real_error_in_answering_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from pubsite import serve

    said: list[str] = []
    server = serve.PreviewServer(("127.0.0.1", 0), serve.make_handler(None), said.append)  # type: ignore[arg-type]
    try:
        try:
            raise ValueError("a bug in the handler")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 5555))  # type: ignore[arg-type]
        try:
            raise BrokenPipeError(32, "Broken pipe")
        except BrokenPipeError:
            server.handle_error(None, ("127.0.0.1", 5556))  # type: ignore[arg-type]
    finally:
        server.server_close()
    assert len(said) == 1
    assert "\n" not in said[0]
    assert "ValueError: a bug in the handler" in said[0]
    assert capsys.readouterr().err == ""


# --- 2. Ctrl-C and SIGTERM ----------------------------------------------------------

def _left_behind(site: Path) -> list[str]:
    return sorted(p.name for p in site.rglob("*")
                  if p.name.endswith(".pubsite-tmp") or p.name == ".pubsite-journal")


def test_ctrl_c_on_serve_exits_130_with_one_line(served: Served) -> None:
    code, err = served.stop(signal.SIGINT)
    assert code == 130
    assert err.strip().count("\n") == 0, err
    assert "interrupted" in err
    assert _left_behind(served.project / "_site") == []


def test_sigterm_on_serve_exits_143_with_one_line(served: Served) -> None:
    code, err = served.stop(signal.SIGTERM)
    assert code == 143
    assert err.strip().count("\n") == 0, err
    assert "SIGTERM" in err
    assert "Traceback" not in err


def test_sigterm_stops_serve_started_in_the_background_by_a_script(project: Path) -> None:
    served = Served(project, ignore_sigint=True)
    try:
        code, err = served.stop(signal.SIGTERM)
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.communicate(timeout=10)
    assert code == 143
    assert "SIGTERM" in err


def test_sigterm_during_a_rebuild_leaves_nothing_behind(served: Served) -> None:
    bib = served.project / "publications.bib"
    bib.write_text(bib.read_text().replace("Cavs: An Efficient", "Cavs: A Very Efficient"))
    # The rebuild runs in the watcher; serve waits for it before it exits.
    code, err = served.stop(signal.SIGTERM)
    assert code == 143, err
    assert "Traceback" not in err
    assert _left_behind(served.project / "_site") == []


# --- 3. a folder named without its slash --------------------------------------------

@pytest.mark.parametrize(("path", "location"), [
    ("/publications/zhang2018cavs", "/publications/zhang2018cavs/"),
    ("/publications/zhang2018cavs?x=1&y=%202", "/publications/zhang2018cavs/?x=1&y=%202"),
    ("/publications/zhang2018%63avs", "/publications/zhang2018cavs/"),
    # Rebuilt from the manifest, never from the request's spelling: "//host/" is a site.
    ("//publications/zhang2018cavs", "/publications/zhang2018cavs/"),
])
def test_a_folder_without_its_slash_is_redirected(served: Served, path: str,
                                                  location: str) -> None:
    response = _request(served.port, path)
    assert response.status == 301
    assert response.getheader("Location") == location
    followed = _request(served.port, location)
    assert followed.status == 200


def test_a_file_and_a_missing_folder_are_not_redirected(served: Served) -> None:
    assert _request(served.port, "/index.html").status == 200
    assert _request(served.port, "/publications/nosuchpaper").status == 404
    assert _request(served.port, "/publications").status == 404  # a folder without a page


# --- 4. a burst of connections --------------------------------------------------------

def test_two_hundred_simultaneous_connections_are_all_accepted(served: Served) -> None:
    count = 200
    if int(Path("/proc/sys/net/core/somaxconn").read_text()) < count:
        pytest.skip("the kernel caps the listen backlog below 200 (net.core.somaxconn)")
    # Stopped, the server accepts nothing: each connection waits in the listen backlog,
    # and one that finds it full is dropped until the client retries a second later.
    served.proc.send_signal(signal.SIGSTOP)
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", served.port))
        poller = select.poll()
        for s in socks:
            poller.register(s, select.POLLOUT)
        connected = {fd for fd, ev in poller.poll(500) if ev & select.POLLOUT
                     and not ev & (select.POLLERR | select.POLLHUP)}
        assert len(connected) == count
        served.proc.send_signal(signal.SIGCONT)
        for s in socks:
            s.setblocking(True)
            s.settimeout(10)
            s.sendall(b"GET /robots.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        answers = [s.recv(64) for s in socks]
        assert all(a.startswith(b"HTTP/1.0 200") for a in answers)
    finally:
        served.proc.send_signal(signal.SIGCONT)
        for s in socks:
            s.close()


def test_serve_listens_on_127_0_0_1_only(served: Served) -> None:
    addresses = [a for a in _addresses() if a != "127.0.0.1"]
    for address in addresses:
        with pytest.raises(OSError):
            socket.create_connection((address, served.port), timeout=2).close()


def _addresses() -> list[str]:
    try:
        return sorted({str(i[4][0]) for i in socket.getaddrinfo(socket.gethostname(), None,
                                                                 socket.AF_INET)})
    except OSError:
        return []


# --- 5. init never writes through a symlink -------------------------------------------

def test_init_refuses_a_dangling_symlink(runner: CliRunner, tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    project.mkdir()
    (project / "profile.toml").symlink_to(elsewhere / "x")
    elsewhere.mkdir()
    result = runner.invoke(main, ["init", str(project)])
    assert result.exit_code == 2
    assert f"{project / 'profile.toml'} is a symlink" in result.output
    assert "never writes through a symlink. Remove it" in result.output
    assert list(elsewhere.iterdir()) == []
    # Nothing is half-done: the other starter file is not written either.
    assert not (project / "publications.bib").exists()


def test_init_refuses_a_folder_that_is_a_dangling_symlink(runner: CliRunner,
                                                          tmp_path: Path) -> None:
    (tmp_path / "site").symlink_to(tmp_path / "elsewhere")
    result = runner.invoke(main, ["init", str(tmp_path / "site")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'site'} is a symlink" in result.output
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("link", ["templates/html/index.html", "templates/html",
                                  "templates"])
def test_init_templates_refuses_a_dangling_symlink(runner: CliRunner, tmp_path: Path,
                                                   link: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / link).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / link).symlink_to(elsewhere / "gone")
    result = runner.invoke(main, ["init", str(tmp_path), "--templates"])
    assert result.exit_code == 2
    assert f"{tmp_path / link} is a symlink" in result.output
    assert list(elsewhere.iterdir()) == []
    assert "wrote" not in result.output


def test_init_templates_writes_nothing_through_a_folder_symlink(runner: CliRunner,
                                                               tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "html").mkdir(parents=True)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "templates").symlink_to(theme)
    result = runner.invoke(main, ["init", str(tmp_path / "site"), "--templates"])
    assert result.exit_code == 2
    assert f"{tmp_path / 'site' / 'templates'} is a symlink" in result.output
    assert list((theme / "html").iterdir()) == []


def test_init_keeps_a_symlink_to_an_existing_file(runner: CliRunner, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('name = "Mine"\n')
    project = tmp_path / "site"
    project.mkdir()
    (project / "profile.toml").symlink_to(mine)
    result = runner.invoke(main, ["init", str(project)])
    assert result.exit_code == 0, result.output
    assert "kept" in result.output
    assert mine.read_text() == 'name = "Mine"\n'


# --- 6. any name gives a profile and a .bib that build --------------------------------

@pytest.mark.parametrize("name", ['Ada "Al" Lovelace', "Ada 100% $Lovelace & Co_", "Zoë O'Brien",
                                  "Ada __NAME__ Lovelace", "Tom and Jerry", "Ada~Love^ *1 #2"])
def test_init_name_round_trips(tmp_path: Path, name: str) -> None:
    run = subprocess.run([sys.executable, "-m", "pubsite", "init", "--name", name],
                         cwd=tmp_path, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    profile = tomllib.loads((tmp_path / "profile.toml").read_text(encoding="utf-8"))
    assert profile["name"] == name
    assert profile["description"] == f"{name}'s academic homepage."
    run = subprocess.run([sys.executable, "-m", "pubsite", "build"], cwd=tmp_path,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "_site" / "index.html").read_text(encoding="utf-8")
    assert f'<h1 id="name">{escape(name)}</h1>' in page
    assert f"<strong>{escape(name)}</strong>" in page  # the owner, in the starter papers
    from pubsite import pipeline
    from pubsite.errors import Diagnostics

    inputs = pipeline.resolve_inputs(tmp_path / "publications.bib", tmp_path / "profile.toml")
    site = pipeline.load(inputs, Diagnostics())
    assert site.profile.name == name
    # The owner's name in the starter .bib reads back as written, and is bold.
    owners = {a.name.first_last() for p in site.publications for a in p.authors if a.is_owner}
    assert owners == {name}
    assert len([a for p in site.publications for a in p.authors if a.is_owner]) == 2


@pytest.mark.parametrize(("typed", "name"), [
    ('Kurt G\\"odel', "Kurt Gödel"), ("Paul Erd{\\H{o}}s", "Paul Erdős"),
    ("Ada {Al} Lovelace", "Ada Al Lovelace"), ("Ada }Al{ Lovelace", "Ada Al Lovelace"),
    ("Ada \\ Lovelace", "Ada Lovelace"), ("Ada \\foo Lovelace", "Ada Lovelace"),
    ("Ana {\\c{C}}elik", "Ana Çelik")])
def test_init_reads_a_name_typed_as_latex(tmp_path: Path, typed: str, name: str) -> None:
    """A backslash or a brace is LaTeX, as in the .bib: both files get the name the .bib
    reads back, and init says how it read it."""
    run = subprocess.run([sys.executable, "-m", "pubsite", "init", "--name", typed],
                         cwd=tmp_path, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert f"read the name as LaTeX: {name}" in run.stdout
    profile = tomllib.loads((tmp_path / "profile.toml").read_text(encoding="utf-8"))
    assert profile["name"] == name
    run = subprocess.run([sys.executable, "-m", "pubsite", "build"], cwd=tmp_path,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "owner-missing" not in run.stdout + run.stderr
    page = (tmp_path / "_site" / "index.html").read_text(encoding="utf-8")
    assert f'<h1 id="name">{escape(name)}</h1>' in page
    assert page.count(f"<strong>{escape(name)}</strong>") == 2


@pytest.mark.parametrize("name", ["Ada\nLovelace", "Ada\rLovelace", "Ada\x00", "Ada\x1bLove",
                                  "Ada\u2028Lovelace", "Ada\tLovelace", "{}", " ", ""])
def test_init_refuses_a_name_with_a_control_character(runner: CliRunner, tmp_path: Path,
                                                      name: str) -> None:
    result = runner.invoke(main, ["init", str(tmp_path), "--name", name])
    assert result.exit_code == 2
    assert "--name" in result.output
    assert list(tmp_path.iterdir()) == []

