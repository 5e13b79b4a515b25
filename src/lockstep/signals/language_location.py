"""``language_location``: an account that claims one place and writes in another place's language.

The claimed place is read from the profile ``location`` with a small gazetteer
(:mod:`lockstep.signals.places`); places it does not know are not judged. ``value`` is the share of
the account's language-tagged posts written in languages not commonly used at the claimed place.
English is treated as a lingua franca by default (``lingua_franca``): a Berliner posting in English
is ordinary, a "Texan" posting in Russian is not. Flagged with at least ``min_posts`` tagged posts
and a mismatch share of ``min_share`` or more.
"""

from __future__ import annotations

import pandas as pd

from lockstep.signals.base import check_param, empty_result, load_accounts, load_posts
from lockstep.signals.places import language_code, languages_for
from lockstep.store import Store

_UNKNOWN = {"und", "unk", "xx", "zxx", "qme", "qht", "qam", "qst", ""}


class LanguageLocation:
    """Posts mostly in a language foreign to the place the profile claims."""

    name = "language_location"
    higher_is_unusual = True

    def __init__(self, *, min_posts: int = 10, min_share: float = 0.8,
                 lingua_franca: tuple[str, ...] = ("en",)) -> None:
        self.min_posts = min_posts
        self.min_share = min_share
        self.lingua_franca = lingua_franca

    def compute(self, store: Store, dataset: str) -> pd.DataFrame:
        check_param("LanguageLocation", "min_posts", self.min_posts, 1, 10**6)
        check_param("LanguageLocation", "min_share", self.min_share, 0.01, 1)
        acc = load_accounts(store, dataset, ["location"]).dropna(subset=["location"])
        if acc.empty:
            return empty_result()
        acc["place"] = acc["location"].map(languages_for)
        acc = acc.dropna(subset=["place"])
        if acc.empty:
            return empty_result()
        posts = load_posts(store, dataset, ["language"]).dropna(subset=["language"])
        codes = {v: language_code(v) for v in posts["language"].unique()}
        posts["lang"] = posts["language"].map(codes)
        posts = posts[posts["lang"].notna() & ~posts["lang"].isin(_UNKNOWN)]
        posts = posts.merge(acc[["platform", "account_id", "place"]], on=["platform", "account_id"])
        rows = []
        ok = set(self.lingua_franca)
        for (plat, aid), g in posts.groupby(["platform", "account_id"], sort=False):
            place, langs = g["place"].iloc[0]
            if len(g) < self.min_posts:
                continue
            foreign = ~g["lang"].isin(langs | ok)
            share = float(foreign.mean())
            top = g.loc[foreign, "lang"].value_counts()
            where = place
            if share > 0:
                what = (f"{share:.0%} of its {len(g)} posts with a known language are in "
                        + ", ".join(f"{lang!r} ({n})" for lang, n in top.head(3).items())
                        + f", not a language commonly used in the claimed location {where!r}")
            else:
                what = f"its {len(g)} posts are in languages expected for the claimed location {where!r}"
            rows.append((plat, aid, share, share >= self.min_share, "Language: " + what))
        if not rows:
            return empty_result()
        return pd.DataFrame(rows, columns=["platform", "account_id", "value", "flagged", "detail"])
