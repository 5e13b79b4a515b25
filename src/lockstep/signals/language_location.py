"""``language_location``: an account that claims one place and writes in another place's language.

The claimed place is read from the profile ``location`` with a small gazetteer
(:mod:`lockstep.signals.places`); places it does not know are not judged. ``value`` is the share of
the account's language-tagged posts written in languages not commonly used at the claimed place.
English is treated as a lingua franca by default (``lingua_franca``): a Berliner posting in English
is ordinary, a "Texan" posting in Russian is not. Flagged with at least ``min_posts`` tagged posts
and a mismatch share of ``min_share`` or more.
"""

from __future__ import annotations

from itertools import groupby

import pandas as pd

from lockstep.signals.base import check_param, empty_result, load_accounts
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
        # Posts per account and language value, counted in the store rather than post by post;
        # ``first`` (the first such post's row number) keeps the order a pass over the posts
        # gives: accounts in order of their first post, languages of equal count in order of use.
        store.con.register("_ll_accounts", acc[["platform", "account_id"]])
        try:
            per = store.con.execute(
                "SELECT p.platform, p.account_id, p.language, count(*) AS n, min(p.rowid) AS first "
                "FROM posts p SEMI JOIN _ll_accounts a ON p.platform = a.platform AND p.account_id = a.account_id "
                "WHERE p.dataset = ? AND p.language IS NOT NULL GROUP BY ALL", [dataset]).df()
        finally:
            store.con.unregister("_ll_accounts")
        codes = {v: language_code(v) for v in per["language"].unique()}
        per["lang"] = per["language"].map(codes)
        per = per[per["lang"].notna() & ~per["lang"].isin(_UNKNOWN)]
        per = (per.groupby(["platform", "account_id", "lang"], sort=False)
               .agg(n=("n", "sum"), first=("first", "min")).reset_index())
        per = per.merge(acc[["platform", "account_id", "place"]], on=["platform", "account_id"])
        per["known"] = per.groupby(["platform", "account_id"])["n"].transform("sum")
        per["start"] = per.groupby(["platform", "account_id"])["first"].transform("min")
        per = per[per["known"] >= self.min_posts]
        per = per.sort_values(["start", "n", "first"], ascending=[True, False, True], kind="stable")
        rows = []
        ok = set(self.lingua_franca)
        records = zip(per["platform"], per["account_id"], per["lang"], per["n"], per["known"], per["place"],
                      strict=True)
        for (plat, aid), group in groupby(records, key=lambda r: (r[0], r[1])):
            langs_n = list(group)
            place, langs = langs_n[0][5]
            total = int(langs_n[0][4])
            top = [(lang, int(n)) for _, _, lang, n, _, _ in langs_n if lang not in langs and lang not in ok]
            share = sum(n for _, n in top) / total
            if share > 0:
                what = (f"{share:.0%} of its {total} posts with a known language are in "
                        + ", ".join(f"{lang!r} ({n})" for lang, n in top[:3])
                        + f", not a language commonly used in the claimed location {place!r}")
            else:
                what = f"its {total} posts are in languages expected for the claimed location {place!r}"
            rows.append((plat, aid, share, share >= self.min_share, "Language: " + what))
        if not rows:
            return empty_result()
        return pd.DataFrame(rows, columns=["platform", "account_id", "value", "flagged", "detail"])
