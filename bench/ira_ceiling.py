"""How far item sharing alone can go on the real IRA weeks: an upper bound of recall per persona.

``bench/real_ops.py`` measures what Lockstep finds. This asks a different question, of the IRA
file alone (no crowd, no null model, no time): which accounts that are active in a week (at least
10 posts) share enough items with *other IRA accounts of that week* to be found by any
item-sharing method at the project's floors?

* **pair**: at least ``--min-items`` (3, the traces' default) distinct items of one kind with one
  other IRA account - what a pair trace needs before any test;
* **group**: or at least ``--min-shared`` (5, attachment's floor) distinct items of one kind with
  all other IRA accounts of the week together - attachment to an oracle network that holds every
  other IRA account.

Kinds: hashtags, mentions (outside ``RT @user:``), normalized URLs, and copied texts (the
normalized text, 30 characters or more, as ``co_text`` compares them). The file is read by the
ingest adapter and the items extracted by :mod:`lockstep.ingest.normalize`, as ingest does. An
account outside both sets cannot be found by item sharing at these floors, however well calibrated
the null model: only timing, style or profile evidence can find it.

    python bench/ira_ceiling.py                       # weeks 2 9 16 23
    python bench/ira_ceiling.py --weeks 1,2,3 --min-items 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.ingest import normalize as N
from lockstep.synth.embed import ACTIVE_POSTS, read_file, read_labels

REPO = Path(__file__).resolve().parent.parent
DAY_US = 86_400 * 1_000_000


def _items(text: str | None) -> dict[str, set[str]]:
    body = text if isinstance(text, str) else ""  # pandas gives NaN for empty texts
    rt = N.retweeted_handle(body)
    own = N.RT_RE.sub("", body) if rt else body
    out = {"hashtags": {N.normalize_hashtag(t) for t in N.extract_hashtags(body)},
           "mentions": {N.normalize_mention(m) for m in N.extract_mentions(own)},
           "urls": {N.normalize_url(u) for u in N.extract_urls(body)}}
    norm = N.normalize_text(body)
    out["texts"] = {norm} if len(norm) >= 30 else set()
    return out


def reachable(week: pd.DataFrame, *, min_items: int, min_shared: int) -> tuple[set[str], set[str]]:
    """(pair-reachable, group-reachable) accounts of one week's posts (``account_id``, ``text``)."""
    uses: dict[str, dict[str, set[str]]] = {}
    for acc, text in zip(week["account_id"], week["text"], strict=True):
        mine = uses.setdefault(acc, {})
        for kind, items in _items(text).items():
            mine.setdefault(kind, set()).update(items)
    pair: set[str] = set()
    group: set[str] = set()
    for kind in ("hashtags", "mentions", "urls", "texts"):
        holders: dict[str, list[str]] = {}
        for acc, kinds in uses.items():
            for item in kinds.get(kind, ()):
                holders.setdefault(item, []).append(acc)
        shared = {i: sorted(a) for i, a in holders.items() if len(a) >= 2}
        per_acc: Counter[str] = Counter(a for accs in shared.values() for a in accs)
        group |= {a for a, n in per_acc.items() if n >= min_shared}
        pairs: Counter[tuple[str, str]] = Counter()
        for accs in shared.values():
            pairs.update(combinations(accs, 2))
        pair |= {a for (x, y), n in pairs.items() if n >= min_items for a in (x, y)}
    return pair, group | pair


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("LOCKSTEP_SHARED_DATA", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--weeks", default="2,9,16,23")
    ap.add_argument("--min-items", type=int, default=3, help="items of one kind a pair must share")
    ap.add_argument("--min-shared", type=int, default=5, help="items of one kind shared with the other IRA accounts")
    args = ap.parse_args()
    folder = Path(args.data) / "ira_2016h2"
    if not (folder / "ira_tweets_2016h2.csv.gz").is_file():
        sys.exit(f"not found: {folder / 'ira_tweets_2016h2.csv.gz'} (give --data)")
    try:
        weeks = [int(w) for w in args.weeks.split(",") if w.strip()]
    except ValueError:
        sys.exit(f"--weeks must be comma-separated week numbers such as 2,9,16,23. Got {args.weeks!r}.")
    posts, accounts, _ = read_file(folder / "ira_tweets_2016h2.csv.gz")
    # persona as synth --embed gives it: authors.csv, else the file's own category column
    own = dict(zip(accounts.column("account_id").to_pylist(), accounts.column("category").to_pylist(), strict=True))
    labels = {a.upper(): c for a, c in own.items() if c} | read_labels(folder / "authors.csv")
    t = pc.cast(posts.column("time"), pa.timestamp("us")).cast("int64").to_numpy()
    first = int(t.min()) // DAY_US * DAY_US
    df = pd.DataFrame({"account_id": posts.column("account_id").to_pylist(),
                       "post_id": posts.column("post_id").to_pylist(),
                       "text": posts.column("text").to_pylist(), "week": (t - first) // (7 * DAY_US) + 1})
    df = df.drop_duplicates("post_id")
    rows = []
    for w in weeks:
        week = df[df["week"] == w]
        counts = week["account_id"].value_counts()
        active = counts[counts >= ACTIVE_POSTS].index
        pair, any_ = reachable(week, min_items=args.min_items, min_shared=args.min_shared)
        for acc in active:
            rows.append((w, labels.get(acc.upper(), "Unknown"), acc in pair, acc in any_))
    res = pd.DataFrame(rows, columns=["week", "persona", "pair", "pair_or_group"])
    by = res.groupby(["week", "persona"]).agg(active=("pair", "size"), pair=("pair", "mean"),
                                              pair_or_group=("pair_or_group", "mean"))
    total = res.groupby("week").agg(active=("pair", "size"), pair=("pair", "mean"),
                                    pair_or_group=("pair_or_group", "mean"))
    print(f"Active IRA accounts (>= {ACTIVE_POSTS} posts in the week) that item sharing can reach at all: "
          f"pair = >= {args.min_items} items of one kind with one other IRA account; "
          f"pair_or_group = or >= {args.min_shared} with all other IRA accounts of the week")
    print(by.round(2).to_string())
    print(total.round(3).to_string())
    print(f"({dt.date.today().isoformat()}; an upper bound: no crowd, no null model, no timing)")


if __name__ == "__main__":
    main()
