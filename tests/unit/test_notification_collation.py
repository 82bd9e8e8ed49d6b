"""Vietnamese order of names: the alphabet, tones and case as ICU's `vi` collator has them (checked against
ICU itself in tests/handlers/test_collation_against_icu.py)."""

from services.notifications.collation import name_key, sort_key

WORDS = [
    "a",
    "à",
    "ả",
    "ã",
    "á",
    "ạ",
    "ă",
    "â",
    "b",
    "đ",
    "d",
    "e",
    "ê",
    "o",
    "ô",
    "ơ",
    "u",
    "ư",
    "y",
    "f",
    "z",
    "A",
    "Anh",
    "Ánh",
    "ánh",
    "Ân",
    "An",
    "Bình",
    "Bích",
    "Chi",
    "Dung",
    "Đức",
    "Giang",
    "Hà",
    "Hạnh",
    "Hải",
    "Hoa",
    "Hòa",
    "Hóa",
    "Ho",
    "Hơ",
    "Hồ",
    "Lò",
    "Lý",
    "Mỷ",
    "Mỹ",
    "Thủy",
    "Thuỷ",
    "Thúy",
    "Tuấn",
    "Tú",
    "Trung",
    "Ư",
    "Yến",
    "1",
    "2a",
    " a",
    "a-b",
    "ab",
    "Ngọc",
    "Nguyễn",
    "Ngô",
    "Giàng",
    "Sùng",
    "Vàng",
    "Đặng",
    "Ly",
]


def test_the_vietnamese_alphabet_then_tones_then_case():
    expected = ["a", "à", "ả", "ã", "á", "ạ", "ă", "â", "b", "d", "đ", "e", "ê", "o", "ô", "ơ", "u", "ư", "y"]
    assert sorted(expected[::-1], key=sort_key) == expected
    assert sorted(["Đức", "Dung", "Hồ", "Hơ", "Hoa", "Ánh", "ánh", "Ân", "An"], key=sort_key) == [
        "An",
        "ánh",
        "Ánh",
        "Ân",
        "Dung",
        "Đức",
        "Hoa",
        "Hồ",
        "Hơ",
    ]


def test_names_sort_by_given_name_then_family_name():
    names = ["Nguyễn Văn Bình", "Lò Thị Ánh", "Giàng A Dế", "Đặng Văn An", "Vàng Thị Ánh", "Bàn Thị Ánh"]
    assert sorted(names, key=name_key) == [
        "Đặng Văn An",
        "Bàn Thị Ánh",
        "Lò Thị Ánh",
        "Vàng Thị Ánh",
        "Nguyễn Văn Bình",
        "Giàng A Dế",
    ]
