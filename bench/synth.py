"""Deterministic synthetic bibliographies for the benchmark: long author lists, LaTeX
accents, @string macros, stars, awards, links and abstracts, like a lab's real file."""

from __future__ import annotations

import random
from pathlib import Path

FIRST = ["Hao", "Ada", "Jürgen", "José", "Zoë", "Li", "Wei", "Anna", "Björn", "Chloé",
         "Ion", "Eric", "Maria", "Ji{\\v{r}}{\\'\\i}", "S{\\o}ren", "Fran{\\c{c}}ois",
         "Yonghao", "Lianmin", "Dawn", "Joseph E.", "Paul", "{\\relax Ch}ristopher"]
LAST = ["Zhang", "Lovelace", "M{\\\"u}ller", "Garc{\\'\\i}a", "Chen", "Wang", "Stoica",
        "Xing", "Erd{\\H{o}}s", "van der Waals", "de la Cruz", "Nguyen", "Kim", "Smith",
        "Brown", "O'Neil", "Gonz{\\'a}lez", "Li", "Zhuang", "Song", "{\\AA}ngstr{\\\"o}m"]
WORDS = ("learning distributed systems efficient scalable neural network model parallel "
         "training inference privacy optimisation graph language vision robust adaptive "
         "composable automated cluster scheduling memory compiler runtime").split()
VENUES = ["NeurIPS", "ICML", "ICLR", "OSDI", "SOSP", "ATC", "EuroSys", "MLSys", "CVPR"]


def entry(rng: random.Random, i: int) -> str:
    n_auth = rng.randint(3, 25)
    authors = []
    owner_at = rng.randint(0, n_auth - 1)
    for j in range(n_auth):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        while name in ("Hao Zhang", "Hao Zhuang", "Hao Zhan"):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if j == owner_at:
            name = "Hao Zhang"
        if j < 2 and rng.random() < 0.2:
            name += "*"
        authors.append(name)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).capitalize()
    if rng.random() < 0.3:
        title = "{" + title.split()[0].upper() + "}: " + title
    abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))) + \
        (" with M{\\\"u}ller's --- method." if rng.random() < 0.3 else ".")
    year = rng.randint(1990, 2025)
    venue = rng.choice(VENUES)
    kind = rng.random()
    lines = [f"@{'inproceedings' if kind < 0.7 else 'misc' if kind < 0.85 else 'article'}"
             f"{{key{i:06d},",
             f"  title = {{{title}}},",
             f"  author = {{{' and '.join(authors)}}},",
             f"  year = {{{year}}},",
             f"  month = {rng.choice(['jan', 'mar', 'jun', 'oct', 'dec'])},"]
    if kind < 0.7:
        lines += [f"  booktitle = {venue.lower()},", f"  venue = {{{venue}}},"]
    elif kind < 0.85:
        ident = f"{year % 100:02d}{rng.randint(1, 12):02d}.{rng.randint(10000, 99999)}"
        lines += [f"  arxiv = {{{ident}}},"]
    else:
        lines += ["  journal = jmlr,", f"  volume = {{{rng.randint(1, 30)}}},",
                  f"  pages = {{{rng.randint(1, 500)}--{rng.randint(501, 900)}}},"]
    if rng.random() < 0.1:
        lines.append("  award = {Best Paper Award},")
    if rng.random() < 0.3:
        lines.append("  venue_note = {Oral},")
    lines += [f"  code = {{https://github.com/example/repo{i}}},",
              f"  slides = {{https://example.org/slides/{i}.pdf}},"]
    if rng.random() < 0.2:
        lines.append(f"  links = {{[blog post](https://blog.example.org/{i})}},")
    lines.append(f"  doi = {{10.1145/{rng.randint(1000000, 9999999)}.{i}}},")
    lines.append(f"  abstract = {{{abstract}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(path: Path, n: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    head = ("@string{jmlr = {Journal of Machine Learning Research}}\n"
            + "".join(f"@string{{{v.lower()} = {{Proceedings of {v}}}}}\n" for v in VENUES))
    path.write_text(head + "\n".join(entry(rng, i) for i in range(n)), encoding="utf-8")
    return path


PROFILE = 'name = "Hao Zhang"\n[publications]\ngroup_by = "year"\n'
