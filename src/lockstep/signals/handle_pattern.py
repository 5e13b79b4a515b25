"""``handle_pattern``: handles that look machine-made, follow a network's template, or keep changing.

Four indicators, each checkable by a person looking at the handle:

* **name + long digit run** — a word followed by ``min_digits`` or more digits
  (``mary83726154``), the shape of handles a sign-up form suggests when the name is taken;
* **random-looking** — the handle's average character-bigram log-likelihood, under a bigram model
  fitted on all handles of the dataset plus a small built-in prior of common English words and
  names, is more than ``random_z`` standard deviations below the dataset's mean, *and* its letters
  are unpronounceable (five consonants in a row, or under 20% vowels, in at least 8 letters);
  random strings such as ``xkqzvbtwpl`` are rare in any population of chosen names;
* **network template** — the handle's shape (runs of letters/digits with their lengths, e.g.
  ``L4D8``) is shared by at least half of its detected network and by at most ``template_base``
  of the accounts outside it (so common shapes do not count) — unless those handles are one
  name but for their digits (``dailyherald_feed1``, ``dailyherald_feed2``): an openly numbered
  family of one owner's accounts is no disguise;
* **renames** — the same account id seen with ``min_renames`` or more handle changes in its
  posts (one rename is a person's choice, not a pattern).

``value`` is the number of indicators that hold plus the bigram z-score's excess (so accounts
rank within an indicator count); ``flagged`` when any indicator holds.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pandas as pd

from lockstep.signals.base import check_param, empty_result, load_accounts, load_memberships, load_posts
from lockstep.store import Store

_DIGIT_RUN = re.compile(r"^[A-Za-z_.]+[_.]?(\d+)$")
_RUNS = re.compile(r"[A-Za-z]+|\d+|[^A-Za-z\d]+")


def handle_shape(handle: str) -> str:
    """``mary83726154`` -> ``L4D8``: runs of letters (L), digits (D), other (S) with lengths."""
    parts = []
    for run in _RUNS.findall(handle):
        kind = "L" if run[0].isalpha() else "D" if run[0].isdigit() else "S"
        parts.append(f"{kind}{len(run)}")
    return "".join(parts)


#: Common English words and names: a prior for the bigram model, so that a small or uniform
#: dataset does not make every unfamiliar real name look random.
_PRIOR = ["the", "and", "that", "have", "for", "not", "with", "you", "this", "but", "his", "from", "they", "say", "her", "she", "will", "one", "all", "would", "there", "their", "what", "out", "about", "who", "get", "which", "when", "make", "can", "like", "time", "just", "him", "know", "take", "people", "into", "year", "your", "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only", "come", "its", "over", "think", "also", "back", "after", "use", "two", "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these", "give", "day", "most", "us", "news", "daily", "real", "true", "patriot", "america", "american", "world", "life", "love", "music", "sport", "politics", "city", "girl", "boy", "official", "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen", "christopher", "nancy", "daniel", "lisa", "matthew", "betty", "anthony", "margaret", "mark", "sandra", "donald", "ashley", "steven", "kimberly", "paul", "emily", "andrew", "donna", "joshua", "michelle", "kenneth", "carol", "kevin", "amanda", "brian", "melissa", "george", "deborah", "timothy", "stephanie", "ronald", "rebecca", "jason", "sharon", "edward", "laura", "jeffrey", "cynthia", "ryan", "kathleen", "jacob", "amy", "gary", "angela", "nicholas", "shirley", "eric", "anna", "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores", "green", "adams", "nelson", "ivanov", "petrov", "smirnov", "olga", "natasha", "dmitri", "sergei", "alexander", "maria", "anna", "elena", "ivan"]
_VOWELS = set("aeiouy")


def _unpronounceable(letters: str) -> bool:
    """Five or more consonants in a row, or under 20% vowels, in at least 8 letters."""
    s = letters.lower()
    if len(s) < 8:
        return False
    run = longest = 0
    for ch in s:
        run = 0 if ch in _VOWELS else run + 1
        longest = max(longest, run)
    return longest >= 5 or sum(ch in _VOWELS for ch in s) / len(s) < 0.2


def _branded(handles: list[str]) -> bool:
    """True when the handles are the same name but for their digits (``feed1``, ``feed2``)."""
    return len({re.sub(r"\d+", "#", h.lower().lstrip("@")) for h in handles}) == 1


def _bigrams(s: str) -> list[str]:
    s = f"^{s.lower()}$"
    return [s[i : i + 2] for i in range(len(s) - 1)]


class HandlePattern:
    """Digit-run, random-looking, templated or repeatedly renamed handles."""

    name = "handle_pattern"
    higher_is_unusual = True

    def __init__(self, *, min_digits: int = 6, random_z: float = 3.0, template_base: float = 0.02,
                 min_renames: int = 2) -> None:
        self.min_digits = min_digits
        self.random_z = random_z
        self.template_base = template_base
        self.min_renames = min_renames

    def compute(self, store: Store, dataset: str) -> pd.DataFrame:
        check_param("HandlePattern", "min_digits", self.min_digits, 2, 30)
        check_param("HandlePattern", "random_z", self.random_z, 0.5, 20)
        check_param("HandlePattern", "template_base", self.template_base, 0, 1)
        check_param("HandlePattern", "min_renames", self.min_renames, 1, 1000)
        posts = load_posts(store, dataset, ["handle", "time"]).dropna(subset=["handle"])
        acc = load_accounts(store, dataset, ["handle"])
        seen = posts.sort_values("time", kind="stable")
        # Renames: changes of handle along the account's own timeline.
        seen = seen.assign(prev=seen.groupby(["platform", "account_id"])["handle"].shift())
        changes = (seen["prev"].notna() & (seen["prev"] != seen["handle"])).groupby(
            [seen["platform"], seen["account_id"]]).sum().rename("renames")
        latest = seen.groupby(["platform", "account_id"])["handle"].last().rename("post_handle")
        df = acc.merge(latest.reset_index(), on=["platform", "account_id"], how="outer")
        df["handle"] = df["handle"].fillna(df["post_handle"])
        df = df.dropna(subset=["handle"]).merge(changes.reset_index(), on=["platform", "account_id"],
                                                how="left")
        df["renames"] = df["renames"].fillna(0).astype(int)
        if df.empty:
            return empty_result()
        handles = df["handle"].astype(str).str.lstrip("@")
        # Bigram model over the dataset's handles (letters only), add-one smoothed.
        letters = handles.str.replace(r"[^A-Za-z]", "", regex=True)
        counts: Counter[str] = Counter()
        for h in (*letters, *_PRIOR):
            counts.update(_bigrams(h))
        firsts: Counter[str] = Counter()
        for bg, c in counts.items():
            firsts[bg[0]] += c
        vocab = len({bg[1] for bg in counts}) + 1
        ll = np.array([
            np.mean([math.log((counts[b] + 1) / (firsts[b[0]] + vocab)) for b in _bigrams(h)])
            if len(h) >= 8 else np.nan for h in letters
        ])
        mu, sd = np.nanmean(ll) if np.isfinite(ll).any() else 0.0, np.nanstd(ll) if np.isfinite(ll).any() else 1.0
        z = (ll - mu) / (sd or 1.0)
        # Unlikely letters *and* an unpronounceable run: either alone also fits rare real names.
        rand = (np.nan_to_num(z, nan=0.0) < -self.random_z) & letters.map(_unpronounceable).to_numpy()
        digit_run = np.array([len(m.group(1)) if (m := _DIGIT_RUN.match(h)) else 0 for h in handles])
        long_digits = digit_run >= self.min_digits
        shapes = handles.map(handle_shape)
        template = self._template(store, dataset, df, shapes)
        renamed = df["renames"].to_numpy() >= self.min_renames
        hits = long_digits.astype(int) + rand + template + renamed
        value = hits + np.clip(-np.nan_to_num(z, nan=0.0), 0, None) / 10
        details = []
        renames, shape_of = df["renames"].tolist(), shapes.tolist()
        for i, h in enumerate(handles.tolist()):
            why = []
            if long_digits[i]:
                why.append(f"ends in a run of {digit_run[i]} digits")
            if rand[i]:
                why.append(f"letters look random (bigram likelihood {z[i]:.1f} SD below this dataset's handles)")
            if template[i]:
                why.append(f"follows its network's handle template {shape_of[i]}")
            if renamed[i]:
                why.append(f"changed handle {renames[i]} times in its posts")
            if not why:
                why.append("shows no machine-made pattern"
                           + (f" (renamed {renames[i]} time)" if renames[i] else ""))
            details.append(f"Handle @{h} " + "; ".join(why))
        return pd.DataFrame({
            "platform": df["platform"].to_numpy(), "account_id": df["account_id"].to_numpy(),
            "value": value, "flagged": hits > 0, "detail": details,
        })

    def _template(self, store: Store, dataset: str, df: pd.DataFrame, shapes: pd.Series) -> np.ndarray:
        """True where the account's handle shape is shared by most of its network but rare overall."""
        out = np.zeros(len(df), dtype=bool)
        mem = load_memberships(store, dataset).drop_duplicates(["platform", "account_id"])
        if mem.empty:
            return out
        total = shapes.value_counts()
        frame = df[["platform", "account_id"]].assign(shape=shapes.to_numpy(), i=np.arange(len(df)))
        frame = frame.merge(mem, on=["platform", "account_id"])
        for _, g in frame.groupby("network_id"):
            if len(g) < 3:
                continue
            inside = g["shape"].value_counts()
            share = g["shape"].map(inside / len(g))
            # How common the shape is among accounts outside this network.
            outside = g["shape"].map((total - inside).reindex(inside.index)) / max(len(df) - len(g), 1)
            ok = (share >= 0.5) & (outside <= self.template_base) & g["shape"].str.contains("[DS]")
            if ok.any() and _branded(df["handle"].iloc[g.loc[ok, "i"].to_numpy()].astype(str).tolist()):
                continue  # one owner's openly numbered family (news_feed1, news_feed2): no disguise
            out[g.loc[ok, "i"].to_numpy()] = True
        return out
