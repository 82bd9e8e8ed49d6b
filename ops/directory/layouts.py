"""The columns of the directory files, headed as the party's member records head them, and the words
their cells may hold."""

from neuguong.workbooks.cells import vocabulary
from neuguong.workbooks.columns import Column, Layout

LEVELS = vocabulary(
    {
        "tỉnh": "province",
        "đảng bộ tỉnh": "province",
        "huyện": "district",
        "trực thuộc tỉnh": "district",
        "đảng bộ trực thuộc": "district",
        "cơ sở": "grassroots",
        "đảng bộ cơ sở": "grassroots",
        "chi bộ": "cell",
        **{code: code for code in ("province", "district", "grassroots", "cell")},
    }
)
CELL_KINDS = vocabulary(
    {
        "nông thôn": "rural",
        "cơ quan": "agency",
        "cơ quan, đơn vị, doanh nghiệp, lực lượng vũ trang": "agency",
        "đơn vị": "agency",
        "doanh nghiệp": "agency",
        "lực lượng vũ trang": "agency",
        "rural": "rural",
        "agency": "agency",
    }
)
UNIT_KINDS = vocabulary(
    {
        "địa bàn": "territorial",
        "địa phương": "territorial",
        "lãnh thổ": "territorial",
        "cơ quan": "agency",
        "khối cơ quan": "agency",
        "doanh nghiệp": "enterprise",
        "khối doanh nghiệp": "enterprise",
        "lực lượng vũ trang": "armed_forces",
        "quân đội": "armed_forces",
        "công an": "armed_forces",
        **{code: code for code in ("territorial", "agency", "enterprise", "armed_forces")},
    }
)
STATUSES = vocabulary(
    {
        "đang sinh hoạt": "active",
        "active": "active",
        "miễn sinh hoạt": "exempted",
        "miễn công tác và sinh hoạt đảng": "exempted",
        "exempted": "exempted",
        "đình chỉ sinh hoạt": "suspended",
        "tạm đình chỉ sinh hoạt": "suspended",
        "suspended": "suspended",
        "chuyển đi": "left:transferred",
        "chuyển sinh hoạt đi": "left:transferred",
        "transferred": "left:transferred",
        "từ trần": "left:deceased",
        "đã từ trần": "left:deceased",
        "deceased": "left:deceased",
        "ra khỏi đảng": "left:left_party",
        "xóa tên": "left:left_party",
        "khai trừ": "left:left_party",
        "left party": "left:left_party",
    }
)
LEVEL_VI = {"province": "tỉnh", "district": "huyện", "grassroots": "cơ sở", "cell": "chi bộ"}
LEFT_VI = {"transferred": "chuyển đi", "deceased": "từ trần", "left_party": "ra khỏi Đảng", None: "không rõ lý do"}

