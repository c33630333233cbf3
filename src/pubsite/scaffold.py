"""`pubsite init`: starter inputs that build at once."""

from __future__ import annotations

from pathlib import Path

from pubsite.templating import builtin_templates

STARTER_BIB = """\
% Your publications. Newest first is the usual order; pubsite sorts by year anyway.
% A "*" after a name marks equal contribution; links: arxiv, code, slides, project, video,
% pdf, or any label with links = {[label](https://...)}.

@inproceedings{example2024,
  title      = {An Example Paper Title},
  author     = {__NAME__* and Alan Turing* and Grace Hopper},
  booktitle  = {Proceedings of an Example Conference},
  venue      = {EXCONF},
  venue_note = {Oral},
  year       = {2024},
  arxiv      = {2401.00001},
  code       = {https://github.com/example/example},
}

@article{example2023,
  title   = {A Journal Article with an {\\"U}mlaut in the Title},
  author  = {Barbara Liskov and __NAME__},
  journal = {Journal of Examples},
  year    = {2023},
  award   = {Best Paper Award},
  links   = {[blog post](https://example.org/blog)},
}
"""

STARTER_PROFILE = """\
# Your homepage. See the pubsite README for every key.
name = "__NAME__"
description = "__NAME__'s academic homepage."
email = "you@example.org"   # shown obfuscated; set email_mailto = true for a link

about = \"\"\"
I work on *interesting problems*. This text is [Markdown](https://commonmark.org/).
\"\"\"

[[positions]]
title = "Researcher"
organization = "Example University"

[[news]]
date = "2024-01"
text = "Our paper was accepted at EXCONF 2024."

[publications]
heading = "Publications"
group_by = "none"        # none, year or type
name_style = "first-last"  # first-last, initials or last-first
"""


def init(directory: Path, name: str) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    safe_name = name.replace('"', "").replace("\\", "").replace("{", "").replace("}", "")
    out = []
    for filename, template in (("publications.bib", STARTER_BIB),
                               ("profile.toml", STARTER_PROFILE)):
        target = directory / filename
        if target.exists():
            out.append(f"kept {target} (it exists already)")
            continue
        target.write_text(template.replace("__NAME__", safe_name), encoding="utf-8")
        out.append(f"wrote {target}")
    here = directory.resolve() == Path.cwd().resolve()
    out.append("next: pubsite build" if here else f"next: cd {directory} && pubsite build")
    return out


def copy_templates(directory: Path) -> list[str]:
    """Copy the built-in theme into DIR/templates/ for editing; existing files stay."""
    source = builtin_templates()
    target = directory / "templates"
    out = []
    for path in sorted(source.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        dest = target / path.relative_to(source)
        if dest.exists():
            out.append(f"kept {dest} (it exists already)")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(path.read_bytes())
        out.append(f"wrote {dest}")
    out.append("edit them; delete a file to go back to the built-in one "
               '({% extends "default:html/base.html" %} reaches the original)')
    return out
