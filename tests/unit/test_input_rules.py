"""What enters (neuguong.runtime.input): ASCII digits where the contract says digits, text without control
characters, bounded years and dates; and events written before those rules still read (schemas.text)."""

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from neuguong.runtime.input import (
    InputCount,
    InputDate,
    InputId,
    InputMonth,
    InputPeriod,
    InputSpan,
    InputText,
    InputYear,
    PageCursor,
    forbidden_character,
)
from schemas import decode, read_payload
from schemas.compat import breaking_changes
from schemas.text import Period, fold_digits, is_period

SAMPLES = Path(__file__).parents[2] / "schemas" / "samples"
THREE_SPELLINGS = ["2026-11", "٢٠٢٦-11", "２０２６-11"]
FOREIGN_DIGITS = [chr(c) for c in range(0x110000) if chr(c).isdecimal() and not chr(c).isascii()]


def accepts(kind, value) -> bool:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


def refusal(kind, value) -> str:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(kind).validate_python(value)
    return refused.value.errors()[0]["msg"]


def test_three_spellings_of_one_period_are_one_period_or_a_refusal():
    assert [accepts(InputPeriod, p) for p in THREE_SPELLINGS] == [True, False, False]
    assert all("ASCII 0-9" in refusal(InputPeriod, p) for p in THREE_SPELLINGS[1:])
    # An event written before the rule reads as the one ASCII period.
    assert {TypeAdapter(Period).validate_python(p) for p in THREE_SPELLINGS} == {"2026-11"}


@given(st.text(alphabet=st.sampled_from([*"0123456789-HQ", *FOREIGN_DIGITS[:200]]), max_size=8))
def test_a_period_a_command_accepts_is_ascii_and_well_formed(value):
    for kind in (InputPeriod, InputMonth):
        if accepts(kind, value):
            assert value.isascii() and is_period(value) and 2000 <= int(value[:4]) <= 2100


@given(st.sampled_from(FOREIGN_DIGITS), st.sampled_from(["2026", "2026-05", "2026-Q2", "lc-x2"]))
def test_any_foreign_digit_anywhere_is_refused_in_ids_and_periods(digit, value):
    spoiled = value.replace("2", digit, 1)
    assert not accepts(InputPeriod, spoiled) and not accepts(InputId, spoiled) and not accepts(PageCursor, spoiled)


def test_exactly_the_controls_but_tab_and_line_breaks_surrogates_and_two_noncharacters_are_forbidden():
    def forbidden(code: int) -> bool:
        if chr(code) in "\t\n\r":
            return False
        return code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF)

    found = [code for code in range(0x110000) if forbidden_character(f"Việc tốt {chr(code)}") is not None]
    assert found == [code for code in range(0x110000) if forbidden(code)]
    assert forbidden_character("a\x85b\x00") == "U+0085"  # the first one, named


@given(st.sampled_from(FOREIGN_DIGITS))
def test_a_year_or_a_count_sent_as_text_in_foreign_digits_is_refused_in_words(digit):
    for kind, value in ((InputYear, "2026"), (InputCount, "12")):
        assert "ASCII 0-9" in refusal(kind, value.replace("2", digit, 1))
        assert TypeAdapter(kind).validate_python(value) == int(value)


@pytest.mark.parametrize("period", ["0000", "0001-05", "1999-Q4", "2101", "9999-H2"])
def test_years_outside_2000_to_2100_are_refused(period):
    assert "between 2000 and 2100" in refusal(InputPeriod, period)


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2101-01-01", "٢٠٢٦-01-01", "２０２６-01-01"])
def test_dates_outside_the_years_or_in_foreign_digits_are_refused(day):
    assert not accepts(InputDate, day)


def test_fold_digits_leaves_ascii_and_other_text_alone():
    assert fold_digits("Tháng ٣/٢٠٢٦") == "Tháng 3/2026" and fold_digits("2026") == "2026" and fold_digits(7) == 7


def test_an_event_with_a_period_in_foreign_digits_still_reads_as_ascii():
    sample = json.loads((SAMPLES / "HonorRecorded.v1.json").read_text(encoding="utf-8"))
    sample["payload"]["period"] = "٢٠٢٦-11"
    event = read_payload(decode(json.dumps(sample, ensure_ascii=False).encode()))
    assert event.period == "2026-11"


def test_the_schema_change_from_backslash_d_to_0_9_is_compatible_and_a_real_narrowing_is_not():
    old = {"type": "string", "pattern": r"^\d{4}$"}
    assert breaking_changes(old, {"type": "string", "pattern": "^[0-9]{4}$"}) == []
    assert breaking_changes(old, {"type": "string", "pattern": "^[0-5]{4}$"})


CONTROL = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\t\n\r"]


@given(st.text(max_size=20), st.sampled_from([*CONTROL, "\ud800", "\udfff", "\ufffe", "\uffff"]), st.text(max_size=20))
def test_text_with_a_control_character_is_refused_wherever_it_sits(before, bad, after):
    value = f"x{before}{bad}{after}x"
    assert forbidden_character(value) is not None
    assert not accepts(InputText, value)


PLAIN = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters="\ufffe\uffff")


@given(st.text(alphabet=PLAIN, min_size=1, max_size=50).map(lambda t: unicodedata.normalize("NFC", t)))
def test_text_without_controls_in_nfc_is_accepted(value):
    assert accepts(InputText, value) == bool(value.strip())


@pytest.mark.parametrize("value", ["2026", "2026-Q2", "2025..2026", "2024-H2..2025-H1", "2025-11..2026-02"])
def test_a_report_takes_a_period_or_a_range_of_periods_of_one_kind(value):
    assert accepts(InputSpan, value)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("2026..2025", "run forward"),
        ("2025..2026-H1", "one kind"),
        ("1999..2025", "between 2000 and 2100"),
        ("2025...2026", "a range of one kind"),
        ("2025..２０２６", "ASCII 0-9"),
    ],
)
def test_a_span_that_cannot_be_read_is_refused_with_its_reason(value, reason):
    assert reason in refusal(InputSpan, value)
