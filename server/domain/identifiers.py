"""Facility identifiers: the unified social credit code (GB 32100-2015), facility types (WS 218-2002)."""

from __future__ import annotations

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# WS 218-2002 facility type codes used by grassroots facilities.
FACILITY_TYPES = {
    "B100": "社区卫生服务中心",
    "B200": "社区卫生服务站",
    "C100": "街道卫生院",
    "C210": "中心卫生院",
    "C220": "乡卫生院",
    "D600": "村卫生室",
}
VILLAGE_CLINIC = "D600"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why a unified social credit code is invalid, or None when it is valid."""
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    bad = sorted({ch for ch in code if ch not in USCC_CHARSET})
    if bad:
        return f"统一社会信用代码含有无效字符：{''.join(bad)}"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3-8位应为行政区划代码"
    if uscc_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None
