"""co_template: accounts whose posts share a house style that the rest of the crowd does not.

The IRA's "local news" personas never posted the same item at the same time; they posted
different headlines in one template (``Headline: lede  #crime``, with the same double space), over
days. No item trace sees that. This trace compares the *form* of posts, words masked
(:mod:`.style`), with no time window:

* **Tokens.** Each original post (reposts carry their source's text, not the account's style, and
  are left out) gives one token of each *kind*: by default its ``tail`` (``|  #``: how it ends
  after its last word - links, tags, names, emoji, punctuation) and, where the data names the
  client app, ``client`` (the app with the ending); on request its ``frame`` (opening and ending,
  ``# |  #``) and ``skeleton`` (``W: W  #``). An account's *habits* are the tokens it used in at
  least ``min_uses`` posts: a template one uses again and again, not once by accident.
* **Null model.** The crowd's own distribution of habits: account ``a`` has ``d_a`` habits of a
  kind, token ``t`` is a habit of ``k_t`` accounts, ``D`` habits in all. Accounts taking up
  habits independently, keeping both ``d_a`` and ``k_t`` (a configuration model of the
  account-habit graph), a pair shares ``lambda = d_a d_b sum_t k_t (k_t - 1) / D**2`` of them by
  chance - the very computation :func:`.significance.pair_p_values` does for item traces, with
  habits for items and no window. It runs on nested popularity classes, so a pair sharing rare
  templates is judged against the chance of sharing *rare* templates: a template everyone uses
  (``w U``, a retweet-free ``@ w``, a trailing emoji) carries no evidence, a template only a few
  accounts use, shared by a set of them, does.
* **Kinds tested apart.** The tokens of one post are not independent (a rare frame makes its
  skeletons rare too), so each kind is tested on its own and a pair keeps its best kind's p-value
  times the number of kinds (Bonferroni) - never a sum over kinds.

Pairs with at least ``min_items`` shared habits of their best kind, with p-values, join the one
Benjamini-Hochberg run of :mod:`.run` (every pair of accounts with at least ``min_posts`` original
posts counts as tested). Evidence: the pair's rarest shared templates, two posts of each side per
template, labelled ``tail `|  #` (13 of 41203 accounts)``.
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.model import Post
from lockstep.traces.base import EDGE_SCHEMA, META_TESTED, META_WINDOW, Example, check_int, planted_time
from lockstep.traces.significance import pair_p_values, popularity_class
from lockstep.traces.style import frames_of_texts, skeletons, tails_of_texts

KINDS = ("skeleton", "frame", "tail", "client")
#: Kinds tested by default. ``skeleton`` and ``frame`` are left out: they multiply shared traits (two
#: people who both put ``>> `` before and `` - URL`` after their text share every skeleton and
#: frame carrying both), which linked 1.8% (skeletons) and 0.07-0.27% (frames) of 3,000 simulated
#: organic accounts with personal habits, against none for endings and clients (docs/detection.md,
#: "Persona templates").
DEFAULT_KINDS = ("tail", "client")
#: The most shared templates and posts per template kept as an edge's evidence.
EVIDENCE_ITEMS = 20
EVIDENCE_POSTS_PER_ITEM = 2
_LABEL_RE = re.compile(r"^(\w+) `(.*)` \((\d+) of (\d+) accounts\)$", re.DOTALL)


def label(kind: str, token: str, k: int, n: int) -> str:
    """How an evidence item reads: ``skeleton `W: W  #` (13 of 41203 accounts)``."""
    return f"{kind} `{token}` ({k} of {n} accounts)"


def parse_label(text: str) -> tuple[str, str, int, int] | None:
    """(kind, token, accounts with it as a habit, accounts tested) of an evidence item, or None."""
    m = _LABEL_RE.match(text or "")
    return (m.group(1), m.group(2), int(m.group(3)), int(m.group(4))) if m else None


class CoTemplate:
    """Shared house style: the same rare post templates, used habitually, over the whole period."""

    name: ClassVar[str] = "co_template"
    action: ClassVar[str] = "post in one house style"
    item_noun: ClassVar[str] = "templates"
    #: Style evidence is not counted like co-shared items: it stays out of the pooled test.
    pool_evidence: ClassVar[bool] = False
    #: No time window: the trace compares whole timelines (``window_s`` is the data's span).
    time_free: ClassVar[bool] = True

    def __init__(self, *, min_items: int = 3, min_uses: int = 2, min_posts: int = 5,
                 kinds: tuple[str, ...] | list[str] = DEFAULT_KINDS, max_pairs: int = 20_000_000) -> None:
        self.min_items = min_items
        self.min_uses = min_uses
        self.min_posts = min_posts
        self.kinds = kinds
        self.max_pairs = max_pairs

    def get_params(self) -> dict[str, Any]:
        return {"min_items": self.min_items, "min_uses": self.min_uses, "min_posts": self.min_posts,
                "kinds": self.kinds, "max_pairs": self.max_pairs}

    def _validate(self) -> list[str]:
        owner = type(self).__name__
        check_int(owner, "min_items", self.min_items, 1, 1_000_000)
        check_int(owner, "min_uses", self.min_uses, 1, 1_000_000)
        check_int(owner, "min_posts", self.min_posts, 1, 1_000_000)
        check_int(owner, "max_pairs", self.max_pairs, 1, 10**10)
        kinds = [self.kinds] if isinstance(self.kinds, str) else list(self.kinds)
        bad = [k for k in kinds if k not in KINDS]
        if bad or not kinds:
            raise DetectorError(f"{owner}: kinds must be a non-empty list of {', '.join(KINDS)}. "
                                f"Got {self.kinds!r}.")
        return sorted(set(kinds), key=KINDS.index)

    def detect(self, engine: Engine, posts: str = "posts", *, p_max: float = 1.0) -> pa.Table:
        kinds = self._validate()
        ts = engine.epoch("o.time")
        rows = engine.sql(
            "WITH o AS (SELECT platform, account_id, post_id, time, text, client FROM " + posts + " "
            "  WHERE text IS NOT NULL AND repost_of_post IS NULL AND repost_of_account IS NULL "
            "  AND text NOT LIKE 'RT @%'), "
            "a AS (SELECT platform, account_id FROM o GROUP BY platform, account_id HAVING COUNT(*) >= ?) "
            f"SELECT o.platform, o.account_id, o.post_id, {ts} AS ts, o.text, o.client FROM o "
            "JOIN a ON a.platform = o.platform AND a.account_id = o.account_id "
            "ORDER BY o.platform, o.account_id, ts, o.post_id",
            [self.min_posts],
        )
        if rows.num_rows == 0:
            return _empty(0)
        ts_all = rows.column("ts").to_numpy()
        span = float(np.nanmax(ts_all) - np.nanmin(ts_all))
        # Each distinct text is masked once.
        texts = pc.dictionary_encode(rows.column("text")).combine_chunks()
        skel_d = skeletons(texts.dictionary) if "skeleton" in kinds else None
        frame_d = frames_of_texts(texts.dictionary) if "frame" in kinds else None
        tail_d = tails_of_texts(texts.dictionary) if {"tail", "client"} & set(kinds) else None
        idx = texts.indices
        node, accounts = pd.factorize(
            pd.Series(rows.column("platform").to_numpy(zero_copy_only=False), dtype=object) + "\x1f"
            + pd.Series(rows.column("account_id").to_numpy(zero_copy_only=False), dtype=object), sort=True)
        n = len(accounts)
        tokens: dict[str, np.ndarray] = {}
        for kind in kinds:
            if kind == "skeleton":
                tok = pc.take(skel_d, idx)
            elif kind == "frame":
                tok = pc.take(frame_d, idx)
            elif kind == "tail":
                tok = pc.take(tail_d, idx)
            else:  # the client app with the post's ending
                client = rows.column("client")
                tok = pc.if_else(pc.is_valid(client),
                                 pc.binary_join_element_wise(client, pc.take(tail_d, idx), " · "), None)
            tokens[kind] = np.asarray(tok.to_numpy(zero_copy_only=False), dtype=object)
        act = activity_blocks(np.bincount(node, minlength=n))
        one_group = np.zeros(n, np.int64)
        results = []
        for kind in kinds:
            if kind != "client":
                results.append(self._kind_test(kind, node, tokens[kind], n, act, one_group))
                continue
            # Only an account's main client (most posts; ties: first by name) counts: an app's
            # frames are held by its users alone, so the app is the account's group.
            client_of, main = _main_client(node, rows.column("client"), n)
            tok = tokens[kind].copy()
            tok[client_of[node] != main] = None
            results.append(self._kind_test(kind, node, tok, n, client_of * (int(act.max()) + 1) + act, client_of))
        found = [r for r in results if r is not None]
        tested = n * (n - 1) // 2
        if not found:
            return _empty(tested, span)
        pairs = _best_kind(found, len(kinds))
        pairs = pairs[(pairs["x"] >= self.min_items) & (pairs["p"] <= p_max)].reset_index(drop=True)
        if pairs.empty:
            return _empty(tested, span)
        ev_ids, ev_items = _evidence(pairs, found, rows, n)
        plat_acc = accounts.to_series().str.split("\x1f", n=1, expand=True)
        plat, acc = plat_acc[0].to_numpy(), plat_acc[1].to_numpy()
        lo, hi = pairs["lo"].to_numpy(), pairs["hi"].to_numpy()
        out = pa.table({
            "platform_a": pa.array(plat[lo], pa.string()), "account_a": pa.array(acc[lo], pa.string()),
            "platform_b": pa.array(plat[hi], pa.string()), "account_b": pa.array(acc[hi], pa.string()),
            "weight": pa.array(pairs["w"].to_numpy(dtype=np.float64)),
            "count": pa.array(pairs["x"].to_numpy(dtype=np.int64)),
            "expected": pa.array(pairs["lam"].to_numpy(dtype=np.float64)),
            "p_value": pa.array(pairs["p"].to_numpy(dtype=np.float64)),
            "evidence_ids": ev_ids, "evidence_items": ev_items,
            "window_s": pa.array(np.full(len(pairs), span), pa.float64()),
        }, schema=EDGE_SCHEMA)
        return _with_meta(out, tested, span)

    def _kind_test(self, kind: str, node: np.ndarray, token: np.ndarray, n: int,
                   block: np.ndarray, group: np.ndarray) -> _KindResult | None:
        """Habits of one kind, the pairs sharing rare ones, and their p-values (``block`` and
        ``group``: each account's, see :func:`_class_null`)."""
        have = pd.notna(token) & (token != "")
        if not have.any():
            return None
        rows = np.flatnonzero(have)
        tok_id, tok_names = pd.factorize(token[rows])
        df = pd.DataFrame({"node": node[rows], "tok": tok_id, "row": rows})
        uses = df.groupby(["node", "tok"], sort=True).size().reset_index(name="n")
        habits = uses[uses["n"] >= self.min_uses].reset_index(drop=True)
        if habits.empty:
            return None
        k = np.bincount(habits["tok"].to_numpy(), minlength=len(tok_names))
        d = np.bincount(habits["node"].to_numpy(), minlength=n).astype(np.float64)
        n_classes = int(popularity_class(np.maximum(k[k > 0], 2)).max()) + 1
        r, q, group_of_block = _class_null(habits, k, block, group, n_classes)
        pair_rows = _pair_rows(habits, k, n, self.max_pairs)
        if pair_rows is None:
            return None
        key, tok = pair_rows
        pk, inv = np.unique(key, return_inverse=True)
        cls = popularity_class(k[tok])
        counts = np.zeros((len(pk), n_classes), dtype=np.int64)
        np.add.at(counts, (inv, cls), 1)
        lo, hi = pk // n, pk % n
        bl, bh = block[lo], block[hi]
        same = (group_of_block[bl] == group_of_block[bh])[:, None]
        pw = np.where(same, r[bl] * r[bh] * q[group_of_block[bl]], 0.0)
        p, lam = pair_p_values(d[lo], d[hi], counts, pw, int(d.sum()), pair_norm=np.ones(len(pk)))
        weight = np.zeros(len(pk))
        np.add.at(weight, inv, np.log(n / k[tok]))
        return _KindResult(kind=kind, pairs=pd.DataFrame({"key": pk, "lo": lo, "hi": hi, "x": counts.sum(axis=1),
                                                          "p": p, "lam": lam, "w": weight}),
                           key=key, tok=tok, k=k, names=np.asarray(tok_names, dtype=object), uses=df)

    @staticmethod
    def describe(*, accounts: int, evidence: pd.DataFrame, count: int, expected: float, q_bound: str) -> str:
        """The "why flagged" sentence: the template most members share, how many of the other
        accounts use it, and how much else they share, e.g. *9 accounts post in one house style:
        template `W: W  #`, used by 9 of them and by 0.01% of the other accounts (5 shared
        templates shown), 212 shared habits in all; chance expectation 0.3 (q <= 1e-06)*."""
        best: tuple[int, int, str, str, int, int] | None = None
        items = evidence.groupby("item")["account_id"].nunique() if len(evidence) else pd.Series(dtype=int)
        for item, users in items.items():
            parsed = parse_label(str(item))
            if parsed is None:
                continue
            kind, token, k, n = parsed
            cand = (int(users), -k, kind, token, k, n)
            if best is None or cand[:2] > best[:2]:
                best = cand
        tail = (f"{count} shared habits in all; chance expectation {expected:.2g} (q <= {q_bound})")
        if best is None:
            return f"{accounts} accounts post in one house style ({len(items)} shared templates shown), {tail}"
        users, _, kind, token, k, n = best
        others = max(k - users, 0) / max(n - accounts, 1)
        what = {"skeleton": "template", "frame": "frame", "tail": "ending", "client": "client app and ending"
                }.get(kind, kind)
        return (f"{accounts} accounts post in one house style: {what} `{token}`, used by {users} of them and by "
                f"{_share(others)} of the other accounts ({len(items)} shared templates shown), {tail}")

    @staticmethod
    def example() -> Example:
        """Three "local news" personas posting different headlines in four templates of one house
        (frames ``|  #``, ``| U \\| U``, ``|... U \\| U``, ``| U  #``), among forty accounts that write in the crowd's common styles - ten of
        which share one common template of their own, which must not count."""
        news = ["nf1", "nf2", "nf3"]
        words = ["Storm", "Council", "Police", "Schools", "Mayor", "Bridge", "Court", "Market", "Team", "Fire"]
        house = ["{w} update: {v} news from the city today  #local",
                 "{w} closes early, officials say https://t.co/x{n} \\| https://t.co/site{n}",
                 "{w}, {v} and the county agree https://t.co/z{n}  #politics",
                 "{w} wins again... https://t.co/y{n} \\| https://t.co/site{n}"]
        posts: list[Post] = []
        for j, a in enumerate(news):
            for i in range(12):
                text = house[i % 4].format(w=words[(i + 3 * j) % 10], v=words[(2 * i + j) % 10].lower(), n=f"{j}{i}")
                posts.append(Post("x", f"{a}p{i}", a, planted_time(600 * i + 97 * j), text=text))
        for b in range(40):
            for i in range(6):
                if b < 10:  # a template many accounts share: no evidence
                    text = f"just saw the {words[(b + i) % 10].lower()} thing https://t.co/b{b}{i}"
                elif i % 2:
                    text = f"thinking about {words[i].lower()} number {b} again"
                else:
                    text = "lol " * (1 + (b + i) % 3) + f"{words[b % 10].lower()}{'!' * (b % 4)}"
                posts.append(Post("x", f"bg{b}p{i}", f"bg{b}", planted_time(300 * i + 13 * b), text=text))
        return Example(posts, {(("x", "nf1"), ("x", "nf2")), (("x", "nf1"), ("x", "nf3")),
                               (("x", "nf2"), ("x", "nf3"))})


class _KindResult:
    """One kind's tested pairs and the (pair, shared token) rows behind them."""

    def __init__(self, *, kind: str, pairs: pd.DataFrame, key: np.ndarray, tok: np.ndarray, k: np.ndarray,
                 names: np.ndarray, uses: pd.DataFrame) -> None:
        self.kind, self.pairs, self.key, self.tok, self.k, self.names = kind, pairs, key, tok, k, names
        #: every (node, tok, row) of the kind, rows in time order within an account
        self.uses = uses


def _class_null(habits: pd.DataFrame, k: np.ndarray, block: np.ndarray, group: np.ndarray,
                n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The null model's parts: each block's mix over popularity classes, and each class's chance
    that two random holdings of it fall on the same token.

    Why blocks: habits are not taken up independently of how much an account posts - a template
    that makes up 1% of posts becomes a habit (used twice) of accounts with hundreds of posts, not
    of those with ten - so heavy posters share mid-popular templates far more often than a single
    configuration model expects (on the 1M-post benchmark, 0.2% of organic accounts flagged on
    skeletons each shared by about 200 of 27,000 accounts). So account ``a`` in block ``X`` (by
    activity, :func:`activity_blocks`) holds ``d_a r_Xc`` habits of popularity class ``c``, where
    ``r_Xc`` is the share of block ``X``'s habits in that class, and each holding falls on token
    ``t`` of the class with probability ``k_t / K_c`` (its popularity among *all* accounts). A pair
    then expects ``d_a d_b r_Xc r_Yc Q_c`` shared habits of class ``c``, with
    ``Q_c = sum_t k_t (k_t - 1) / K_c**2``; with one block this is the configuration model
    (``d_a d_b sum_t k_t (k_t - 1) / D**2``). A template counts as popular wherever it is used: a
    block cannot make a template rare by not using it.

    ``group`` splits tokens that only some accounts can hold (the client kind: an app's frames are
    only held by that app's users), per account; ``Q`` is then per group.

    Returns ``r`` (blocks x classes), ``q`` (groups x classes) and the group of each block."""
    node = habits["node"].to_numpy()
    tok = habits["tok"].to_numpy()
    nb = int(block.max()) + 1 if len(block) else 1
    ng = int(group.max()) + 1 if len(group) else 1
    cls = popularity_class(np.maximum(k, 2))[tok]
    held = np.zeros((nb, n_classes))
    np.add.at(held, (block[node], cls), 1.0)
    r = held / np.maximum(held.sum(axis=1, keepdims=True), 1.0)
    kk = k[tok].astype(np.float64)
    big_k = np.zeros((ng, n_classes))
    np.add.at(big_k, (group[node], cls), 1.0)  # sum of k_t over the class = its holdings
    pairs = np.zeros((ng, n_classes))
    np.add.at(pairs, (group[node], cls), kk - 1.0)  # sum over holdings of (k_t - 1) = sum_t k_t (k_t - 1)
    q = pairs / np.maximum(big_k, 1.0) ** 2
    group_of_block = np.zeros(nb, np.int64)
    group_of_block[block] = group
    return r, q, group_of_block


def activity_blocks(posts_per_account: np.ndarray) -> np.ndarray:
    """Block of each account by its number of posts: ``floor(log4(n))`` (4-15, 16-63, 64-255,
    256-1023, ...). Coarse on purpose: a block must hold far more accounts than an operation, or
    the operation's own shared habits would make up its block's chance of sharing (the null
    learns ``S_XY`` from the data it tests)."""
    return np.floor(np.log(np.maximum(posts_per_account, 1)) / np.log(4.0) + 1e-9).astype(np.int64)


def _main_client(node: np.ndarray, client: pa.ChunkedArray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each account's main client app as a code (most posts; ties: first by name), and each row's
    client code (-1 where the row names none)."""
    names = pd.Series(client.to_numpy(zero_copy_only=False), dtype=object)
    code, _ = pd.factorize(names, sort=True)  # -1 for a missing client
    df = pd.DataFrame({"node": node, "c": code})
    main = (df[df["c"] >= 0].groupby(["node", "c"]).size().reset_index(name="n")
            .sort_values(["node", "n", "c"], ascending=[True, False, True]).drop_duplicates("node"))
    client_of = np.zeros(n, np.int64)
    client_of[main["node"].to_numpy()] = main["c"].to_numpy()
    return client_of, code


def _pair_rows(habits: pd.DataFrame, k: np.ndarray, n: int, max_pairs: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Every (account pair, token) of the tokens shared by 2 .. cap accounts: pair key ``lo * n + hi``
    and token id. The cap is ``2 sqrt(n)`` accounts (at least 64), lowered further - most popular
    tokens first - until at most ``max_pairs`` rows are made: a token that common weighs little
    (``ln(n / k)``) and its class's chance of sharing is high anyway, so leaving it out of the
    counts only makes pairs less significant, never more."""
    cap = max(64, int(2 * math.sqrt(n)))
    tk = habits["tok"].to_numpy()
    kk = k[tk]
    keep = (kk >= 2) & (kk <= cap)
    if not keep.any():
        return None
    sizes = np.sort(np.unique(tk[keep], return_counts=True)[1])
    cum = np.cumsum(sizes * (sizes - 1) // 2)
    if cum[-1] > max_pairs:
        cap = int(sizes[np.searchsorted(cum, max_pairs, side="right") - 1]) if cum[0] <= max_pairs else 1
        keep &= kk <= cap
        if not keep.any():
            return None
    h = habits[keep].sort_values(["tok", "node"], kind="stable")
    t = h["tok"].to_numpy()
    a = h["node"].to_numpy().astype(np.int64)
    # Within each token's run of accounts, pair every position with each later one.
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    size = np.diff(np.r_[starts, len(t)])
    run_start = np.repeat(starts, size)
    later = (run_start + np.repeat(size, size)) - np.arange(len(t)) - 1  # accounts after each position
    left = np.repeat(np.arange(len(t)), later)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(later) - later, later)
    right = left + 1 + offset
    return a[left] * n + a[right], t[left]


def _best_kind(results: list[_KindResult], n_kinds: int) -> pd.DataFrame:
    """Per pair, the kind with the smallest p-value; that p-value times the number of kinds."""
    allp = pd.concat([r.pairs.assign(kind=i) for i, r in enumerate(results)], ignore_index=True)
    allp = allp.sort_values(["key", "p", "kind"], kind="stable").drop_duplicates("key")
    allp["p"] = np.minimum(allp["p"].to_numpy() * n_kinds, 1.0)
    return allp.sort_values("key").reset_index(drop=True)


def _evidence(pairs: pd.DataFrame, results: list[_KindResult], rows: pa.Table, n: int) -> tuple[pa.Array, pa.Array]:
    """Per kept pair: its best kind's rarest shared tokens (up to :data:`EVIDENCE_ITEMS`), with the
    first :data:`EVIDENCE_POSTS_PER_ITEM` posts of each side that used the token."""
    ids = (pd.Series(rows.column("platform").to_numpy(zero_copy_only=False), dtype=object) + "/"
           + pd.Series(rows.column("post_id").to_numpy(zero_copy_only=False), dtype=object)).to_numpy()
    per_pair: dict[int, list[tuple[str, str]]] = {}
    for i, r in enumerate(results):
        want = pairs.loc[pairs["kind"] == i, "key"].to_numpy()
        if len(want) == 0:
            continue
        sel = np.isin(r.key, want)
        df = pd.DataFrame({"key": r.key[sel], "tok": r.tok[sel]})
        df["k"] = r.k[df["tok"].to_numpy()]
        df = df.sort_values(["key", "k", "tok"], kind="stable").groupby("key", sort=False).head(EVIDENCE_ITEMS)
        # The posts of each account with each of its habits, first ones first.
        posts_of = _posts_of(r, set(df["tok"].tolist()))
        for key, tok, k in df[["key", "tok", "k"]].itertuples(index=False):
            lab = label(r.kind, str(r.names[tok]), int(k), n)
            out = per_pair.setdefault(int(key), [])
            for side in (int(key) // n, int(key) % n):
                for row in posts_of.get((side, int(tok)), [])[:EVIDENCE_POSTS_PER_ITEM]:
                    out.append((str(ids[row]), lab))
    id_lists, item_lists = [], []
    for key in pairs["key"].to_numpy():
        found = sorted(set(per_pair.get(int(key), [])))
        id_lists.append([e for e, _ in found])
        item_lists.append([lab for _, lab in found])
    return pa.array(id_lists, pa.list_(pa.string())), pa.array(item_lists, pa.list_(pa.string()))


def _posts_of(r: _KindResult, toks: set[int]) -> dict[tuple[int, int], list[int]]:
    """(account, token) -> its first posts (rows, in time order) for the given tokens of one kind."""
    uses = r.uses[r.uses["tok"].isin(toks)].groupby(["node", "tok"], sort=False).head(EVIDENCE_POSTS_PER_ITEM)
    out: dict[tuple[int, int], list[int]] = {}
    for a, t, row in uses[["node", "tok", "row"]].itertuples(index=False):
        out.setdefault((int(a), int(t)), []).append(int(row))
    return out


def _share(x: float) -> str:
    """A share as a short percentage that is still true: ``0.01%``, ``1.2%``, ``0%``."""
    if x <= 0:
        return "0%"
    return f"{100 * x:.2g}%" if 100 * x >= 0.01 else "under 0.01%"


def _with_meta(table: pa.Table, tested: int, span: float = 0.0) -> pa.Table:
    return table.replace_schema_metadata({META_TESTED: str(int(tested)), META_WINDOW: repr(float(span))})


def _empty(tested: int, span: float = 0.0) -> pa.Table:
    return _with_meta(EDGE_SCHEMA.empty_table(), tested, span)
