"""`pubsite serve`: build, serve on 127.0.0.1, rebuild when an input or template changes,
and reload the open page. A broken edit shows its diagnostics in the page; the server
stays up."""

from __future__ import annotations

import html
import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pubsite import build, templating
from pubsite.errors import EXIT_USAGE, PubsiteError

STATUS = "/__pubsite__/status"
RELOAD = f"""<script>
(function () {{
  var seen = null;
  function poll() {{
    fetch("{STATUS}", {{cache: "no-store"}}).then(function (r) {{ return r.json(); }})
      .then(function (s) {{
        if (seen !== null && s.version !== seen) {{ location.reload(); return; }}
        seen = s.version; setTimeout(poll, 500);
      }}, function () {{ setTimeout(poll, 1000); }});
  }}
  poll();
}})();
</script>"""


@dataclass
class State:
    bib: Path
    profile: Path
    out: Path
    version: int = 0
    ok: bool = True
    problems: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inputs(self) -> list[Path]:
        paths = [self.bib, self.profile]
        templates = self.profile.parent / "templates"
        if templates.is_dir():
            paths += [p for p in templates.rglob("*") if p.is_file()]
        return paths

    def fingerprint(self) -> tuple[tuple[str, float, int], ...]:
        out = []
        for p in self.inputs():
            try:
                st = p.stat()
                out.append((str(p), st.st_mtime, st.st_size))
            except OSError:
                out.append((str(p), 0.0, -1))
        return tuple(out)

    def rebuild(self) -> None:
        templating.environment.cache_clear()
        try:
            build.build(self.bib, self.profile, self.out, ("html", "markdown"), quiet=True)
            ok, problems = True, ""
        except PubsiteError as exc:
            ok = False
            problems = "\n".join(d.as_text() for d in exc.diagnostics) or exc.message
        except Exception as exc:  # a broken template must not kill the server
            ok, problems = False, f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.ok, self.problems = ok, problems
            self.version += 1


def error_page(problems: str) -> bytes:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>pubsite: build failed</title></head><body>"
            f"<h1>The last build failed</h1><p>Fix the input; this page reloads by itself. "
            f"The previous site is untouched.</p><pre id=\"pubsite-problems\">"
            f"{html.escape(problems)}</pre>{RELOAD}</body></html>").encode()


def make_handler(state: State) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(state.out), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, body: bytes, ctype: str, code: int = 200) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with state.lock:
                ok, problems, version = state.ok, state.problems, state.version
            if path == STATUS:
                self._send(json.dumps({"version": version, "ok": ok}).encode(),
                           "application/json")
                return
            if not ok and (path.endswith("/") or path.endswith(".html")):
                self._send(error_page(problems), "text/html; charset=utf-8")
                return
            target = Path(self.translate_path(path))
            if target.is_dir():
                target = target / "index.html"
            if target.suffix == ".html" and target.is_file():
                body = target.read_bytes().replace(b"</body>", RELOAD.encode() + b"</body>")
                self._send(body, "text/html; charset=utf-8")
                return
            super().do_GET()

    return Handler


def watch(state: State, stop: threading.Event, interval: float = 0.3) -> None:
    last = state.fingerprint()
    while not stop.wait(interval):
        now = state.fingerprint()
        if now != last:
            time.sleep(0.1)  # let the editor finish writing
            last = state.fingerprint()
            state.rebuild()


def serve(bib: Path, profile: Path, out: Path, port: int, announce: Any) -> None:
    state = State(bib, profile, out)
    state.rebuild()
    if not state.ok:
        announce(f"build failed, serving the diagnostics:\n{state.problems}")
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    except OSError as exc:
        raise PubsiteError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}; pass --port N "
                           "(0 picks a free port)", EXIT_USAGE) from exc
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(state, stop), daemon=True)
    watcher.start()
    announce(f"serving {out}/ on http://127.0.0.1:{server.server_address[1]}/ "
             "(rebuilds on change; Ctrl-C stops)")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
