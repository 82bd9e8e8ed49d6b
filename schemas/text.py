"""Wire types for text and periods shared by every event.

Where the contract says digits it means the ASCII digits 0-9, as `\\d` means in JSON Schema (ECMA-262);
Python's `\\d` and `int()` also take ٢٠٢٦ or ２０２６. Commands refuse such digits where they enter
(neuguong.runtime.input); an event written before that rule still reads, its digits folded to ASCII.
"""

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints


def to_nfc(value: str) -> str:
    """Vietnamese text is stored and compared in Unicode NFC."""
    return unicodedata.normalize("NFC", value)


def has_foreign_digits(value: str) -> bool:
    """True when `value` holds a decimal digit other than ASCII 0-9 (Arabic-Indic, fullwidth, …)."""
    return any(c.isdecimal() and not c.isascii() for c in value)


def fold_digits(value: Any) -> Any:
    """Decimal digits of any script as ASCII ones (`٢٠٢٦-11` → `2026-11`); anything else unchanged."""
    if isinstance(value, str) and not value.isascii() and has_foreign_digits(value):
        return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(to_nfc)]
"""Non-empty human text, normalised to NFC."""

OptionalText = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(to_nfc)]
"""Human text that may be empty, normalised to NFC."""

PERIOD_PATTERN = r"^[0-9]{4}(-(H[12]|Q[1-4]|(0[1-9]|1[0-2])))?$"
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
QUARTER_PATTERN = r"^[0-9]{4}-Q[1-4]$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"

Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN), BeforeValidator(fold_digits)]
"""A reporting period: `2023`, `2023-H1`, `2023-Q2` or `2023-05` (cut in Asia/Ho_Chi_Minh time)."""

Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN), BeforeValidator(fold_digits)]
"""A calendar month, `2023-05`."""

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]
"""An aggregate id as it travels as a Kafka key: ASCII, no spaces."""

_period_re = re.compile(PERIOD_PATTERN)


def is_period(value: str) -> bool:
    """True when `value` is a well-formed period string (ASCII digits only)."""
    return bool(_period_re.match(value))
