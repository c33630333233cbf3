"""ruff and mypy, as configured in pyproject.toml, are clean."""

from __future__ import annotations

import ast
import re
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


def test_a_build_with_nothing_to_do_loads_no_stage(tmp_path: Path) -> None:
    """A build with nothing to do reads the manifest and digests the inputs: it loads no
    model, parser or renderer (the model's classes alone took 11 ms of a 150 ms no-op)."""
    args = ["build", "-q", "--bib", str(ROOT / "publications.bib"), "--profile",
            str(ROOT / "profile.toml"), "--out", str(tmp_path / "out")]
    code = ("import sys; from pubsite.cli import main\n"
            f"try: main({args!r})\nexcept SystemExit as exc: assert not exc.code\n"
            "print(','.join(m for m in ('pubsite.model.site', 'pubsite.read.normalise', "
            "'bibtexparser', 'jinja2') if m in sys.modules))")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert "pubsite.model.site" in first.stdout  # the check itself sees a real build's
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert again.stdout.strip() == "", again.stdout


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



# The folders of src/pubsite/ are the stages, in the order imports may point (down this list,
# never up): shared infrastructure at the top level (the rule ids, diagnostics, the one way
# to open a project file, the version), then model, read, check and render. Top-level
# modules not listed as shared (write, export, report, pipeline, cli, serve, scaffold) sit
# above every stage folder.
SHARED = {"pubsite", "pubsite.rulebook", "pubsite.errors", "pubsite.projectfiles"}
STAGES = ("model", "read", "check", "render")


def _rank(module: str) -> int:
    if module in SHARED:
        return 0
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return 1 + STAGES.index(parts[1])
    return 1 + len(STAGES)


def test_stages_import_only_downwards() -> None:
    modules = _modules()
    up = [f"{m} -> {d}" for m, p in modules.items()
          for d in sorted(_imports(p, set(modules)) - {m}) if _rank(d) > _rank(m)]
    assert up == []

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
        "read/bib.py": {"bibtexparser"}, "read/latex.py": {"pylatexenc"},
        "report.py": {"rich"}, "serve.py": {"watchfiles"}, "read/mojibake.py": {"ftfy"},
        "render/templating.py": {"jinja2", "pubsite"}, "render/texescape.py": {"pylatexenc"},
        "pipeline.py": {"pubsite"}, "read/mdlinks.py": {"markdown_it"},
        "read/normalise.py": {"imagesize"}, "render/registry.py": {"pubsite"},
        "citations.py": {"pubsite"}}


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


README = ROOT / "README.md"
_RULES_BLOCK = re.compile(r"(<!-- rules:[^\n]*-->\n)(.*?)(<!-- /rules -->)", re.S)


def _rules_markdown() -> str:
    from pubsite.rulebook import RULES

    rows = [f"| `{r.id}` | {'/'.join(r.severities)} | {r.doc} |" for r in RULES.values()]
    return "\n".join(["| rule | severity | what it finds |", "|---|---|---|", *rows]) + "\n"


def test_readme_lists_the_rule_table(update_golden: bool) -> None:
    """The README's rule list under validate is the rule table: every id in both, with the
    table's severity and doc (`pytest --update-golden` writes it from the table)."""
    from pubsite.rulebook import RULES

    readme = README.read_text(encoding="utf-8")
    section = readme[readme.index("### `pubsite validate`"):readme.index("### `pubsite export`")]
    block = _RULES_BLOCK.search(section)
    assert block is not None, "the README's validate section lost its <!-- rules --> block"
    if update_golden:
        README.write_text(readme.replace(block.group(0), block.group(1) + _rules_markdown()
                                         + block.group(3)), encoding="utf-8")
        return
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", block.group(2), re.M)
    assert sorted(set(RULES) - set(listed)) == [], "in the table, not in the README"
    assert sorted(set(listed) - set(RULES)) == [], "in the README, not in the table"
    assert block.group(2) == _rules_markdown(), "run pytest --update-golden and review"


_REPORTERS = {"error", "warning", "Diagnostic", "report"}


def _constants(node: ast.expr, assigned: dict[str, set[str]]) -> set[str]:
    """The rule ids an argument can hold: a literal, either side of `a if c else b`, or a
    name assigned literals in the same function (`rule = "..."`, `rule, sev = "...", ...`)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
            node.value.id == "RuleId":
        from pubsite.rulebook import RuleId

        return {RuleId[node.attr].value}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body, assigned) | _constants(node.orelse, assigned)
    if isinstance(node, ast.Name):
        return assigned.get(node.id, set())
    return set()


def _assigned_literals(fn: ast.AST) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for node in ast.walk(fn):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs = zip(target.elts, node.value.elts, strict=False) \
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) \
                else [(target, node.value)]
            for name, value in pairs:
                if isinstance(name, ast.Name):
                    found.setdefault(name.id, set()).update(_constants(value, {}))
    return found


def _rule_ids_in_code() -> dict[str, str]:
    """Every rule id a module of src/pubsite hands to Diagnostics, with where."""
    ids: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "pubsite").rglob("*.py")):
        if path.name == "rulebook.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            assigned = _assigned_literals(fn)
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and node.args and \
                        getattr(node.func, "attr", getattr(node.func, "id", "")) in _REPORTERS:
                    for rule in _constants(node.args[0], assigned):
                        ids.setdefault(rule, f"{path.name}:{node.lineno}")
    return ids


def test_every_rule_the_code_raises_is_in_the_table_and_back() -> None:
    from pubsite.rulebook import RULES

    in_code = _rule_ids_in_code()
    assert len(in_code) > 40  # the scan finds the calls
    assert {r: where for r, where in in_code.items() if r not in RULES} == {}, \
        "declare these in pubsite/rulebook.py"
    assert sorted(set(RULES) - set(in_code)) == [], "no code raises these: remove the rows"


def test_a_rule_id_is_written_only_in_the_rulebook() -> None:
    """Code names a rule as `RuleId.X`: a misspelt id fails at import, not in a user's run."""
    from pubsite.rulebook import RULES

    written = [f"{path.name}:{node.lineno}: {node.value!r}"
               for path in sorted((ROOT / "src" / "pubsite").rglob("*.py"))
               if path.name != "rulebook.py"
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Constant) and node.value in RULES]
    assert written == []
