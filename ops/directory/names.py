"""Name parts for the demo directory: people, villages and agency cells of Lào Cai (NFC text)."""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class NameStyle:
    """Family, middle and given names that go together in one naming tradition."""

    families: tuple[str, ...]
    middles_male: tuple[str, ...]
    middles_female: tuple[str, ...]
    givens_male: tuple[str, ...]
    givens_female: tuple[str, ...]


KINH = NameStyle(
    families=("Nguyễn",) * 6
    + ("Trần",) * 3
    + ("Lê",) * 3
    + ("Phạm",) * 2
    + ("Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Dương", "Đinh", "Phan", "Trịnh", "Đào", "Lương", "Hà", "Cao", "Tạ"),
    middles_male=("Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Mạnh", "Xuân", "Công", "Đình", "Tiến", "Thanh"),
    middles_female=("Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Hồng", "Minh", "Phương", "Kim", "Thùy"),
    givens_male=(
        "Hùng",
        "Dũng",
        "Cường",
        "Tuấn",
        "Hải",
        "Long",
        "Nam",
        "Sơn",
        "Thắng",
        "Trung",
        "Quân",
        "Hiếu",
        "Bình",
        "Tùng",
        "Hưng",
        "Khánh",
        "Phong",
        "Thành",
        "Đức",
        "Huy",
        "Kiên",
        "Lâm",
        "Lợi",
        "Việt",
        "Toàn",
        "Thịnh",
        "Chiến",
        "Hòa",
    ),
    givens_female=(
        "Lan",
        "Hương",
        "Hoa",
        "Mai",
        "Hằng",
        "Nga",
        "Thảo",
        "Trang",
        "Huyền",
        "Linh",
        "Hạnh",
        "Ngọc",
        "Yến",
        "Nhung",
        "Thủy",
        "Oanh",
        "Loan",
        "Vân",
        "Giang",
        "Hà",
        "Phương",
        "Dung",
        "Thu",
        "Thúy",
        "Liên",
    ),
)

# Tày, Thái, Giáy, Nùng, Bố Y: Kinh-like middle names, own family names.
TAY_THAI = NameStyle(
    families=(
        "Lò",
        "Lò",
        "Hoàng",
        "Hoàng",
        "Nông",
        "Lương",
        "Hà",
        "Đèo",
        "Vi",
        "Lù",
        "Lục",
        "Lường",
        "Cầm",
        "Ma",
        "Lồ",
        "Sần",
    ),
    middles_male=("Văn", "Văn", "Văn", "Đức", "Minh", "Xuân"),
    middles_female=("Thị", "Thị", "Thị", "Thu", "Hồng"),
    givens_male=(
        "Hùng",
        "Thắng",
        "Sinh",
        "Chiến",
        "Dũng",
        "Khánh",
        "Thái",
        "Pẳng",
        "Tiến",
        "Quý",
        "Chính",
        "Lả",
        "Hiên",
        "Tuyên",
        "Nhất",
        "Sơn",
    ),
    givens_female=("Hương", "Nhung", "Thoa", "Liên", "Lả", "Ban", "Mến", "Xuân", "Thơm", "Diệp", "Lan", "Hiền", "Ngân"),
)

HMONG = NameStyle(
    families=(
        "Giàng",
        "Giàng",
        "Thào",
        "Thào",
        "Vàng",
        "Vàng",
        "Sùng",
        "Sùng",
        "Lý",
        "Hầu",
        "Má",
        "Mùa",
        "Lầu",
        "Cứ",
        "Vừ",
        "Hạng",
        "Chảo",
    ),
    middles_male=("A", "A", "A", "Seo", "Seo", "Văn"),
    middles_female=("Thị", "Thị", "Mí", "Thị"),
    givens_male=(
        "Páo",
        "Chứ",
        "Dình",
        "Sử",
        "Tủa",
        "Chù",
        "Lử",
        "Pao",
        "Sình",
        "Chơ",
        "Dế",
        "Sang",
        "Vư",
        "Khua",
        "Tráng",
        "Chúng",
        "Phừ",
        "Dủa",
        "Cở",
        "Chinh",
        "Lồng",
    ),
    givens_female=(
        "Mai",
        "Dở",
        "Sú",
        "Dua",
        "Máy",
        "Chở",
        "Lan",
        "Dung",
        "Mỷ",
        "Pà",
        "Sua",
        "Của",
        "Dính",
        "Vá",
        "Chi",
        "Sáy",
    ),
)

