"""Cells as clerks write them: dates, yes/no, lists of codes, words from a short vocabulary.

Each reader raises CellError with the reason in Vietnamese (the clerk reads it beside the row number).
"""

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from neuguong.workbooks.sheets import header_key

YES = {"có", "x", "✓", "đúng", "yes", "true", "1", "c"}
NO = {"", "không", "ko", "no", "false", "0", "k"}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


class CellError(ValueError):
    """A cell that does not say what its column needs; the message is the reason."""


# Tone marks placed the old way and the new way (xoá / xóa, thuỷ / thủy): both NFC, both in use. In "qu"
# the u belongs to the consonant, so "quý" has one spelling.
_OLD_PLACEMENT = re.compile(r"o([áàảãạ])|(?<!q)u([ýỳỷỹỵ])")
_MOVED = {**dict(zip("áàảãạ", "óòỏõọ", strict=True)), **dict(zip("ýỳỷỹỵ", "úùủũụ", strict=True))}


def word(text: str) -> str:
    """A cell as matched against a vocabulary: NFC, lower case, single spaces, either tone placement."""
    return _OLD_PLACEMENT.sub(_new_placement, header_key(text))


def _new_placement(found: re.Match[str]) -> str:
    if found[1]:
        return _MOVED[found[1]] + "a"
    return _MOVED[found[2]] + "y"


def vocabulary(words: Mapping[str, str]) -> dict[str, str]:
    """A vocabulary (word -> code) keyed as `word` reads cells."""
    return {word(key): code for key, code in words.items()}


def choice(text: str, words: Mapping[str, str], shown: str) -> str:
    """The code a word of a `vocabulary` stands for."""
    code = words.get(word(text))
    if code is None:
        raise CellError(f"'{text}' không phải một trong: {shown}")
    return code


def yes_no(text: str) -> bool:
    """'có' / 'x' is yes, an empty cell or 'không' is no."""
    key = word(text)
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(f"'{text}' phải là 'có' hoặc để trống")


def day(text: str) -> date:
    """A date as dd/mm/yyyy, yyyy-mm-dd (also an Excel date cell)."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise CellError(f"'{text}' không phải ngày (viết dd/mm/yyyy)")


def past_day(text: str, today: date) -> date:
    """A date that is not after today."""
    value = day(text)
    if value > today:
        raise CellError(f"{value:%d/%m/%Y} là ngày trong tương lai")
    return value


def codes(text: str) -> list[str]:
    """A list of codes, one per line or separated by commas or semicolons."""
    return [code for code in re.split(r"[\s,;]+", text) if code]


def named_reasons(text: str) -> list[dict[str, str]]:
    """Lines 'mã: lý do' (members praised or reminded, and why)."""
    items = []
    for number, line in enumerate((line.strip() for line in text.splitlines()), start=1):
        if not line:
            continue
        code, sep, reason = line.partition(":")
        if not sep or not code.strip() or not reason.strip():
            raise CellError(f"dòng {number} trong ô: viết 'mã đảng viên: lý do' (được '{line}')")
        items.append({"member_id": code.strip(), "reason": reason.strip()})
    return items


def lines(text: str) -> list[str]:
    """The non-empty lines of a cell."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def composed(text: str) -> str:
    """The text itself when it is in Unicode NFC; decomposed letters are refused."""
    if not unicodedata.is_normalized("NFC", text):
        raise CellError("chữ viết ở dạng Unicode tổ hợp (decomposed); lưu lại ở Unicode dựng sẵn (NFC, TCVN 6909:2001)")
    return text


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MONTH = re.compile(r"^(?:tháng\s*)?(\d{1,2})\s*[/.-]\s*(\d{4})$")
_QUARTER = re.compile(r"^quý\s*(\d|i{1,3}|iv)\s*[/.-]?\s*(?:năm\s*)?(\d{4})$")
_HALF = re.compile(r"^6 tháng (đầu|cuối) năm\s*(\d{4})$")
_YEAR = re.compile(r"^(?:năm\s*)?(\d{4})$")


def month(text: str) -> str:
    """A month as 2026-05, 05/2026 or 'tháng 5/2026'."""
    try:
        value = period(text)
    except CellError:
        value = ""
    if len(value) != 7 or value[5] in "QH":
        raise CellError(f"'{text}' không phải một tháng (viết 05/2026)")
    return value


def period(text: str) -> str:
    """A period as the API writes it (2026, 2026-H1, 2026-Q2, 2026-05) or as a clerk does:
    'năm 2026', '6 tháng đầu năm 2026', 'quý II/2026', 'tháng 5/2026', 05/2026."""
    key = word(text)
    if re.fullmatch(r"\d{4}(-(h[12]|q[1-4]|(0[1-9]|1[0-2])))?", key):
        return key.upper()
    if found := _MONTH.match(key):
        number, year = int(found[1]), found[2]
        if 1 <= number <= 12:
            return f"{year}-{number:02d}"
    elif found := _QUARTER.match(key):
        number = int(found[1]) if found[1].isdigit() else _ROMAN[found[1]]
        if 1 <= number <= 4:
            return f"{found[2]}-Q{number}"
    elif found := _HALF.match(key):
        return f"{found[2]}-H{1 if found[1] == 'đầu' else 2}"
    elif found := _YEAR.match(key):
        return found[1]
    raise CellError(f"'{text}' không phải một kỳ (viết 05/2026, quý II/2026, 6 tháng đầu năm 2026 hoặc năm 2026)")
