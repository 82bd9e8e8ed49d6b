"""Vietnamese collation without a native library: the order of ICU's `vi` collator, as a sort key.

Letters are compared first (the alphabet a ă â b c d đ e ê … with ă, â, đ, ê, ô, ơ, ư as letters of
their own), then tones (none < huyền < hỏi < ngã < sắc < nặng), then case (lower first) — the three
levels of the Unicode Collation Algorithm with CLDR's Vietnamese tailoring.
"""

import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_LETTER_MARKS = ("\u0306", "\u0302", "\u031b")  # breve, circumflex, horn: they make new letters
_WHITESPACE, _PUNCTUATION, _DIGIT, _LETTER = range(4)

Key = tuple[tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...]]


def _element(char: str) -> tuple[tuple[int, int], int, int]:
    decomposed = unicodedata.normalize("NFD", char)
    tone = next((_TONES[m] for m in decomposed[1:] if m in _TONES), 0)
    base = unicodedata.normalize("NFC", decomposed[0] + "".join(m for m in decomposed[1:] if m in _LETTER_MARKS))
    lower = base.lower()
    case = 1 if base != lower else 0
    if lower in _LETTER_RANK:
        primary = (_LETTER, _LETTER_RANK[lower])
    elif lower.isdigit():
        primary = (_DIGIT, int(lower) if lower.isdecimal() else ord(lower))
    elif lower.isalpha():
        primary = (_LETTER, len(ALPHABET) + ord(unicodedata.normalize("NFD", lower)[0]))
    elif lower.isspace():
        primary = (_WHITESPACE, ord(lower))
    else:
        primary = (_PUNCTUATION, ord(lower))
    return primary, tone, case


def sort_key(text: str) -> Key:
    """A key that orders strings as ICU's Vietnamese collator does."""
    elements = [_element(char) for char in unicodedata.normalize("NFC", text)]
    return (tuple(e[0] for e in elements), tuple(e[1] for e in elements), tuple(e[2] for e in elements))


def name_key(full_name: str) -> tuple[Key, Key, Key]:
    """Vietnamese name order: given name (the last word), then family name (the first), then the middle."""
    words = full_name.split()
    if not words:
        return sort_key(""), sort_key(""), sort_key("")
    given, family, middle = words[-1], words[0] if len(words) > 1 else "", " ".join(words[1:-1])
    return sort_key(given), sort_key(family), sort_key(middle)
