"""services/honors: the honor roll (sổ ghi danh) behind the eligibility gate."""
