"""What the APIs answer about a field, worded in Vietnamese for those who read it: committees in the console,
clerks in an import's report (`neuguong import`, the console's Nhập dữ liệu). The APIs keep their exact English
words for integrators; here the common ones are put in Vietnamese, with the API's words beside them."""

import re
from collections.abc import Callable

from neuguong.labels import LEVEL_NAMES, period_label

PERIOD_KINDS = {"month": "tháng", "quarter": "quý", "half-year": "nửa năm", "year": "năm"}


def _cadence(match: re.Match[str]) -> str:
    period, kind, level, allowed = match.groups()
    kinds = ", ".join(
        f"{PERIOD_KINDS.get(name, name)} ({period_label(example)})"
        for name, example in re.findall(r"([\w-]+) \(([^)]+)\)", allowed)
    )
    roll = LEVEL_NAMES.get(level, level)
    return f"{period_label(period)} là một {PERIOD_KINDS.get(kind, kind)}; sổ ghi danh {roll} ghi theo {kinds}"


REASONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^Field required$|^missing$"), "bắt buộc, đang để trống"),
    (re.compile(r"^String should have at least 1 character"), "bắt buộc, đang để trống"),
    (re.compile(r"^String should have at most (\d+) characters?"), r"dài quá \1 ký tự"),
    (re.compile(r"^String should match pattern"), "không đúng dạng: chữ không dấu, số và . _ : - (không khoảng trắng)"),
    (re.compile(r"^Input should be a valid integer"), "phải là một số nguyên"),
    (re.compile(r"^Input should be a valid date"), "phải là một ngày (ngày/tháng/năm)"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), r"phải từ \1 trở lên"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), r"không được quá \1"),
    (re.compile(r"\bNFC\b"), "chữ tiếng Việt chưa ở dạng dựng sẵn (NFC): gõ lại bằng bộ gõ Unicode"),
    (re.compile(r"unknown (member|unit|nomination|honor|commitment|cell)", re.I), "không có trong danh bạ / hệ thống"),
    (re.compile(r"outside the subtree", re.I), "ngoài đơn vị mà tài khoản được phụ trách"),
    (re.compile(r"not in the subtree of", re.I), "không thuộc đơn vị này"),
    (re.compile(r"already decided|is (approved|rejected)", re.I), "đề nghị này đã được quyết định"),
    (re.compile(r"is not eligible for an honor", re.I), "không đủ điều kiện ghi danh"),
    (re.compile(r"already on the .*roll", re.I), "đã có trong sổ ghi danh cấp này, kỳ này"),
    (re.compile(r"no longer a party member", re.I), "không còn là đảng viên"),
    (
        re.compile(r"does not yet know every unit above", re.I),
        "dịch vụ chưa nhận đủ các cấp trên trong danh bạ; chạy lại sau ít phút",
    ),
    (re.compile(r"^(\d{4}) is in the future \(this year is (\d{4})\)$"), r"năm \1 chưa tới (năm nay là \2)"),
    (re.compile(r"is in the future|has not begun", re.I), "chưa tới (thời gian trong tương lai)"),
    (re.compile(r"is not in the catalogue of thematic topics", re.I), "không có trong danh mục chuyên đề"),
    (re.compile(r"also listed as present", re.I), "vừa ghi có mặt vừa ghi vắng mặt"),
    (re.compile(r"^not members of this cell: (.+)$"), r"không phải đảng viên của chi bộ này: \1"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2}) is not in (\d{4})-(\d{2})$"), r"ngày \3/\2/\1 không thuộc tháng \5/\4"),
    (
        re.compile(r"^(\d{4})-(\d{2}) is not in the commitment's year (\d{4})$"),
        r"tháng \2/\1 không thuộc năm \3 của cam kết",
    ),
    (
        re.compile(r"^only a thematic session takes up a topic of the catalogue$"),
        "chỉ buổi sinh hoạt chuyên đề mới chọn chuyên đề trong danh mục",
    ),
    (re.compile(r"^(\S+) is a topic of (\d{4}), not of (\d{4})$"), r"\1 là chuyên đề năm \2, không phải năm \3"),
    (
        re.compile(r"^(\S+) was issued by (\S+), not a committee above this cell$"),
        r"\1 do \2 ban hành, không phải cấp ủy cấp trên của chi bộ này",
    ),
    (re.compile(r"^(\S+) is a ([\w-]+); the (\w+) honor roll is kept by (.+)$"), _cadence),
    (re.compile(r"^digits must be the ASCII 0-9"), "chỉ dùng chữ số 0-9 thông thường (không dùng chữ số toàn khổ)"),
)


def field_reason(field: str, reason: str) -> str:
    """A reason the API gave, in Vietnamese when it is one of the common ones; the API's own words beside it
    otherwise (they name the rule exactly)."""
    for pattern, words in REASONS:
        if pattern.search(reason):
            if callable(words) or "\\1" in words:  # the reason's own values, in Vietnamese words
                return pattern.sub(words, reason)
            return f"{words} ({reason})"
    return reason
