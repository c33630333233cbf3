"""The rule table: `pubsite validate --list-rules` prints it, and Diagnostics refuses a rule
it does not declare. (tests/test_quality.py holds the README and the code to it.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main
from pubsite.errors import Diagnostic, Diagnostics, Severity
from pubsite.rulebook import RULES


def test_list_rules_prints_every_rule_with_its_severity_and_fix(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.chdir(tmp_path)  # no publications.bib or profile.toml: none is needed
    result = CliRunner().invoke(main, ["validate", "--list-rules"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    heads = [line.split()[:2] for line in lines if not line.startswith(" ")]
    assert [h[0] for h in heads] == list(RULES)
    assert dict(heads)["url-scheme"] == "error"
    assert dict(heads)["duplicate-key"] == "warning"
    assert dict(heads)["profile-path"] == "error/warning"
    assert "fix: give one of the two entries a different key" in result.output


def test_list_rules_as_json() -> None:
    result = CliRunner().invoke(main, ["validate", "--list-rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == list(RULES)
    encoding = next(r for r in rows if r["id"] == "encoding")
    assert encoding["severity"] == "warning" and encoding["severities"] == ["warning", "error"]
    assert all(r["doc"] and r["hint"] for r in rows)


def test_list_rules_refuses_github() -> None:
    result = CliRunner().invoke(main, ["validate", "--list-rules", "--format", "github"])
    assert result.exit_code == 2 and "text or json" in result.output


def test_an_undeclared_rule_is_refused_at_once() -> None:
    d = Diagnostics()
    with pytest.raises(ValueError, match="'duplicate-kee' is not declared"):
        d.warning("duplicate-kee", "x.bib", 1, "message")
    with pytest.raises(ValueError, match="not declared"):
        d.add(Diagnostic("no-such-rule", Severity.ERROR, "x.bib", 1, "message"))
    assert d.items == []


def test_a_rule_is_refused_at_a_severity_it_does_not_have() -> None:
    d = Diagnostics()
    with pytest.raises(ValueError, match="declared as error, not warning"):
        d.warning("url-scheme", "x.bib", 1, "message")
    d.error("url-scheme", "x.bib", 1, "message")
    d.warning("profile-path", "profile.toml", 3, "missing")  # declared at both
    assert [x.rule for x in d.items] == ["url-scheme", "profile-path"]


def test_json_findings_have_no_column() -> None:
    """`column` was never set: the JSON a finding becomes does not carry it."""
    d = Diagnostics()
    d.warning("duplicate-key", "x.bib", 7, "again", "rename", key="k")
    assert d.items[0].as_dict() == {"rule": "duplicate-key", "severity": "warning",
                                    "file": "x.bib", "line": 7, "message": "again",
                                    "hint": "rename", "key": "k"}
