"""Country names in attribution hints -> ISO 3166-1 alpha-2 codes, for STIX ``location`` objects.

The signals stage writes hints as sentences ("... consistent with: Russia (Moscow); Belarus; Turkey
— a hint, not an attribution."); an analyst may write a bare code ("RU"). Each country named
becomes a candidate origin. Names not in this table are left out of the locations (they stay in
the hint text, which travels in the relationship's description).
"""

from __future__ import annotations

import re

COUNTRY_CODES: dict[str, str] = {
    "afghanistan": "AF", "albania": "AL", "algeria": "DZ", "argentina": "AR", "armenia": "AM",
    "australia": "AU", "austria": "AT", "azerbaijan": "AZ", "bahrain": "BH", "bangladesh": "BD",
    "belarus": "BY", "belgium": "BE", "benin": "BJ", "bolivia": "BO", "brazil": "BR", "bulgaria": "BG",
    "burkina faso": "BF", "cambodia": "KH", "canada": "CA", "cape verde": "CV", "chile": "CL", "china": "CN",
    "colombia": "CO", "croatia": "HR", "cuba": "CU", "czechia": "CZ", "czech republic": "CZ", "denmark": "DK",
    "ecuador": "EC", "egypt": "EG", "estonia": "EE", "ethiopia": "ET", "fiji": "FJ", "finland": "FI",
    "france": "FR", "georgia": "GE", "germany": "DE", "ghana": "GH", "greece": "GR", "guam": "GU",
    "hong kong": "HK", "hungary": "HU", "iceland": "IS", "india": "IN", "indonesia": "ID", "iran": "IR",
    "iraq": "IQ", "ireland": "IE", "israel": "IL", "italy": "IT", "japan": "JP", "jordan": "JO",
    "kazakhstan": "KZ", "kenya": "KE", "kiribati": "KI", "kuwait": "KW", "kyrgyzstan": "KG", "latvia": "LV",
    "lebanon": "LB", "lithuania": "LT", "madagascar": "MG", "malaysia": "MY", "maldives": "MV", "mexico": "MX",
    "moldova": "MD", "morocco": "MA", "myanmar": "MM", "nepal": "NP", "netherlands": "NL",
    "new zealand": "NZ", "nigeria": "NG", "north korea": "KP", "norway": "NO", "oman": "OM",
    "pakistan": "PK", "palestine": "PS", "paraguay": "PY", "peru": "PE", "philippines": "PH", "poland": "PL",
    "portugal": "PT", "qatar": "QA", "romania": "RO", "russia": "RU", "samoa": "WS", "saudi arabia": "SA",
    "senegal": "SN", "serbia": "RS", "singapore": "SG", "solomon islands": "SB", "south africa": "ZA",
    "south korea": "KR", "spain": "ES", "sri lanka": "LK", "sweden": "SE", "switzerland": "CH", "syria": "SY",
    "taiwan": "TW", "thailand": "TH", "togo": "TG", "tonga": "TO", "tunisia": "TN", "turkey": "TR",
    "türkiye": "TR", "ukraine": "UA", "united arab emirates": "AE", "united kingdom": "GB", "uk": "GB",
    "united states": "US", "usa": "US", "uruguay": "UY", "uzbekistan": "UZ", "venezuela": "VE",
    "vietnam": "VN", "yemen": "YE",
}
_CODES = set(COUNTRY_CODES.values())


def countries_in(hint: str) -> list[str]:
    """ISO codes of the countries a hint names, in the order named, without repeats."""
    text = hint.split("consistent with:", 1)[1] if "consistent with:" in hint else hint
    text = text.split(" — ", 1)[0]
    out: list[str] = []
    for part in re.split(r"[;,]", text):
        part = re.sub(r"\(.*?\)|\.\.\.|…", "", part.split(":")[-1]).strip().lower()
        first = part.split("/")[0].strip()
        code = COUNTRY_CODES.get(part) or COUNTRY_CODES.get(first)
        if code is None and re.fullmatch(r"[a-z]{2}", part) and part.upper() in _CODES:
            code = part.upper()
        if code and code not in out:
            out.append(code)
    return out
