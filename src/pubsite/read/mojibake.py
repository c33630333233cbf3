"""Garbled text (mojibake: UTF-8 read in a legacy code page) found and repaired, for the
checks of entry text and of the profile alike."""

from __future__ import annotations

import re
import unicodedata

# Characters that appear when UTF-8 is read in a legacy code page.
_MOJIBAKE_HINT = re.compile(
    r"[ÃÂâÅÄÆÐÑ][\x80-\xbf\u0152-\u2122]|[\u0e00-\u0e7f][\u0152-\u2122\x80-\xff]|ฤ|๐Ÿ|â€")


def mojibake_fix(value: str) -> str | None:
    """The repaired text when `value` is mojibake, else None."""
    if value.isascii() or not _MOJIBAKE_HINT.search(value):
        return None
    fixed = repair_mojibake(value)
    return fixed if fixed != value else None


def _legacy_bytes(text: str) -> bytes | None:
    """Bytes of `text` read back through the code pages that mojibake comes from."""
    out = bytearray()
    for ch in text:
        if ord(ch) < 0x80:
            out.append(ord(ch))
            continue
        for enc in ("cp874", "cp1252", "latin-1"):
            try:
                out += ch.encode(enc)
                break
            except UnicodeEncodeError:
                continue
        else:
            return None
    return bytes(out)


def repair_mojibake(text: str) -> str:
    import ftfy

    fixed: str = ftfy.fix_encoding(text)
    if fixed != text:
        return fixed
    # ftfy misses a Thai code page mixed with cp1252 (the seed's "HalฤฑcฤฑoฤŸlu").
    raw = _legacy_bytes(text)
    if raw is None:
        return text
    try:
        candidate = raw.decode("utf-8")
    except UnicodeDecodeError:
        return text
    return unicodedata.normalize("NFC", candidate)
