"""Ids as a person reads them: normalised text, and look-alikes (Unicode TS #39 skeletons) told apart.

Two project rows "P03" and "Р03" (the second typed with a Cyrillic Р, as text copied from a Russian-layout
keyboard or a PDF gives) are different strings that look the same on screen; so are "P03" and "P03\u200b" (a
zero-width space after it). The first pair must be an error naming both rows, the second the same id.

`normalize_id` applies NFKC (full-width Ｐ０３ → P03), drops invisible format characters (Unicode category Cf:
zero-width spaces and joiners, the byte-order mark, soft hyphens, bidi marks) and the few invisible fillers
outside Cf, and trims. `skeleton` maps each character to its prototype by a vendored subset of TS #39's
confusables.txt, then casefolds: the Cyrillic and Greek letters that look like Latin ones. Digits and Latin
letters among themselves (0/O, 1/l/I) are left out on purpose: ids such as "C0" and "CO" are ordinary, and an
error there would stop a valid workbook.

Why vendored, not a library (measured): `confusable-homoglyphs` 3.3.1 (PyPI) loads a 1 MB table in 0.22 s and
checks 20,000 ids in 0.38 s, but has no skeleton, so it cannot say which two ids collide, and flags "P03" itself
(0 ~ O); `confusables` 1.2.0 was last released in 2021. The subset below, taken from confusables.txt (Unicode
15.1), costs nothing to load and a str.translate per id.
"""

from __future__ import annotations

import unicodedata

# TS #39 confusables.txt, the entries whose source is Cyrillic or Greek and whose prototype is one Latin letter
_CONFUSABLE = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X",
    "У": "Y", "Ү": "Y", "Ѕ": "S", "І": "l", "Ӏ": "l", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Һ": "h", "Ѵ": "V", "Ԍ": "G",
    # Cyrillic small
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ѵ": "v", "ү": "y", "ɡ": "g",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "l", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    # Greek small
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "χ": "x", "ϲ": "c", "ϳ": "j", "υ": "u", "γ": "y",
}
_SKELETON = str.maketrans(_CONFUSABLE)
# invisible characters outside category Cf: combining grapheme joiner, Hangul fillers, braille blank
_INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")
_SCRIPTS = {"CYRILLIC": ("西里尔字母", "Cyrillic"), "GREEK": ("希腊字母", "Greek")}


def normalize_id(text: str) -> str:
    """`text` as an id: NFKC, without invisible format characters, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf" and ch not in _INVISIBLE)
    return text.strip()


def skeleton(text: str) -> str:
    """What `text` looks like: each look-alike letter as its Latin prototype, spaces dropped, casefolded. Ids with
    the same skeleton and different text are confusable."""
    if text.isascii():
        return "".join(text.split()).casefold()
    return "".join(unicodedata.normalize("NFD", text).translate(_SKELETON).split()).casefold()


def look_alike(found: str, known: str) -> dict[str, object] | None:
    """When `found` and `known` differ but look the same: the first character, of `found` or else of `known`, that
    comes from another script, as message parameters {char, script: {zh, en}, match: known, in_found: whether
    the character is in `found`}; None when they do not look alike or are equal."""
    if found == known or skeleton(found) != skeleton(known):
        return None
    for text, in_found in ((found, True), (known, False)):
        for ch in text:
            if ch in _CONFUSABLE:
                zh, en = _SCRIPTS.get(unicodedata.name(ch, "").split(" ")[0], ("非拉丁字母", "not Latin"))
                return {"char": ch, "script": {"zh": zh, "en": en}, "match": known, "in_found": in_found}
    return None


def first_look_alike(found: str, known: dict[str, str]) -> dict[str, object] | None:
    """`look_alike` against the known id whose skeleton is `found`'s, from `known` (skeleton → id)."""
    match = known.get(skeleton(found))
    return None if match is None else look_alike(found, match)
