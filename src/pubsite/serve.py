"""`pubsite serve`: a local preview for one person on one machine.

Builds, serves the files pubsite wrote on 127.0.0.1, watches the inputs with watchfiles,
rebuilds on a change and pushes the reload to open pages (server-sent events). A broken
edit shows its diagnostics in the terminal and in the page; the server stays up. Only
localhost Host headers are answered (DNS rebinding), only files in the build's manifest are
served, never a folder listing, a dotfile or a file through a symlink. Ctrl-C ends it with
130 and SIGTERM with 143, once a rebuild under way has finished.
"""

from __future__ import annotations

import html
import http.server
import mimetypes
import os
import re
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pubsite import pipeline, write
from pubsite.errors import EXIT_USAGE, PubsiteError
from pubsite.render import registry, templating
from pubsite.render.memo import Memo

EVENTS = "/__pubsite__/events"
# A closed tab, a reload or a Ctrl-C in curl while a page is sent: normal for a browser.
GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def reload_script(version: int) -> str:
    # The page knows the build it shows; the first event tells the current one.
    return (f'<script>(function(){{var v={version};var s=new EventSource("{EVENTS}");'
            's.onmessage=function(e){if(+e.data!==v){s.close();location.reload();}};'
            "})();</script>")


@dataclass
class State:
    inputs: pipeline.Inputs
    out: Path
    announce: Callable[[str], None]
    version: int = 0
    ok: bool = True
    problems: str = ""
    served: frozenset[str] = frozenset()
    changed: threading.Condition = field(default_factory=threading.Condition)
    memo: Memo = field(default_factory=Memo)

    def rebuild(self, templates_changed: bool = True) -> None:
        if templates_changed:
            templating.environment.cache_clear()
        served = self.served  # a failed build leaves the last site in place
        try:
            served = pipeline.build(self.inputs, self.out, registry.names("site"), quiet=True,
                                    memo=self.memo).files
            ok, problems = True, ""
        except PubsiteError as exc:
            ok = False
            problems = "\n".join(d.as_text() for d in exc.diagnostics) or exc.message
        except Exception as exc:  # a broken template must not stop the server
            ok, problems = False, f"{type(exc).__name__}: {exc}"
        with self.changed:
            self.ok, self.problems, self.served = ok, problems, served
            self.version += 1
            self.changed.notify_all()
        if not ok:
            self.announce(f"build failed; the page shows why:\n{problems}")
        elif self.version > 1:
            self.announce("rebuilt; the open pages reload")


def error_page(problems: str, version: int) -> bytes:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>pubsite: build failed</title><style>body{font:16px/1.5 system-ui,sans-serif;"
        "max-width:50rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:1rem;"
        "border-left:4px solid #b00}</style></head><body>"
        "<h1>The last build failed</h1><p>Fix the input; this page reloads by itself. "
        'The previous site is untouched.</p><pre id="pubsite-problems">'
        f"{html.escape(problems)}</pre>{reload_script(version)}</body></html>").encode()


_LOCAL_HOST = re.compile(r"(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?", re.I)


def local_host(header: str | None) -> bool:
    """A Host header naming this machine (the defence against DNS rebinding)."""
    return header is not None and bool(_LOCAL_HOST.fullmatch(header.strip()))


def _requested(raw_path: str) -> tuple[str, str] | None:
    """The path a request names, without its leading slashes, and its query; None for a
    name that is never served (a NUL, a backslash, a dotfile or `..`)."""
    parts = urlsplit(raw_path)
    path = unquote(parts.path)
    if "\x00" in path or "\\" in path:
        return None
    rel = path.lstrip("/")
    if any(part.startswith(".") for part in rel.split("/")):
        return None
    return rel, parts.query


def resolve(state: State, raw_path: str) -> str | None:
    """The manifest path a request names, or None (a 404)."""
    found = _requested(raw_path)
    if found is None:
        return None
    rel = found[0]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return rel if rel in state.served else None


def folder_redirect(state: State, raw_path: str) -> str | None:
    """Where a folder named without its slash moves to (`/publications/x` to
    `/publications/x/`, the query kept): its page's relative links resolve against the
    slash. None for anything else."""
    found = _requested(raw_path)
    if found is None or found[0] == "" or found[0].endswith("/"):
        return None
    rel, query = found
    if f"{rel}/index.html" not in state.served:
        return None
    # Spelt from the manifest path, never from the request: "//host/x" would send the
    # browser to another site.
    query = quote(query, safe="=&;%+/?:@!$'()*,~") if query else ""
    return f"/{quote(rel)}/" + (f"?{query}" if query else "")


def read_served(out: Path, rel: str) -> bytes | None:
    """A regular file inside OUT, opened without following any symlink."""
    real_out = os.path.realpath(out)
    target = os.path.join(real_out, rel)
    if os.path.realpath(target) != target:
        return None
    return write.read_regular(target)


