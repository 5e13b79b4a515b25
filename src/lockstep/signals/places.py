"""A small gazetteer: place names people put in their profile -> languages commonly posted there.

Deliberately small and coarse (countries, US states, large cities); an unknown place is simply not
judged. Languages are ISO 639-1 codes as post metadata gives them.
"""

from __future__ import annotations

import re

_US_STATES = [
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware",
    "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky",
    "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota", "mississippi",
    "missouri", "montana", "nebraska", "nevada", "ohio", "oklahoma", "oregon", "pennsylvania",
    "tennessee", "texas", "utah", "vermont", "virginia", "washington", "wisconsin", "wyoming",
    "new hampshire", "new jersey", "new mexico", "new york", "north carolina", "north dakota",
    "rhode island", "south carolina", "south dakota", "west virginia", "district of columbia",
]
_US_CODES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
    "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
}
_US_CITIES = [
    "atlanta", "boston", "chicago", "dallas", "denver", "detroit", "houston", "los angeles", "miami",
    "nyc", "philadelphia", "phoenix", "san francisco", "seattle", "baltimore", "cleveland", "memphis",
    "nashville", "new orleans",
]

#: lower-case place name -> languages expected there.
PLACES: dict[str, frozenset[str]] = {}


def _add(names: list[str] | str, langs: str) -> None:
    for n in [names] if isinstance(names, str) else names:
        PLACES[n] = frozenset(langs.split())


_add(["usa", "us", "united states", "united states of america", "america", *_US_STATES, *_US_CITIES],
     "en es")
_add(["uk", "united kingdom", "england", "london", "scotland", "wales", "ireland", "dublin"], "en")
_add(["canada", "toronto", "vancouver"], "en fr")
_add(["montreal", "quebec"], "fr en")
_add(["australia", "sydney", "melbourne", "new zealand"], "en")
_add(["russia", "russian federation", "россия", "moscow", "москва", "st petersburg",
      "saint petersburg", "санкт-петербург"], "ru")
_add(["ukraine", "україна", "украина", "kyiv", "kiev", "киев", "київ"], "uk ru")
_add(["belarus", "minsk"], "be ru")
_add(["germany", "deutschland", "berlin", "munich", "münchen", "hamburg"], "de")
_add(["austria", "österreich", "vienna", "wien"], "de")
_add(["switzerland", "schweiz", "suisse", "zürich", "zurich", "geneva"], "de fr it")
_add(["france", "paris", "lyon", "marseille"], "fr")
_add(["belgium", "brussels", "bruxelles"], "fr nl")
_add(["netherlands", "nederland", "amsterdam"], "nl")
_add(["spain", "españa", "madrid", "barcelona"], "es ca")
_add(["mexico", "méxico", "argentina", "colombia", "chile", "peru", "venezuela"], "es")
_add(["italy", "italia", "rome", "roma", "milan", "milano"], "it")
_add(["portugal", "lisbon", "lisboa"], "pt")
_add(["brazil", "brasil", "são paulo", "sao paulo", "rio de janeiro"], "pt")
_add(["poland", "polska", "warsaw", "warszawa"], "pl")
_add(["turkey", "türkiye", "istanbul", "ankara"], "tr")
_add(["iran", "tehran"], "fa")
_add(["israel", "tel aviv", "jerusalem"], "he ar")
_add(["saudi arabia", "egypt", "cairo", "riyadh", "uae", "dubai", "syria", "iraq"], "ar")
_add(["china", "中国", "beijing", "shanghai"], "zh")
_add(["hong kong", "taiwan", "taipei"], "zh")
_add(["japan", "日本", "tokyo"], "ja")
_add(["korea", "south korea", "seoul"], "ko")
_add(["india", "new delhi", "delhi", "mumbai", "bangalore"], "en hi")
_add(["pakistan", "karachi", "lahore"], "ur en")
_add(["indonesia", "jakarta"], "id")
_add(["philippines", "manila"], "en tl")
_add(["nigeria", "lagos", "kenya", "nairobi", "ghana", "south africa"], "en")
_add(["sweden", "stockholm"], "sv")
_add(["norway", "oslo"], "no nb")
_add(["finland", "helsinki"], "fi sv")
_add(["denmark", "copenhagen"], "da")
_add(["greece", "athens"], "el")
_add(["serbia", "belgrade"], "sr")
_add(["georgia (country)", "tbilisi"], "ka")
_add(["armenia", "yerevan"], "hy")
_add(["kazakhstan", "almaty"], "kk ru")
_add(["azerbaijan", "baku"], "az ru")
_add(["uzbekistan", "tashkent"], "uz ru")
_add(["afghanistan", "kabul"], "fa ps")
_add(["malaysia", "kuala lumpur"], "ms en")
_add(["bulgaria", "sofia"], "bg")
_add(["romania", "bucharest"], "ro")

#: Language names some sources give instead of ISO 639-1 codes (lower-case) -> code.
LANGUAGE_NAMES = {
    "english": "en", "russian": "ru", "german": "de", "ukrainian": "uk", "bulgarian": "bg",
    "uzbek": "uz", "serbian": "sr", "macedonian": "mk", "french": "fr", "italian": "it", "arabic": "ar",
    "spanish": "es", "norwegian": "no", "vietnamese": "vi", "farsi (persian)": "fa", "farsi": "fa",
    "persian": "fa", "romanian": "ro", "dutch": "nl", "estonian": "et", "swedish": "sv",
    "albanian": "sq", "japanese": "ja", "croatian": "hr", "icelandic": "is", "portuguese": "pt",
    "turkish": "tr", "finnish": "fi", "catalan": "ca", "lithuanian": "lt", "polish": "pl",
    "latvian": "lv", "tagalog (filipino)": "tl", "tagalog": "tl", "kurdish": "ku", "somali": "so",
    "malay": "ms", "czech": "cs", "slovak": "sk", "hungarian": "hu", "danish": "da", "slovenian": "sl",
    "greek": "el", "hebrew": "he", "chinese": "zh", "korean": "ko", "hindi": "hi", "urdu": "ur",
    "indonesian": "id", "thai": "th", "belarusian": "be", "kazakh": "kk", "azerbaijani": "az",
    "georgian": "ka", "armenian": "hy", "pushto": "ps", "pashto": "ps", "bosnian": "bs",
}


def language_code(language: str | None) -> str | None:
    """ISO 639-1 code of a post's language, from a code ("en-GB") or a name ("English")."""
    if not language or not language.strip():
        return None
    low = language.strip().lower()
    if low in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[low]
    code = re.split(r"[-_]", low)[0]
    return code if 2 <= len(code) <= 3 and code.isalpha() else None

_SPLIT = re.compile(r"[,/|•·;()\-]+")


def languages_for(location: str | None) -> tuple[str, frozenset[str]] | None:
    """The first place recognised in a profile location, with its languages; ``None`` if none is."""
    if not location or not location.strip():
        return None
    whole = location.strip().lower()
    if whole in PLACES:
        return whole, PLACES[whole]
    parts = [p.strip() for p in _SPLIT.split(location) if p.strip()]
    for p in reversed(parts):  # "Austin, TX" / "Berlin, Germany": the country/state comes last
        if p in _US_CODES:
            return p, PLACES["usa"]
        if p.lower() in PLACES:
            return p.lower(), PLACES[p.lower()]
    return None
