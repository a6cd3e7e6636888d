"""Ids as a person reads them (core/ids.py): normalised text, and look-alikes told apart by their TS #39 skeleton."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from quota_opt.core.ids import _CONFUSABLE, look_alike, normalize_id, skeleton

LATIN_TO_LOOK_ALIKE = {latin: other for other, latin in _CONFUSABLE.items() if len(latin) == 1 and latin.isascii()}


def test_normalize_id_drops_what_cannot_be_seen() -> None:
    assert normalize_id("\ufeffP03\u200b") == "P03"
    assert normalize_id(" Ｐ０３ ") == "P03"  # full-width, NFKC
    assert normalize_id("P\u00ad03\u2060") == "P03"  # soft hyphen, word joiner
    assert normalize_id("萧山\u200d区") == "萧山区"


def test_look_alike_names_the_character_and_its_script() -> None:
    alike = look_alike("\u0420" + "03", "P03")
    assert alike is not None and alike["char"] == "\u0420" and alike["in_found"]
    assert alike["script"] == {"zh": "西里尔字母", "en": "Cyrillic"}
    other = look_alike("P03", "\u03a103")  # the known id holds the Greek Ρ
    assert other is not None and other["char"] == "\u03a1" and not other["in_found"]
    assert other["script"] == {"zh": "希腊字母", "en": "Greek"}
    assert look_alike("P03", "P03") is None and look_alike("P03", "P04") is None
    assert look_alike("C0", "CO") is None  # digits and Latin letters among themselves are ordinary ids


@given(st.text(alphabet="ABCEHKMOPTXacepxy0123456789-", min_size=1, max_size=12), st.data())
def test_any_id_retyped_with_look_alikes_has_the_same_skeleton(text: str, data: st.DataObject) -> None:
    swap = data.draw(st.sets(st.integers(0, len(text) - 1)))
    retyped = "".join(LATIN_TO_LOOK_ALIKE.get(ch, ch) if i in swap else ch for i, ch in enumerate(text))
    assert skeleton(retyped) == skeleton(text)
    alike = look_alike(retyped, text)
    assert (alike is None) == (retyped == text)
    if alike is not None:
        assert alike["char"] in retyped and alike["char"] not in text
