"""What enters through HTTP, held in one place: unknown fields refused, text in Unicode NFC without control
characters, ASCII digits wherever the contract says digits, and numbers and dates within stated bounds.

Python's `\\d` and `int()` take any script's digits (٢٠٢٦, ２０２６): a period spelt three ways would be
three periods. Every command field, path and query parameter that carries digits uses a type from here.
"""

import re
import unicodedata
from datetime import date
from typing import Annotated, Any, Self

from annotated_types import Interval
from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    SecretStr,
    StringConstraints,
    ValidationError,
)

from neuguong.periods import SPAN_SEPARATOR, span_periods
from schemas.text import (
    IDENTIFIER_PATTERN,
    MONTH_PATTERN,
    PERIOD_PATTERN,
    QUARTER_PATTERN,
    has_foreign_digits,
)

ASCII_DIGITS_ONLY = "digits must be the ASCII 0-9 (not ٢٠٢٦ or ２０２６)"
"""Why a value spelt in another script's digits is refused, wherever digits enter."""

FIRST_YEAR, LAST_YEAR = 2000, 2100
"""The years a command may name (a period, a date, a commitment's year)."""


class Command(BaseModel):
    """A command (or a command's HTTP body): unknown fields are refused, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def of(cls, body: BaseModel, **path: Any) -> Self:
        """The whole command from its HTTP body and the ids its path names (validated like the body)."""
        try:
            return cls.model_validate({**dict(body), **path})
        except ValidationError as error:
            raise RequestValidationError(
                [
                    {**e, "loc": ("path" if e["loc"] and e["loc"][0] in path else "body", *e["loc"])}
                    for e in error.errors()
                ]
            ) from error

    def fingerprint(self) -> Any:
        """What an Idempotency-Key is bound to: the same key with another fingerprint is refused."""
        return self.model_dump(mode="json")


def require_nfc(value: str) -> str:
    """Refuse text that is not in Unicode NFC (decomposed Vietnamese letters compare unequal)."""
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError("text must be in Unicode NFC (composed characters); decomposed text was sent")
    return value


FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""C0/C1 controls other than tab and line breaks, DEL, lone surrogates and the noncharacters U+FFFE/U+FFFF."""


def forbidden_character(value: str) -> str | None:
    """The first character text may not hold, as U+XXXX: C0/C1 controls other than tab and line breaks,
    DEL, lone surrogates and the noncharacters U+FFFE/U+FFFF (none fits in XML, several break PostgreSQL)."""
    found = FORBIDDEN_CHARACTERS.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def require_plain_text(value: str) -> str:
    """Refuse control characters (tab and line breaks excepted), lone surrogates and noncharacters."""
    if (found := forbidden_character(value)) is not None:
        raise ValueError(
            f"{found} is not allowed in text (no control character but tab and line breaks, no lone surrogate)"
        )
    return value


InputText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(require_nfc),
    AfterValidator(require_plain_text),
]
"""Non-empty human text in a command."""

OptionalInputText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=10000),
    AfterValidator(require_nfc),
    AfterValidator(require_plain_text),
]
"""Human text in a command that may be empty (notes, resolutions)."""


def _plain_secret(value: SecretStr) -> SecretStr:
    require_plain_text(value.get_secret_value())
    return value


InputSecret = Annotated[SecretStr, AfterValidator(_plain_secret)]
"""A shared secret in a command: no control characters or lone surrogates (it is hashed and stored as text)."""


def _shaped(pattern: str, what: str) -> BeforeValidator:
    """A check run before the pattern, so the refusal says what was expected (and why ٢٠٢٦ is not 2026)."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str):
            if has_foreign_digits(value):
                raise ValueError(f"{ASCII_DIGITS_ONLY}: expected {what}")
            if not compiled.match(value):
                raise ValueError(f"expected {what}")
        return value

    return BeforeValidator(check)


def _year_in_range(value: str) -> str:
    if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
        raise ValueError(f"the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _digit_pattern(pattern: str, what: str) -> Any:
    return Annotated[str, StringConstraints(pattern=pattern), AfterValidator(_year_in_range), _shaped(pattern, what)]


InputPeriod = _digit_pattern(PERIOD_PATTERN, "a period such as 2026, 2026-H1, 2026-Q2 or 2026-05")
"""A period as a command or a query names it: ASCII digits, a year from 2000 to 2100."""

_PERIOD = PERIOD_PATTERN.strip("^$")
SPAN_PATTERN = f"^{_PERIOD}(\\.\\.{_PERIOD})?$"


def _span_in_range(value: str) -> str:
    for end in value.split(SPAN_SEPARATOR):
        _year_in_range(end)
    span_periods(value)  # a ValueError names what is wrong with the range
    return value


InputSpan = Annotated[
    str,
    StringConstraints(pattern=SPAN_PATTERN),
    AfterValidator(_span_in_range),
    _shaped(SPAN_PATTERN, "a period (2026, 2026-H1, 2026-Q2, 2026-05) or a range of one kind (2025..2026)"),
]
"""A period or a closed range of periods of one kind, as a report names it: `2025..2026`, `2024-H2..2025-H1`."""

InputMonth = _digit_pattern(MONTH_PATTERN, "a month such as 2026-05")
"""A month as a command or a query names it."""

InputQuarter = _digit_pattern(QUARTER_PATTERN, "a quarter such as 2026-Q2")
"""A quarter as a query names it."""

InputId = Annotated[
    str,
    StringConstraints(pattern=IDENTIFIER_PATTERN),
    _shaped(IDENTIFIER_PATTERN, "an id of ASCII letters, digits and . _ : - (at most 128)"),
]
"""An id in a path or a query: the same ASCII shape as ids in events, so a NUL or a space never reaches SQL."""

PageCursor = Annotated[
    str,
    StringConstraints(pattern=f"^$|{IDENTIFIER_PATTERN}"),
    _shaped(f"^$|{IDENTIFIER_PATTERN}", "the `next` id of the previous page"),
]
"""`after`: the id that ended the previous page, or empty for the first page."""

InputDate = Annotated[date, Interval(ge=date(FIRST_YEAR, 1, 1), le=date(LAST_YEAR, 12, 31))]
"""A calendar date in a command: ISO `2026-05-31`, within the years a command may name."""


def _ascii_number(value: Any) -> Any:
    """A number sent as text (a query parameter) in another script's digits is refused in words, not as "not an
    integer" (pydantic would refuse it too, without saying why)."""
    if isinstance(value, str) and has_foreign_digits(value):
        raise ValueError(ASCII_DIGITS_ONLY)
    return value


InputYear = Annotated[int, Interval(ge=FIRST_YEAR, le=LAST_YEAR), BeforeValidator(_ascii_number)]
"""A calendar year in a command or a query."""

SMALL_COUNT = 1_000_000
"""The bound of every count a command carries (a line number, a version): far above use, far below int32."""

InputCount = Annotated[int, Interval(ge=1, le=SMALL_COUNT), BeforeValidator(_ascii_number)]
"""A positive whole number a command carries (a line of a file, a version)."""