UNIT_LAYOUT = Layout(
    "to-chuc-dang",
    "Tổ chức đảng",
    [
        Column(
            "unit_id",
            "Mã tổ chức",
            "Mã tổ chức đảng trong cơ sở dữ liệu đảng viên (bắt buộc, không trùng): chữ không dấu, số và . _ : -",
            ("mã tổ chức đảng", "unit id"),
            True,
        ),
        Column("name", "Tên", "Tên tổ chức đảng, ví dụ 'Chi bộ thôn Cốc San' (bắt buộc).", ("tên tổ chức",), True),
        Column(
            "level",
            "Cấp",
            "tỉnh, huyện (đảng bộ trực thuộc tỉnh; hết từ 01/07/2025), cơ sở, hoặc chi bộ (bắt buộc).",
            ("level",),
            True,
        ),
        Column(
            "parent_id",
            "Tổ chức cấp trên",
            "Mã tổ chức cấp trên trực tiếp; để trống chỉ ở dòng của tỉnh. Có thể là tổ chức đã có trong danh bạ.",
            ("mã tổ chức cấp trên", "parent id"),
            True,
        ),
        Column(
            "cell_kind",
            "Loại chi bộ",
            "Chỉ với chi bộ (bắt buộc): 'nông thôn', hoặc 'cơ quan' "
            "(cơ quan, đơn vị, doanh nghiệp, lực lượng vũ trang).",
            ("cell kind",),
        ),
        Column(
            "commune", "Xã/phường", "Xã, phường, đặc khu nơi tổ chức hoạt động, ví dụ 'Xã Bát Xát'.", ("xã, phường",)
        ),
        Column(
            "kind",
            "Loại đảng bộ",
            "Chỉ với đảng bộ (không ghi với chi bộ): địa bàn, cơ quan, doanh nghiệp, hoặc lực lượng vũ trang.",
            ("kind",),
        ),
        Column("admin_2025", "Mã ĐVHC", "Mã đơn vị hành chính theo danh mục từ 2025 (xã: 5 chữ số).", ("admin code",)),
        Column(
            "admin_pre2025",
            "Mã ĐVHC trước 2025",
            "Mã đơn vị hành chính theo danh mục trước sắp xếp 2025 (mã cũ có thể trùng mã mới của nơi khác).",
            ("admin code pre2025",),
        ),
        Column(
            "effective_on",
            "Ngày hiệu lực",
            "Ngày quyết định thành lập, đổi tên, chuyển, sáp nhập hoặc giải thể có hiệu lực "
            "(dd/mm/yyyy; không sau hôm nay).",
            ("effective on",),
        ),
        Column(
            "merged_into",
            "Sáp nhập vào",
            "Mã tổ chức nhận sáp nhập (cùng cấp); tổ chức này thôi hoạt động. "
            "Chuyển tổ chức trực thuộc và đảng viên sang trước.",
            ("merged into",),
        ),
        Column(
            "dissolved",
            "Giải thể",
            "'có' nếu tổ chức đã giải thể (không còn tổ chức trực thuộc hay đảng viên); để trống nếu còn hoạt động.",
            ("dissolved",),
        ),
    ],
)

MEMBER_LAYOUT = Layout(
    "dang-vien",
    "Đảng viên",
    [
        Column(
            "member_id",
            "Mã đảng viên",
            "Mã đảng viên trong cơ sở dữ liệu đảng viên (bắt buộc, không trùng).",
            ("member id",),
            True,
        ),
        Column("full_name", "Họ và tên", "Họ và tên đầy đủ, có dấu (bắt buộc).", ("họ tên", "full name"), True),
        Column(
            "cell_id",
            "Chi bộ",
            "Mã chi bộ nơi đảng viên sinh hoạt (bắt buộc; phải là chi bộ).",
            ("mã chi bộ", "cell id"),
            True,
        ),
        Column(
            "admitted_on",
            "Ngày vào Đảng",
            "Ngày kết nạp, dd/mm/yyyy (bắt buộc; không sau hôm nay).",
            ("ngày kết nạp", "admitted on"),
            True,
        ),
        Column(
            "is_leader",
            "Chức vụ lãnh đạo",
            "Chức vụ lãnh đạo, quản lý nếu có (ví dụ 'Bí thư chi bộ' hoặc 'có'); "
            "để trống hoặc 'không' nếu không giữ chức vụ.",
            ("chức vụ lãnh đạo, quản lý", "is leader"),
        ),
        Column(
            "is_head",
            "Người đứng đầu",
            "'có' nếu là người đứng đầu (cũng tính là cán bộ lãnh đạo); để trống nếu không.",
            ("is head",),
        ),
        Column(
            "status",
            "Trạng thái",
            "đang sinh hoạt (để trống), miễn sinh hoạt, đình chỉ sinh hoạt, chuyển đi, từ trần, hoặc ra khỏi Đảng.",
            ("status",),
        ),
        Column(
            "left_on",
            "Ngày rời",
            "Ngày chuyển đi, từ trần hoặc ra khỏi Đảng (dd/mm/yyyy); chỉ ghi với ba trạng thái đó.",
            ("ngày chuyển đi, từ trần, ra khỏi đảng", "left on"),
        ),
    ],
)
