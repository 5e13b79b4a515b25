"""Attribution *hints*: which countries/regions keep the clock a network's working day implies.

A hint, never a verdict. Operators can work night shifts on purpose, outsource to contractors in
another zone, or post through schedulers; many countries share each offset. The table lists
*standard* (winter) offsets; places that observe daylight-saving time (DST) sit one hour east in
summer, so each hint also names the places whose summer time matches. Offsets such as UTC+5:45
(Nepal) are resolved only to the nearest 30 minutes.
"""

from __future__ import annotations

from lockstep.signals.clock import ClockFit, format_offset

#: Standard-time UTC offset (hours) -> places that keep it. "(DST)" marks places that also
#: observe summer time (then at offset + 1).
OFFSET_REGIONS: dict[float, list[str]] = {
    -10.0: ["United States (Hawaii)"],
    -9.0: ["United States (Alaska) (DST)"],
    -8.0: ["United States/Canada (Pacific) (DST)", "Mexico (Baja California) (DST)"],
    -7.0: ["United States/Canada (Mountain) (DST)", "United States (Arizona)"],
    -6.0: ["United States/Canada (Central) (DST)", "Mexico (most)", "Central America"],
    -5.0: ["United States/Canada (Eastern) (DST)", "Colombia", "Peru", "Ecuador", "Cuba (DST)"],
    -4.0: ["Venezuela", "Bolivia", "Caribbean (most)", "Chile (DST)", "Paraguay"],
    -3.5: ["Canada (Newfoundland) (DST)"],
    -3.0: ["Brazil (Brasília)", "Argentina", "Uruguay"],
    -1.0: ["Portugal (Azores) (DST)", "Cape Verde"],
    0.0: ["United Kingdom (DST)", "Ireland (DST)", "Portugal (DST)", "Iceland", "Ghana", "Senegal"],
    1.0: ["Central Europe: Germany, France, Poland, Italy, Spain ... (DST)", "Nigeria", "Algeria",
          "Morocco"],
    2.0: ["Eastern Europe: Ukraine, Romania, Finland, Greece, Baltics ... (DST)", "Russia (Kaliningrad)",
          "Egypt (DST)", "Israel (DST)", "South Africa"],
    3.0: ["Russia (Moscow)", "Belarus", "Turkey", "Saudi Arabia", "Iraq", "Kenya", "Qatar"],
    3.5: ["Iran"],
    4.0: ["United Arab Emirates", "Oman", "Azerbaijan", "Armenia", "Georgia", "Russia (Samara)"],
    4.5: ["Afghanistan"],
    5.0: ["Pakistan", "Uzbekistan", "Russia (Yekaterinburg)", "Maldives"],
    5.5: ["India", "Sri Lanka", "(Nepal, UTC+5:45)"],
    6.0: ["Bangladesh", "Kazakhstan (Almaty)", "Kyrgyzstan", "Russia (Omsk)", "(Nepal, UTC+5:45)"],
    6.5: ["Myanmar"],
    7.0: ["Thailand", "Vietnam", "Indonesia (Jakarta)", "Cambodia", "Russia (Novosibirsk)"],
    8.0: ["China", "Hong Kong", "Taiwan", "Singapore", "Malaysia", "Philippines",
          "Australia (Perth)", "Russia (Irkutsk)"],
    9.0: ["Japan", "South Korea", "North Korea", "Russia (Yakutsk)"],
    9.5: ["Australia (Adelaide, Darwin) (DST for Adelaide)"],
    10.0: ["Australia (Sydney, Melbourne, Brisbane) (DST for some)", "Russia (Vladivostok)", "Guam"],
    11.0: ["Solomon Islands", "Russia (Magadan)"],
    12.0: ["New Zealand (DST)", "Fiji"],
    13.0: ["Tonga", "Samoa"],
    14.0: ["Kiribati (Line Islands)"],
}


def regions_for(offset_hours: float) -> tuple[list[str], list[str]]:
    """(places on this standard offset, places whose *summer* time is this offset)."""
    standard = [r.replace(" (DST)", "") for r in OFFSET_REGIONS.get(offset_hours, [])]
    summer = [r.replace(" (DST)", "") for r in OFFSET_REGIONS.get(offset_hours - 1, []) if "(DST" in r]
    return standard, summer


def attribution_hint(fit: ClockFit | None, *, min_confidence: float, min_posts: int) -> str:
    """The sentence stored in ``networks.attribution_hint`` (evidence first, then the hint)."""
    if fit is None or fit.posts < min_posts:
        n = 0 if fit is None else fit.posts
        return (f"Too little activity for an operator-clock hint ({n:,} posts; at least {min_posts:,} "
                "needed).")
    where = f"{format_offset(fit.utc_offset_hours)} (fit {fit.fit:.2f}, confidence {fit.confidence:.2f} over {fit.posts:,} posts)"
    if fit.confidence < min_confidence:
        return (f"No clear working day: the best fit, a 09:00–18:00 Mon–Fri day at {where}, is below "
                f"the confidence threshold {min_confidence:.2f}.")
    standard, summer = regions_for(fit.utc_offset_hours)
    consistent = "; ".join(standard) or "no country on this offset in Lockstep's table"
    dst = f"; in summer time also: {'; '.join(summer)}" if summer else ""
    return (f"Activity fits a 09:00–18:00 Mon–Fri working day at {where}, weekend days "
            f"{fit.weekend_ratio:.0%} as busy as weekdays; consistent with: {consistent}{dst} — "
            "a hint, not an attribution.")
