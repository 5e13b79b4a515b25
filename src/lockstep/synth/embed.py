"""Place real labelled timelines (IRA tweets) into the synthetic crowd: ``lockstep synth --embed``.

Why: the planted operations are only as hard as we make them. Real operations' own timing, texts,
hashtags, mentions and retweets, placed into a crowd with truth for everyone, measure what the
detector finds on behaviour nobody here designed.

How, and the pitfalls handled rather than hidden (docs/benchmark.md, "Real timelines"):

* **Same reader as a user's.** The file is read by the ingest adapter for its layout
  (:class:`lockstep.ingest.ira_csv.IRACsv`): same account key (the handle), same dates, same post
  ids, exact repeats folded the same way. URLs, hashtags, mentions and ``RT @user:`` reposts are
  left empty (null) in the written posts, so ``lockstep ingest`` extracts them from the text with the
  same enrichment it applies to the real file.
* **Slice.** Week ``N`` is days ``7(N-1)`` to ``7N`` after the first day in the file (or
  ``start``); ``weeks`` weeks at a time.
* **Time shift by whole weeks** into the crowd's window, so weekday and hour of every post are kept
  (the operator's clock is real evidence). Only when the window cannot hold the slice at a
  whole-week shift is it shifted by whole days (hour kept, weekday not; the manifest says so).
* **Sub-minute jitter.** The real times are whole minutes (seconds always ``:00``), the crowd's are
  not: a seeded uniform 0-60 s is added to every real time that falls on a whole minute.
* **Text style.** Words are rendered into the crowd's vocabulary (:mod:`lockstep.synth.restyle`),
  optionally the generated texts through the same mapping (``restyle_crowd``), and generated accounts get personal writing habits (:mod:`lockstep.synth.habits`) unless the
  profile set its own share.
* **Profiles** hold what the file offers: handle, followers, following and the region as location.
  No creation date, display name or bio is invented. The persona label (``account_category``) goes
  to ``truth.csv``, never into the accounts table. The client app, which the file lacks, is drawn per
  account from the crowd's own mix, so a missing client is not a tell either.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.errors import ConfigError, SourceError
from lockstep.ingest.base import ReadOptions, TableBatch, read_head
from lockstep.ingest.ira_csv import IRACsv
from lockstep.model import Quarantined
from lockstep.signals.places import language_code
from lockstep.synth import habits
from lockstep.synth import words as W
from lockstep.synth.accounts import CLIENT_WEIGHTS
from lockstep.synth.generate import SynthData
from lockstep.synth.restyle import Restyler

log = logging.getLogger(__name__)
DAY_US = 86_400 * 1_000_000
WEEK_US = 7 * DAY_US
MINUTE_US = 60_000_000
#: Accounts with at least this many posts in the slice are "active" (the issue's recall base).
ACTIVE_POSTS = 10
STYLE_PREFIX = "ira_"


@dataclass(frozen=True)
class EmbedSpec:
    """What to embed: the file, its labels, and which weeks."""

    path: Path
    labels: Path | None = None
    week: int = 1
    start: dt.date | None = None
    weeks: int = 1
    #: Share of generated accounts given writing habits (:mod:`lockstep.synth.habits`) where the
    #: profile gave them none: real accounts write with habits, so the crowd should too.
    style_habits: float = 0.6
    #: Render the generated texts through the same word mapping as the real ones (see
    #: :mod:`lockstep.synth.restyle`), so a word reads the same whoever wrote it. Off by default:
    #: measured, it left style separability at ROC-AUC 1.0 (bench/embed_style.py) and raised the
    #: organic false-positive rate of bench/real_ops.py (docs/benchmark.md).
    restyle_crowd: bool = False

    def validate(self) -> EmbedSpec:
        if not 1 <= self.week <= 520:
            raise ConfigError(f"--embed-week must be a week number from 1 (the file's first week). Got {self.week}.")
        if not 0 <= self.style_habits <= 1:
            raise ConfigError(f"--style-habits must be a share in [0, 1]. Got {self.style_habits}.")
        if not 1 <= self.weeks <= 52:
            raise ConfigError(f"--embed-weeks must be in [1, 52]. Got {self.weeks}.")
        if not self.path.is_file():
            raise ConfigError(f"--embed: no file at '{self.path}'. Give an IRA tweets CSV "
                              "(FiveThirtyEight/Clemson layout, .csv or .csv.gz).")
        if self.labels is not None and not self.labels.is_file():
            raise ConfigError(f"--embed-labels: no file at '{self.labels}'. Give a CSV with columns "
                              "author,account_category (such as authors.csv), or leave it out.")
        return self


@dataclass
class RealSlice:
    """The embedded part: posts (post output schema), account rows, truth rows, manifest entry."""

    posts: pa.Table
    accounts: pa.Table
    truth: pa.Table
    manifest: dict[str, Any]


def read_file(path: Path) -> tuple[pa.Table, pa.Table, int]:
    """Posts and accounts of the whole file through the ingest adapter; plus the quarantined count."""
    head = read_head(path)
    if IRACsv.sniff(path, head) < 0.9:
        raise SourceError(f"'{path}' is not an IRA tweets CSV in the FiveThirtyEight/Clemson layout "
                          "(expected columns author, content, publish_date and account_category or "
                          "external_author_id). Give that file to --embed.")
    posts: list[pa.Table] = []
    accounts: list[pa.Table] = []
    quarantined = 0
    for item in IRACsv(path=path, options=ReadOptions(platform="twitter")).read():
        if isinstance(item, TableBatch):
            (posts if item.kind == "posts" else accounts).append(item.table)
        elif isinstance(item, Quarantined):
            quarantined += 1
    if not posts:
        raise SourceError(f"'{path}' holds no readable posts ({quarantined} rows quarantined).")
    acc = pa.concat_tables(accounts).to_pandas()
    acc = acc.drop_duplicates(["platform", "account_id"], keep="last")  # later batches hold later rows
    return pa.concat_tables(posts), pa.Table.from_pandas(acc, preserve_index=False), quarantined


def read_labels(path: Path) -> dict[str, str]:
    """Handle (upper-cased) -> persona from a CSV with ``author`` and ``account_category``."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise SourceError(f"Cannot read the labels file '{path}' as CSV: {exc}.") from exc
    df.columns = [c.strip().lower() for c in df.columns]
    key = next((c for c in ("author", "handle", "account_id") if c in df.columns), None)
    if key is None or "account_category" not in df.columns:
        raise SourceError(f"The labels file '{path}' has columns {sorted(df.columns)}; expected author "
                          "(or handle) and account_category, as in authors.csv of the IRA data.")
    return {a.strip().upper(): c.strip() for a, c in zip(df[key], df["account_category"], strict=True)
            if a.strip() and c.strip()}


