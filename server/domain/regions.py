"""Region codes and the scope they give a user.

6-digit administrative codes (GB/T 2260: province XX0000, city XXYY00, county XXYYZZ) and the
statistical codes below them: 9 digits for a township or street, 12 for a village or residents'
committee. A region's scope is the code prefix shared by everything inside it, so "is this
facility inside the user's region" is a prefix test that the database can index.
"""

from __future__ import annotations

import re

LEVELS = ("province", "city", "county", "township", "village")
_CODE = re.compile(r"^(\d{6}|\d{9}|\d{12})$")


class InvalidRegionCode(ValueError):
    pass


def region_level(code: str) -> str:
    if not _CODE.match(code):
        raise InvalidRegionCode(f"{code!r} is not a 6-, 9- or 12-digit region code")
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "township"
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def scope_prefix(code: str) -> str:
    """The prefix every code inside this region starts with."""
    level = region_level(code)
    return {"province": code[:2], "city": code[:4], "county": code[:6]}.get(level, code)


def parent_code(code: str) -> str | None:
    level = region_level(code)
    if level == "province":
        return None
    if level == "city":
        return code[:2] + "0000"
    if level == "county":
        return code[:4] + "00"
    if level == "township":
        return code[:6]
    return code[:9]


def contains(outer: str, inner: str) -> bool:
    """True when region `inner` lies inside (or is) region `outer`."""
    return inner.startswith(scope_prefix(outer))


def county_code(code: str) -> str:
    """The 6-digit code of the county (or city, or province) a region is in or is."""
    return code[:6]


def city_code(code: str) -> str:
    """The code of the city a region is in: the county's first four digits (a city or province is
    its own city)."""
    six = code[:6]
    return six if region_level(six) != "county" else f"{six[:4]}00"


def default_issuing_body(region_name: str) -> str:
    """The health bureau named after its region: 通许县卫生健康委员会."""
    return f"{region_name}卫生健康委员会"


def issuing_body(region_name: str, configured: str | None) -> str:
    """Who issues a region's documents (report covers, payout sheets, notices): the name its
    administrator set, else the default named after the region."""
    return configured.strip() if configured and configured.strip() else default_issuing_body(region_name)
