"""Numbers as Vietnamese readers write them: 142.597 and 87,4 %."""

from decimal import ROUND_HALF_UP, Decimal


def vi_number(value: int) -> str:
    """A whole number written the Vietnamese way: 142.597."""
    return f"{value:,}".replace(",", ".")


def share(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent to one decimal, rounded half up; None when there is no whole."""
    if whole <= 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def vi_percent(part: int, whole: int) -> str:
    """A share written the Vietnamese way: 87,4 % (a comma for decimals, a space before the sign);
    "–" when there is nothing to take a share of."""
    value = share(part, whole)
    if value is None:
        return "–"
    whole_part, _, decimals = f"{value:,}".partition(".")
    return f"{whole_part.replace(',', '.')},{decimals} %"