def _placement(first_us: int, length_us: int, start_us: int, end_us: int) -> tuple[int, bool]:
    """Shift (µs) that puts [first, first+length) inside [start, end): whole weeks, centred, where
    possible (weekday kept), else whole days (hour kept)."""
    if length_us > end_us - start_us:
        raise ConfigError(
            f"The slice is {length_us // DAY_US} days long but the crowd's window only "
            f"{(end_us - start_us) // DAY_US} days: give --days {length_us // DAY_US} or more, or fewer "
            "--embed-weeks.")
    centre = (start_us + end_us - length_us) // 2 - first_us
    for step, keeps_weekday in ((WEEK_US, True), (DAY_US, False)):
        lo = -((first_us - start_us) // step)  # ceil((start - first) / step)
        hi = (end_us - length_us - first_us) // step
        if lo <= hi:
            k = min(max(round(centre / step), lo), hi)
            return k * step, keeps_weekday
    raise AssertionError("a whole-day shift always fits a window at least as long as the slice")


def embed_slice(spec: EmbedSpec, *, seed: int, start_s: int, end_s: int, first_network_id: int,
                taken_ids: set[str]) -> RealSlice:
    """Read, cut, shift, jitter and restyle one slice of the real file."""
    spec.validate()
    posts, accounts, quarantined = read_file(spec.path)
    t = pc.cast(posts.column("time"), pa.timestamp("us")).cast(pa.int64()).to_numpy()
    file_first = int(t.min()) // DAY_US * DAY_US
    file_last = int(t.max())
    if spec.start is not None:
        s0 = int(dt.datetime(spec.start.year, spec.start.month, spec.start.day, tzinfo=dt.UTC).timestamp()) * 1_000_000
        what = f"the {spec.weeks} week(s) from {spec.start}"
    else:
        s0 = file_first + (spec.week - 1) * WEEK_US
        what = f"week {spec.week}" + (f" (+{spec.weeks - 1})" if spec.weeks > 1 else "")
    length = spec.weeks * WEEK_US
    keep = (t >= s0) & (t < s0 + length)
    n_weeks = (file_last - file_first) // WEEK_US + 1
    if not keep.any():
        raise ConfigError(f"{what} of '{spec.path.name}' holds no posts: the file runs from "
                          f"{_day(file_first)} to {_day(file_last)} ({n_weeks} weeks). Choose another "
                          "--embed-week or --embed-start.")
    posts = posts.filter(pa.array(keep))
    dup = posts.column("post_id").to_pandas().duplicated().to_numpy()
    posts = posts.filter(pa.array(~dup))
    shift, weekday_kept = _placement(s0, length, start_s * 1_000_000, end_s * 1_000_000)
    rng = np.random.default_rng([seed, 13])
    t = pc.cast(posts.column("time"), pa.timestamp("us")).cast(pa.int64()).to_numpy()
    on_minute = t % MINUTE_US == 0
    t = t + shift + np.where(on_minute, rng.integers(0, MINUTE_US, len(t)), 0)

    handles = posts.column("account_id").to_pylist()
    clash = sorted(set(handles) & taken_ids)
    if clash:
        raise ConfigError(f"Account id {clash[0]!r} of '{spec.path.name}' is also a synthetic account id; "
                          "use another --seed.")
    labels = read_labels(spec.labels) if spec.labels else {}
    acc = accounts.to_pandas().set_index("account_id")
    cats = {h: labels.get(h.upper()) or (acc.at[h, "category"] if h in acc.index else None) or "Unknown"
            for h in set(handles)}
    network = {c: first_network_id + i for i, c in enumerate(sorted(set(cats.values())))}
    restyler = restyler_for(seed)
    texts = [restyler.text(x) for x in posts.column("text").to_pylist()]
    order = np.argsort(t, kind="stable")
    ids = sorted(set(handles))
    client_of = dict(zip(ids, [W.CLIENTS["twitter"][c] for c in
                               rng.choice(len(CLIENT_WEIGHTS), size=len(ids), p=CLIENT_WEIGHTS)], strict=True))
    langs = [language_code(x) for x in posts.column("language").to_pylist()]
    n = posts.num_rows
    null_list = pa.nulls(n, pa.list_(pa.string()))
    null_s = pa.nulls(n, pa.string())
    out = pa.table({
        "platform": pa.array(["twitter"] * n), "post_id": posts.column("post_id"),
        "account_id": posts.column("account_id"), "handle": posts.column("handle"),
        "time": pa.array(t, pa.timestamp("us")), "time_zone_known": pa.array(np.ones(n, bool)),
        "text": pa.array(texts, pa.string()), "language": pa.array(langs, pa.string()),
        "urls": null_list, "domains": null_list, "hashtags": null_list, "mentions": null_list,
        "reply_to_post": null_s, "reply_to_account": null_s, "repost_of_post": null_s,
        "repost_of_account": null_s, "quote_of_post": null_s, "media_hashes": null_list,
        "client": pa.array([client_of[h] for h in handles], pa.string()),
    }).take(pa.array(order))

    counts = Counter(handles)
    lang_of: dict[str, Counter[str]] = {}
    for h, lang in zip(handles, langs, strict=True):
        if lang:
            lang_of.setdefault(h, Counter())[lang] += 1

    def _get(h: str, col: str) -> Any:
        v = acc.at[h, col] if h in acc.index else None
        return None if v is None or pd.isna(v) else v

    region = {h: _get(h, "location") for h in ids}
    acc_rows = pa.table({
        "platform": pa.array(["twitter"] * len(ids)), "account_id": pa.array(ids), "handle": pa.array(ids),
        "display_name": pa.nulls(len(ids), pa.string()), "bio": pa.nulls(len(ids), pa.string()),
        "created_at": pa.nulls(len(ids), pa.timestamp("us")),
        "followers": pa.array([_get(h, "followers") for h in ids], pa.int64()),
        "following": pa.array([_get(h, "following") for h in ids], pa.int64()),
        "post_count": pa.array([counts[h] for h in ids], pa.int64()),
        "verified": pa.array([False] * len(ids)),
        "language": pa.array([lang_of[h].most_common(1)[0][0] if h in lang_of else None for h in ids], pa.string()),
        "location": pa.array([r if r and str(r).lower() != "unknown" else None for r in region.values()], pa.string()),
        "avatar_hash": pa.nulls(len(ids), pa.string()), "category": pa.nulls(len(ids), pa.string()),
        "source": pa.array(["lockstep synth"] * len(ids)),
    })
    truth = pa.table({
        "platform": pa.array(["twitter"] * len(ids)), "account_id": pa.array(ids),
        "network_id": pa.array([network[cats[h]] for h in ids], pa.int64()),
        "operation_style": pa.array([STYLE_PREFIX + cats[h] for h in ids]),
        "negative_group": pa.array([""] * len(ids)),
        "embedded_posts": pa.array([counts[h] for h in ids], pa.int64()),
    })
    per_cat = Counter(cats[h] for h in ids)
    active = Counter(cats[h] for h in ids if counts[h] >= ACTIVE_POSTS)
    manifest = {
        "file": spec.path.name, "labels": spec.labels.name if spec.labels else None,
        "slice": {"week": None if spec.start else spec.week, "weeks": spec.weeks,
                  "from": _day(s0), "to": _day(s0 + length - 1)},
        "file_span": {"from": _day(file_first), "to": _day(file_last), "weeks": int(n_weeks)},
        "shift_days": shift // DAY_US, "weekday_and_hour_kept": weekday_kept,
        "posts": n, "accounts": len(ids), "exact_repeats_folded": int(dup.sum()),
        "rows_quarantined_in_file": quarantined,
        "jittered_posts": int(on_minute.sum()),
        "network_ids": {c: network[c] for c in sorted(network)},
        "accounts_per_category": dict(sorted(per_cat.items())),
        f"active_accounts_per_category (>= {ACTIVE_POSTS} posts)": dict(sorted(active.items())),
        "method": ("read with the ira_csv ingest adapter; shifted by whole weeks where the window allows; "
                   "uniform 0-60 s jitter on whole-minute times; words rendered into the synthetic "
                   "vocabulary by a keyed hash (URLs, hashtags, mentions, digits, punctuation, spacing, "
                   "case shape and emoji kept)" + ("; the generated texts through the same mapping" if spec.restyle_crowd else "")
                   + "; profiles hold handle, followers, following and region only"),
    }
    return RealSlice(out, acc_rows, truth, manifest)


def restyler_for(seed: int) -> Restyler:
    """The one word mapping of a run, shared by the real and the generated texts."""
    return Restyler(key=f"lockstep-embed:{seed}".encode())


def _day(us: int) -> str:
    return dt.datetime.fromtimestamp(us / 1e6, dt.UTC).strftime("%Y-%m-%d")


def embed(data: SynthData, spec: EmbedSpec, *, seed: int) -> SynthData:
    """``data`` with the slice of ``spec`` added: posts merged in time order, accounts and truth
    rows appended (truth gains ``embedded_posts``, the account's posts in the slice), and the
    manifest's ``embedded`` entry and counts."""
    window = data.manifest["window"]
    start_s = int(dt.datetime.fromisoformat(window["start"].replace("Z", "+00:00")).timestamp())
    end_s = int(dt.datetime.fromisoformat(window["end"].replace("Z", "+00:00")).timestamp())
    nets = data.truth.column("network_id").to_numpy()
    real = embed_slice(spec, seed=seed, start_s=start_s, end_s=end_s,
                       first_network_id=int(nets.max(initial=0)) + 1,
                       taken_ids=set(data.accounts.column("account_id").to_pylist()))
    accounts = pa.concat_tables([data.accounts, real.accounts.cast(data.accounts.schema)])
    truth = data.truth.append_column("embedded_posts", pa.nulls(data.truth.num_rows, pa.int64()))
    truth = pa.concat_tables([truth, real.truth.cast(truth.schema)])
    manifest = dict(data.manifest)
    counts = dict(manifest["counts"])
    counts["synthetic_posts"] = counts["posts"]
    counts["posts"] = counts["posts"] + real.posts.num_rows
    counts["accounts"] = counts["accounts"] + real.accounts.num_rows
    styles = Counter(real.truth.column("operation_style").to_pylist())
    counts["accounts_per_style"] = {**counts["accounts_per_style"], **dict(sorted(styles.items()))}
    manifest["counts"] = counts
    manifest["embedded"] = real.manifest
    tb = data.renderer.tb
    if tb.habit is None and spec.style_habits > 0:
        tb.habit = habits.draw(seed, data.accounts.num_rows, spec.style_habits)
        manifest["parameters"] = {**manifest["parameters"], "style_habits": spec.style_habits}
    return SynthData(data.renderer, data.order, accounts, truth, manifest, extra=real.posts,
                     text_map=restyler_for(seed).array if spec.restyle_crowd else None)
