"""Wire types for text and periods shared by every event."""

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def to_nfc(value: str) -> str:
    """Vietnamese text is stored and compared in Unicode NFC."""
    return unicodedata.normalize("NFC", value)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(to_nfc)]
"""Non-empty human text, normalised to NFC."""

OptionalText = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(to_nfc)]
"""Human text that may be empty, normalised to NFC."""

PERIOD_PATTERN = r"^\d{4}(-(H[12]|Q[1-4]|(0[1-9]|1[0-2])))?$"
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]
"""A reporting period: `2023`, `2023-H1`, `2023-Q2` or `2023-05` (cut in Asia/Ho_Chi_Minh time)."""

Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
"""A calendar month, `2023-05`."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
"""An aggregate id as it travels as a Kafka key: ASCII, no spaces."""

_period_re = re.compile(PERIOD_PATTERN)


def is_period(value: str) -> bool:
    """True when `value` is a well-formed period string."""
    return bool(_period_re.match(value))
