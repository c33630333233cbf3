"""ruff and mypy, as configured in pyproject.toml, are clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_ruff_clean() -> None:
    paths = [p for p in ("src", "tests", "bench") if (ROOT / p).is_dir()]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *paths],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys; from pubsite import cli; "
            "heavy = [m for m in ('bibtexparser', 'jinja2', 'pylatexenc', 'markdown_it', 'rich')"
            " if m in sys.modules]; print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""


SRC = ROOT / "src" / "pubsite"


def _modules() -> dict[str, Path]:
    found = {}
    for p in SRC.rglob("*.py"):
        name = ".".join(("pubsite", *p.relative_to(SRC).with_suffix("").parts))
        found[name.removesuffix(".__init__")] = p
    return found


def _imports(path: Path, known: set[str]) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("pubsite"):
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names} & known
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("pubsite")}
    return out & known


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {m: _imports(p, set(modules)) - {m} for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            assert state.get(d) != 1, " -> ".join([*trail, m, d])
            if d not in state:
                visit(d, [*trail, m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])


def test_functions_are_short() -> None:
    long = [f"{p.relative_to(ROOT)}:{node.lineno} {node.name} "
            f"({node.end_lineno - node.lineno + 1} lines)"  # type: ignore[operator]
            for p in SRC.rglob("*.py") for node in ast.walk(ast.parse(p.read_text()))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > 60]  # type: ignore[operator]
    assert long == []


# Imports inside a function, each for a reason: --help and a no-op build stay fast, or a
# library is needed only on an uncommon path.
LAZY = {"cli.py": {"pubsite", "pubsite.export", "pubsite.render.registry"},
        "bib.py": {"bibtexparser"}, "latex.py": {"pylatexenc"}, "report.py": {"rich"},
        "serve.py": {"watchfiles"}, "text_checks.py": {"ftfy"},
        "templating.py": {"jinja2", "pubsite"}, "render/texescape.py": {"pylatexenc"},
        "pipeline.py": {"pubsite"}, "mdlinks.py": {"markdown_it"},
        "normalise.py": {"imagesize"}, "render/registry.py": {"pubsite"}}


def test_imports_inside_functions_only_where_they_keep_things_fast() -> None:
    found = set()
    for p in SRC.rglob("*.py"):
        rel = str(p.relative_to(SRC))
        for fn in ast.walk(ast.parse(p.read_text())):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    mod = node.module if isinstance(node, ast.ImportFrom) else \
                        node.names[0].name
                    top = (mod or "").split(".")[0]
                    if top not in LAZY.get(rel, set()) and mod not in LAZY.get(rel, set()):
                        found.add(f"{rel}: {mod}")
    assert found == set()


def test_no_pickle_or_eval_reads_anything() -> None:
    """A checkout someone else prepared must not run code: no pickle, marshal or eval."""
    found = [f"{p.relative_to(ROOT)}: {word}" for p in SRC.rglob("*.py")
             for word in ("pickle", "marshal", "eval(", "exec(")
             if word in p.read_text()]
    assert found == []


def test_readme_names_every_rule_the_code_reports() -> None:
    """A user who meets a rule id looks it up in the README's list under validate."""
    rules: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "pubsite").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("error", "warning") and node.args and \
                    isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str):
                rules.setdefault(node.args[0].value, path.name)
    assert len(rules) > 40  # the scan finds the calls
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = readme[readme.index("### `pubsite validate`"):readme.index("### `pubsite export`")]
    missing = {rule: where for rule, where in rules.items() if f"`{rule}`" not in listed}
    assert missing == {}
