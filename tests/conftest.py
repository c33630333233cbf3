from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
# Compiled templates go to the user's cache folder: a private one for the test run.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="pubsite-test-cache-")
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"


# The corpus, schemas and seed facts the tests read, copied into the repository so that a
# clone anywhere runs every test; missing, the suite stops at once instead of skipping.
SHARED = DATA / "shared"
if not (SHARED / "corpus" / "real").is_dir():
    raise RuntimeError(f"{SHARED} is missing: it is part of the repository; check it out again")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def shared() -> Path:
    return SHARED


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the default project (publications.bib + profile.toml) in a temp folder."""
    for name in ("publications.bib", "profile.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def require_tool(name: str, reason: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} not installed: {reason} (.ci/run installs it)"
        print(f"SKIP: {message}", file=sys.stderr)
        if os.environ.get("CI"):
            pytest.fail(f"{name} must be installed in CI: {reason}")
        pytest.skip(message)
    return path


def check_golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {name} is missing; run pytest --update-golden and review it")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file; review and run " \
                             "pytest --update-golden if the change is intended"


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        require_tool("chromium", "browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class StaticServer:
    """Serves a folder on 127.0.0.1 so pages load over http:// as on a real host."""

    def __init__(self, folder: Path) -> None:
        import functools
        import http.server
        import threading

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

        handler = functools.partial(Quiet, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# Screenshots and other things a person looks at: outside the repository.
ARTIFACTS = Path(os.environ.get("PUBSITE_ARTIFACTS")
                 or Path(tempfile.gettempdir()) / "pubsite-test-artifacts")


@contextmanager
def serving(project: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`pubsite serve --port 0` in `project`: its URL once it serves, and the process; it
    is stopped afterwards and must not have printed a traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "pubsite", "serve", "--port", "0"],
                            cwd=project, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while "serving" not in line:
            assert line, "serve ended before serving"
            line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found is not None
        yield found.group(0), proc
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert "Traceback" not in err


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (made if missing) for the block; the test
    skips where mounting is not allowed (not root)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                           str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
