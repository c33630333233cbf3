"""LaTeX to Unicode for display: a table of what authors write and what readers see."""

from __future__ import annotations

import gc
import weakref

import pytest

from pubsite.read import latex

CASES = [
    ('M{\\"u}ller', "Müller"),
    ('M\\"{u}ller', "Müller"),
    ("Erd{\\H{o}}s", "Erdős"),
    ("{\\~{\\^e}}", "ễ"),
    ("Hal{\\i}c{\\i}o\\u{g}lu", "Halıcıoğlu"),
    ("D{\\'{\\i}}az", "Díaz"),
    ("{\\relax Ch}ristopher", "Christopher"),
    ("{\\AA}ngstr{\\\"o}m", "Ångström"),
    ("Rafa{\\l} {\\.Z}bikowski", "Rafał Żbikowski"),
    ("Some {'t Hooft's} {S}-matrix", "Some 't Hooft's S-matrix"),
    ("pages 10--20 --- done", "pages 10–20 — done"),
    ("``quoted''", "“quoted”"),
    ("Fellowes~and~Drumpf", "Fellowes and Drumpf"),
    ("Notable-top-25%", "Notable-top-25%"),
    ("25\\% and 50% off", "25% and 50% off"),
    ("\\{literal braces\\}", "{literal braces}"),
    ("$O(n \\log n)$ time", "O(n log n) time"),
    ("\\textbf{Bold} and \\emph{em}", "Bold and em"),
    ("\\LaTeX\\ and \\BibTeX{}", "LaTeX and BibTeX"),
    ("{\\noopsort{1973b}}1973", "1973"),
    ("Polluted\n        with {DDT}.\n   ", "Polluted with DDT."),
    ("\\input{secret}", "\\input{secret}"),
    ("bell\x07char", "bellchar"),
    ("e\u0301cole", "école"),
]


@pytest.mark.parametrize(("raw", "shown"), CASES, ids=[c[0] for c in CASES])
def test_decode(raw: str, shown: str) -> None:
    assert latex.decode(raw) == shown


def test_long_text_is_decoded_whole() -> None:
    text = "w \\\"u " * 50_000 + "$x$"  # forces the piecewise pylatexenc path
    out = latex.decode(text)
    assert out.count("ü") == 50_000 and out.endswith("x")


def test_a_decode_by_pylatexenc_keeps_no_caller_alive() -> None:
    """pylatexenc keeps the exception that ends its stream in a cycle with its frame; the
    frames of whoever called it (the whole load, with the file's text) must not hang on
    it until a collection."""

    class Held:
        pass

    def caller(text: str) -> weakref.ref[Held]:
        held = Held()
        assert latex.decode(text) == "Christopher"
        return weakref.ref(held)

    gc.disable()
    try:
        for n in range(3):  # a text read by pylatexenc, not by the fast path, nor cached
            assert latex._fast_decode(f"{{\\relax Ch}}ristopher{' ' * n}") is None
            assert caller(f"{{\\relax Ch}}ristopher{' ' * n}")() is None
    finally:
        gc.enable()