def make_handler(state: State) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, body: bytes, ctype: str, code: int = 200,
                  location: str | None = None) -> None:
            self.send_response(code)
            if location is not None:
                self.send_header("Location", location)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            if not local_host(self.headers.get("Host")):
                self._send(b"pubsite serve answers only localhost\n", "text/plain", 403)
                return
            if urlsplit(self.path).path == EVENTS:
                stream_events(self, state)
                return
            location = folder_redirect(state, self.path)
            if location is not None:
                self._send(b"moved\n", "text/plain; charset=utf-8", 301, location)
                return
            with state.changed:
                ok, problems, version = state.ok, state.problems, state.version
            rel = resolve(state, self.path)
            if not ok and (rel is None or rel.endswith(".html")):
                self._send(error_page(problems, version), "text/html; charset=utf-8")
                return
            body = read_served(state.out, rel) if rel else None
            if body is None:
                self._send(b"not found\n", "text/plain; charset=utf-8", 404)
                return
            ctype = mimetypes.guess_type(rel or "")[0] or "application/octet-stream"
            if ctype == "text/html":
                body = body.replace(b"</body>", reload_script(version).encode() + b"</body>")
            if ctype.startswith("text/") or ctype.endswith(("xml", "javascript", "json")):
                ctype += "; charset=utf-8"
            self._send(body, ctype)

    return Handler


def stream_events(handler: http.server.BaseHTTPRequestHandler, state: State) -> None:
    """Server-sent events: the build's version now, then each time it changes."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()
    seen = -1
    try:
        while not getattr(handler.server, "stopping", False):
            with state.changed:
                if state.version == seen:
                    state.changed.wait(timeout=15)
                version = state.version
            # A comment line when nothing changed keeps the connection checked.
            message = f"data: {version}\n\n" if version != seen else ": ping\n\n"
            handler.wfile.write(message.encode())
            handler.wfile.flush()
            seen = version
    except OSError:
        return  # the page went away


def watch(state: State, stop: threading.Event) -> None:
    import watchfiles

    folder = state.inputs.profile.parent.resolve()
    watched = {p.resolve() for p in state.inputs.paths}
    templates = (folder / "templates").resolve()

    seen: object = None  # the last load's looked-up files, as `looked_up` last saw them
    linked: frozenset[str] = frozenset()

    def looked_up() -> frozenset[str]:
        """Each project file the last load looked up for a link or a preview, and the
        folders that hold them: a file saved at once into a folder just made raises no
        event of its own (the folder is not watched yet), the folder's does."""
        nonlocal seen, linked
        files = state.memo.kept.files
        if files is not seen:  # a new load: worked out once, not per event
            seen, linked = files, frozenset(files).union(
                str(d) for name in files for d in PurePosixPath(name).parents
                if str(d) != ".")
        return linked

    def relevant(_change: Any, path: str) -> bool:
        """The inputs, the templates, and the files and folders of `looked_up` (a PDF put
        where an entry names it, a preview redrawn)."""
        p = Path(path)
        if p in watched or templates in p.parents:
            return True
        return folder in p.parents and p.relative_to(folder).as_posix() in looked_up()

    paths = {str(p.parent) for p in watched}
    for changes in watchfiles.watch(*paths, watch_filter=relevant, stop_event=stop,
                                    debounce=20, step=10, rust_timeout=500):
        state.rebuild(templates_changed=any(templates in Path(p).parents
                                            for _c, p in changes))


class PreviewServer(http.server.ThreadingHTTPServer):
    """One thread per connection, on 127.0.0.1 only (the caller's address)."""

    # socketserver's backlog of 5 drops the sixth of a burst of connections (a page
    # with its assets, a reload of many tabs) until the client retries a second later.
    request_queue_size = 256
    daemon_threads = True  # an open event stream must not keep the process alive

    def __init__(self, address: tuple[str, int],
                 handler: type[http.server.BaseHTTPRequestHandler],
                 announce: Callable[[str], None]) -> None:
        self.announce = announce
        self.stopping = False
        super().__init__(address, handler)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket],
                     client_address: Any) -> None:
        """A client that went away is normal and says nothing; any other failure to answer
        is one line in the terminal (socketserver would print a traceback for both)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, GONE):
            return
        where = ":".join(str(part) for part in client_address[:2])
        self.announce(f"answering {where} failed: {type(exc).__name__}: {exc}")


def serve(inputs: pipeline.Inputs, out: Path, port: int,
          announce: Callable[[str], None]) -> None:
    """Serve until Ctrl-C (KeyboardInterrupt, exit 130) or SIGTERM (`errors.Terminated`,
    exit 143): both unwind through the `finally` blocks below, after a rebuild under way."""
    write.check_target(out, inputs.paths)
    _serve(State(inputs, out, announce), port)


def _serve(state: State, port: int) -> None:
    stop = threading.Event()
    # Watching starts first: an edit made while the first build runs is not missed.
    watcher = threading.Thread(target=watch, args=(state, stop), daemon=True)
    watcher.start()
    try:
        state.rebuild()
        server = _listen(state, port)
        state.announce(f"serving {state.out}/ on http://127.0.0.1:{server.server_address[1]}/ "
                       "(rebuilds on change; Ctrl-C stops)")
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.stopping = True
            with state.changed:
                state.changed.notify_all()  # the event streams see `stopping` and end
            server.server_close()
    finally:
        stop.set()
        # A rebuild under way finishes: the output folder is left whole, with no journal.
        watcher.join()


def _listen(state: State, port: int) -> PreviewServer:
    try:
        return PreviewServer(("127.0.0.1", port), make_handler(state), state.announce)
    except OSError as exc:
        raise PubsiteError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}; pass --port N "
                           "(0 picks a free port)", EXIT_USAGE) from exc
