"""Command bodies: unknown fields refused, text in Unicode NFC and bounded in size."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


class Command(BaseModel):
    """A command body: unknown fields are refused, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


def require_nfc(value: str) -> str:
    """Refuse text that is not in Unicode NFC (decomposed Vietnamese letters compare unequal)."""
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError("text must be in Unicode NFC (composed characters); decomposed text was sent")
    return value


InputText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), AfterValidator(require_nfc)
]
"""Non-empty human text in a command."""

OptionalInputText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=10000), AfterValidator(require_nfc)
]
"""Human text in a command that may be empty (notes, resolutions)."""
