"""Build a whole synthetic dataset in memory (numeric skeleton + account table) for one seed.

Order matters for determinism and for the exact post count: accounts, pools, hard negatives and
operations come first; organic posts fill the remaining budget; camouflage reposts are placed last
because they repost organic posts made shortly before them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.errors import ConfigError
from lockstep.synth import habits, negatives, operations, organic
from lockstep.synth import words as W
from lockstep.synth.accounts import PLATFORMS
from lockstep.synth.profile import NEGATIVE_GROUPS, STYLES, SynthProfile, validate
from lockstep.synth.render import Renderer, Tables
from lockstep.synth.world import World

log = logging.getLogger(__name__)

ACCOUNT_OUT_FIELDS = ("platform", "account_id", "handle", "display_name", "bio", "created_at", "followers",
                      "following", "post_count", "verified", "language", "location", "avatar_hash",
                      "category", "source")
TRUTH_FIELDS = ("platform", "account_id", "network_id", "operation_style", "negative_group")


@dataclass
class SynthData:
    """A generated dataset: post chunks on demand, the account table, truth and manifest."""

    renderer: Renderer
    order: np.ndarray
    accounts: pa.Table
    truth: pa.Table
    manifest: dict[str, Any] = field(default_factory=dict)
    #: Posts added to the generated ones (``synth --embed``: real timelines), sorted by time.
    extra: pa.Table | None = None
    #: Rendering applied to the generated texts (``synth --embed``: the same word mapping as the
    #: real texts', :meth:`lockstep.synth.restyle.Restyler.array`); ``None``: texts as generated.
    text_map: Callable[[pa.Array], pa.Array] | None = None

    @property
    def n_posts(self) -> int:
        return len(self.order) + (self.extra.num_rows if self.extra is not None else 0)

    def post_chunks(self, chunk: int = 500_000) -> Iterator[pa.Table]:
        """Posts in time order, ``chunk`` generated rows at a time (strings exist only per chunk);
        extra posts are merged into the chunk whose time range they fall in."""
        extra = self.extra
        n = len(self.order)
        for i in range(0, n, chunk):
            table = self.renderer.render(self.order[i:i + chunk])
            if self.text_map is not None:
                col = table.schema.get_field_index("text")
                table = table.set_column(col, "text", self.text_map(table.column("text").combine_chunks()))
            if extra is not None and extra.num_rows:
                if i + chunk >= n:
                    take = extra.num_rows
                else:
                    last = table.column("time")[-1].value
                    times = extra.column("time").cast(pa.int64()).to_numpy()
                    take = int(np.searchsorted(times, last, side="right"))
                if take:
                    table = pa.concat_tables([table, extra.slice(0, take).cast(table.schema)])
                    table = table.take(pc.sort_indices(table, [("time", "ascending")]))
                    extra = extra.slice(take)
            yield table

    def posts(self) -> pa.Table:
        return pa.concat_tables(list(self.post_chunks()))


def _unique(handles: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for h in handles:
        seen[h] += 1
        out.append(h if seen[h] == 1 else f"{h[:12]}{seen[h]}")
    # A suffix may itself collide with another handle; resolve those (rare) with the row number.
    dup = {h for h, c in Counter(out).items() if c > 1}
    return [f"{h[:9]}_{i}" if h in dup else h for i, h in enumerate(out)]


def generate(*, posts: int, seed: int, profile: SynthProfile, networks: int | None = None) -> SynthData:
    """Generate ``posts`` posts deterministically for ``seed``."""
    validate(profile)
    if posts < 2000:
        raise ConfigError(f"--posts must be at least 2000 to hold organic activity, hard negatives and "
                          f"operations. Got {posts}.")
    if networks is not None and not 0 <= networks <= 10_000:
        raise ConfigError(f"--networks must be in [0, 10000]. Got {networks}.")
    w = World(rng=np.random.default_rng(seed), profile=profile, posts=posts)
    n_org = max(50, round(posts * 0.78 / profile.posts_per_account))
    organic.make_accounts(w, n_org)
    pools = organic.make_pools(w)
    neg = negatives.make_negatives(w, pools)
    nets, pending = operations.make_operations(w, networks, pools)
    remaining = posts - w.sk.n - sum(len(p[0]) for p in pending)
    if remaining < n_org // 2:
        raise ConfigError(
            f"{posts} posts are too few for {len(nets)} networks and the hard negatives "
            f"(they already need {posts - remaining}). Ask for more --posts or fewer --networks.")
    organic.make_posts(w, remaining, pools)
    operations.place_camouflage_reposts(w, pending)
    cols = w.sk.finish()
    assert w.sk.n == posts, (w.sk.n, posts)
    return _assemble(w, cols, seed, nets, neg, networks)


def _assemble(w: World, cols: dict[str, np.ndarray], seed: int, nets: list[dict], neg: dict,
              networks: int | None) -> SynthData:
    rng, b = w.rng, w.book.cols
    n_acc = w.book.n
    perm = rng.permutation(n_acc)
    account_id = pa.array(1_000_000_000 + perm.astype(np.int64) * 37).cast(pa.string())
    handles = _unique(b["handle"])
    clients = [W.CLIENTS[p][c % len(W.CLIENTS[p])] for p, c in zip(b["platform"], b["client"], strict=True)]
    order = np.argsort(cols["t"], kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    tables = Tables(
        fixed=pa.array(w.pools.fixed, pa.string()), urls=pa.array(w.pools.urls, pa.string()),
        url_domains=pa.array(w.pools.url_domains, pa.string()), tags=pa.array(w.pools.tags, pa.string()),
        account_id=account_id, handle=pa.array(handles), platform=pa.array(b["platform"]),
        client=pa.array(clients), language=pa.array(b["language"]),
        habit=habits.draw(seed, n_acc, w.profile.style_habits) if w.profile.style_habits > 0 else None)
    counts = np.bincount(cols["acct"], minlength=n_acc)
    avatar = [None if a is None else f"{int(a) & (2**64 - 1):016x}" for a in b["avatar"]]
    accounts = pa.table({
        "platform": tables.platform, "account_id": account_id, "handle": tables.handle,
        "display_name": pa.array(b["display_name"], pa.string()), "bio": pa.array(b["bio"], pa.string()),
        "created_at": pa.array(np.asarray(b["created_s"], np.int64) * 1_000_000, pa.timestamp("us")),
        "followers": pa.array(b["followers"], pa.int64()), "following": pa.array(b["following"], pa.int64()),
        "post_count": pa.array(counts, pa.int64()), "verified": pa.array(b["verified"], pa.bool_()),
        "language": tables.language, "location": pa.array(b["location"], pa.string()),
        "avatar_hash": pa.array(avatar, pa.string()), "category": pa.nulls(n_acc, pa.string()),
        "source": pa.array(["lockstep synth"] * n_acc),
    })
    groups = [";".join(sorted(w.book.negative.get(i, ()))) for i in range(n_acc)]
    truth = pa.table({"platform": tables.platform, "account_id": account_id,
                      "network_id": pa.array(b["network_id"], pa.int64()),
                      "operation_style": pa.array(b["style"]), "negative_group": pa.array(groups)})
    manifest = _manifest(w, seed, nets, neg, networks, b, groups, counts)
    return SynthData(Renderer(cols, tables, rank), order, accounts, truth, manifest)


def _iso(s: int | None) -> str | None:
    return None if s is None else dt.datetime.fromtimestamp(s, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _manifest(w: World, seed: int, nets: list[dict], neg: dict, networks: int | None, b: dict,
              groups: list[str], counts: np.ndarray) -> dict[str, Any]:
    from lockstep import __version__

    style_acc = Counter(b["style"])
    style_posts: Counter[str] = Counter()
    for s, c in zip(b["style"], counts.tolist(), strict=True):
        style_posts[s] += c
    per_group = {g: sum(1 for x in groups if g in x.split(";")) for g in NEGATIVE_GROUPS}
    for n in nets:
        n["created_burst"] = _iso(n.get("created_burst"))
    for e in neg["news_event"]:
        e["time"] = _iso(e["time"])
    for e in neg["viral_repost"]:
        e["time"] = _iso(e["time"])
        e.pop("row", None)
    return {
        "generator": "lockstep synth", "lockstep_version": __version__, "seed": seed,
        "parameters": {"posts": w.posts, "networks": networks, **w.profile.as_dict()},
        "window": {"start": _iso(w.start_s), "end": _iso(w.end_s)},
        "counts": {
            "posts": int(counts.sum()), "accounts": len(counts),
            "platforms": dict(Counter(b["platform"])),
            "accounts_per_style": {s: style_acc.get(s, 0) for s in ("organic", *STYLES)},
            "posts_per_style": {s: style_posts.get(s, 0) for s in ("organic", *STYLES)},
            "networks_per_style": {s: sum(1 for n in nets if n["style"] == s) for s in STYLES},
            "accounts_per_negative_group": per_group,
        },
        "networks": nets,
        "planted_utc_offsets": {str(n["network_id"]): n["utc_offset"] for n in nets},
        "negatives": neg,
        "pivots": [],
        "platforms": list(PLATFORMS),
    }