DAO = NameStyle(
    families=("Tẩn", "Tẩn", "Triệu", "Triệu", "Lý", "Bàn", "Chảo", "Phàn", "Đặng", "Tẩn"),
    middles_male=("Láo", "Láo", "Văn", "Văn", "Tả", "Kim", "Quẩy"),
    middles_female=("Thị", "Thị", "Mùi", "Tả", "Sử"),
    givens_male=(
        "Lở",
        "San",
        "Chàn",
        "Sành",
        "Phú",
        "Tả",
        "Quẩy",
        "Vần",
        "Chiêm",
        "Lai",
        "Phin",
        "Chản",
        "Kiểm",
        "Tòng",
        "Sơn",
    ),
    givens_female=("Mẩy", "Xoang", "Nái", "Muội", "Chàn", "Sể", "Diu", "Mây", "Xuân", "Kiều", "Liếu"),
)

# Rough mix of naming traditions by kind of commune: wards are mostly Kinh, highland communes are not.
STYLE_WEIGHTS = {
    "urban": ((KINH, 70), (TAY_THAI, 15), (HMONG, 5), (DAO, 10)),
    "rural": ((KINH, 30), (TAY_THAI, 25), (HMONG, 28), (DAO, 17)),
}
FEMALE_SHARE = 0.38

VILLAGE_FIRST = (
    "Nậm",
    "Bản",
    "Pờ",
    "Sín",
    "Tả",
    "Phìn",
    "Cốc",
    "Làng",
    "Khe",
    "Lùng",
    "Séo",
    "Na",
    "Pa",
    "Ngải",
    "Suối",
    "Tà",
    "Cán",
    "Lao",
    "Mù",
    "Xéo",
    "Hô",
    "Lủ",
    "Khuổi",
    "Choán",
)
VILLAGE_SECOND = (
    "Hồ",
    "Chải",
    "Pao",
    "Xá",
    "Thàng",
    "Củ",
    "Sáng",
    "Vàng",
    "Pan",
    "Cang",
    "Lầu",
    "Ly",
    "Chư",
    "Ngài",
    "Mới",
    "Giàng",
    "Lếch",
    "Mạ",
    "Pung",
    "Sâm",
    "Phố",
    "Dền",
    "Van",
    "Cuông",
    "Khoang",
    "Pả",
    "Sắt",
    "Sử",
)
KINH_VILLAGES = (
    "Tân Tiến",
    "Đồng Tâm",
    "Hòa Bình",
    "Quyết Thắng",
    "Tân Thành",
    "Trung Tâm",
    "Đoàn Kết",
    "Thắng Lợi",
    "Hồng Phong",
    "Bình Minh",
    "Xuân Quang",
    "An Thành",
    "Tân Lập",
    "Đồng Xuân",
    "Phú Thịnh",
    "Làng Mới",
    "Minh Khai",
    "Hợp Nhất",
)

AGENCY_CELLS = (
    "Chi bộ cơ quan Ủy ban nhân dân {kind} {place}",
    "Chi bộ Công an {kind} {place}",
    "Chi bộ Quân sự {kind} {place}",
    "Chi bộ Trạm Y tế {kind} {place}",
    "Chi bộ Trường Tiểu học {place}",
    "Chi bộ Trường Trung học cơ sở {place}",
    "Chi bộ Trường Mầm non {place}",
)


def full_name(rng: random.Random, *, urban: bool) -> str:
    """A plausible full name (family, middle, given) for a party member in Lào Cai."""
    styles, weights = zip(*STYLE_WEIGHTS["urban" if urban else "rural"], strict=True)
    style = rng.choices(styles, weights)[0]
    if rng.random() < FEMALE_SHARE:
        middle, given = rng.choice(style.middles_female), rng.choice(style.givens_female)
    else:
        middle, given = rng.choice(style.middles_male), rng.choice(style.givens_male)
    return f"{rng.choice(style.families)} {middle} {given}"


def village_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct village names with their prefix, e.g. "bản Nậm Pung" or "thôn Tân Tiến"."""
    local = [f"{first} {second}" for first in VILLAGE_FIRST for second in VILLAGE_SECOND]
    kinh = rng.sample(KINH_VILLAGES, min(len(KINH_VILLAGES), round(count * 0.2)))
    if count - len(kinh) > len(local):
        raise ValueError(f"count: at most {len(local) + len(kinh)} distinct villages, asked for {count}")
    villages = [f"thôn {name}" for name in kinh]
    villages += [f"{_village_prefix(rng, name)} {name}" for name in rng.sample(local, count - len(kinh))]
    rng.shuffle(villages)
    return villages


def _village_prefix(rng: random.Random, name: str) -> str:
    # "bản Bản Xèo" reads wrong: such names are called "thôn" in Lào Cai.
    return "thôn" if name.split()[0] in ("Bản", "Làng") else rng.choice(("thôn", "bản"))
