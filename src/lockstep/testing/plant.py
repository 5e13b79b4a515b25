"""Plant a small, known coordinated network (with organic background) straight into a store.

For tests and demos of the stages after detection (export, sharing, reports) that must not wait
for, or depend on, detection itself: it writes ``posts``, ``accounts``, ``networks``, ``members``,
``evidence``, ``edges`` and ``account_signals`` rows in the shapes of ``store.TABLES``. URLs and
domains are normalized with the same functions ingest uses, so matching sees what ingest would
store.

The planted operation is Doppelganger-like: member accounts post the same text with a link to a
look-alike news domain within minutes of each other; organic accounts post varied texts linking to
popular sites.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyarrow as pa

from lockstep.ingest.normalize import extract_hashtags, extract_urls, normalize_url, registered_domain
from lockstep.model import ACCOUNT_SCHEMA, POST_SCHEMA
from lockstep.store import Store

_ORGANIC_SITES = ("https://www.bbc.co.uk/news/world-", "https://www.lemonde.fr/international/article/",
                  "https://www.reuters.com/world/")
_WORDS = ("weather", "football", "coffee", "election", "concert", "traffic", "garden", "market", "school",
          "holiday", "recipe", "movie", "train", "river", "museum", "budget", "festival", "bakery")


@dataclass
class PlantedNetwork:
    """What was planted, so tests can assert against it."""

    dataset: str
    network_id: int
    platform: str
    members: list[tuple[str, str]]  # (account_id, handle)
    domain: str
    url: str
    text: str
    first: datetime
    last: datetime
    organic: list[tuple[str, str]] = field(default_factory=list)


def plant_network(store: Store, *, dataset: str = "test", network_id: int = 1, n_members: int = 6,
                  n_organic: int = 30, platform: str = "twitter", seed: int = 0,
                  domain: str = "lemonde-international.press", start: datetime | None = None,
                  traces: tuple[str, ...] = ("co_link", "co_text"), hint: str | None = "RU (UTC+3 working day)",
                  offset_confidence: float | None = 0.7, attribution: str | None = None,
                  handle_prefix: str = "anna_petrova") -> PlantedNetwork:
    """Write one planted network (and organic background) into ``store``; returns what it wrote."""
    rng = random.Random(seed)
    t0 = start or datetime(2024, 3, 1, 9, 0, 0)
    members = [(f"{network_id}{seed}{i:04d}7731", f"{handle_prefix}{network_id}_{i}{rng.randint(100, 999)}")
               for i in range(n_members)]
    organic = [(f"o{seed}_{network_id}_{i}", f"reader_{network_id}_{i}_{rng.choice(_WORDS)}") for i in range(n_organic)]
    url = f"https://www.{domain}/2024/03/01/sanctions-hurt-europe-{network_id}?utm_source=fb"
    text = (f"Les sanctions contre la Russie ruinent l'Europe, lisez l'article #{network_id} "
            f"#sanctions {url}")
    posts: list[dict[str, object]] = []
    for r in range(3):  # three bursts of copy-paste posting
        base = t0 + timedelta(hours=6 * r)
        for i, (acc, handle) in enumerate(members):
            posts.append(_post(dataset, platform, f"p{network_id}_{seed}_{r}_{i}", acc, handle,
                               base + timedelta(seconds=20 * i + rng.randint(0, 15)), text.upper() if i % 2 else text))
    for j in range(n_organic * 3):
        acc, handle = organic[j % n_organic]
        site = rng.choice(_ORGANIC_SITES)
        words = " ".join(rng.sample(_WORDS, 5))
        posts.append(_post(dataset, platform, f"o{network_id}_{seed}_{j}", acc, handle,
                           t0 + timedelta(minutes=rng.randint(0, 60 * 24)),
                           f"{words} {site}{rng.randint(1, 10**6)}"))
    store.append("posts", pa.Table.from_pylist(posts, schema=POST_SCHEMA))
    created = datetime(2024, 2, 20)
    accounts = [{"dataset": dataset, "platform": platform, "account_id": a, "handle": h,
                 "created_at": created + timedelta(minutes=3 * k) if (a, h) in members else None}
                for k, (a, h) in enumerate(members + organic)]
    store.append("accounts", pa.Table.from_pylist(accounts, schema=ACCOUNT_SCHEMA))
    net_posts = [p for p in posts if (p["account_id"], p["handle"]) in members]
    first = min(p["time"] for p in net_posts)  # type: ignore[type-var]
    last = max(p["time"] for p in net_posts)  # type: ignore[type-var]
    _findings(store, dataset, network_id, platform, members, net_posts, traces, first, last,  # type: ignore[arg-type]
              hint, offset_confidence, attribution, normalize_url(url))
    return PlantedNetwork(dataset, network_id, platform, members, domain, normalize_url(url), text,
                          first, last, organic)  # type: ignore[arg-type]


def _post(dataset: str, platform: str, pid: str, acc: str, handle: str, time: datetime, text: str) -> dict[str, object]:
    urls = [normalize_url(u) for u in extract_urls(text)]
    domains = sorted({d for d in (registered_domain(u) for u in urls) if d})
    return {"dataset": dataset, "platform": platform, "post_id": pid, "account_id": acc, "handle": handle,
            "time": time, "time_zone_known": True, "text": text, "urls": urls, "domains": domains,
            "hashtags": extract_hashtags(text), "mentions": [], "media_hashes": []}


def _findings(store: Store, dataset: str, net: int, platform: str, members: list[tuple[str, str]],
              posts: list[dict[str, object]], traces: tuple[str, ...], first: datetime, last: datetime,
              hint: str | None, conf: float | None, attribution: str | None, url: str) -> None:
    n = len(members)
    store.append("networks", pa.Table.from_pylist([{
        "dataset": dataset, "network_id": net, "size": n, "score": 0.93, "coordination_score": 0.95,
        "signal_score": 0.6, "traces": list(traces), "edge_count": n * (n - 1) // 2, "density": 1.0,
        "first_activity": first, "last_activity": last,
        "why": f"{n} accounts (e.g. @{members[0][1]}) posted the same text linking {url} within minutes, 3 times.",
        "utc_offset_hours": 3.0 if hint else None, "utc_offset_confidence": conf if hint else None,
        "attribution_hint": hint, "analyst_attribution": attribution}]))
    store.append("members", pa.Table.from_pylist([
        {"dataset": dataset, "network_id": net, "platform": platform, "account_id": a, "score": 0.9,
         "subcluster": 0, "degree": n - 1} for a, _ in members]))
    store.append("evidence", pa.Table.from_pylist([
        {"dataset": dataset, "network_id": net, "trace": tr, "item": url if tr == "co_link" else "text",
         "platform": platform, "account_id": p["account_id"], "post_id": p["post_id"], "time": p["time"]}
        for tr in traces for p in posts]))
    ids = sorted(a for a, _ in members)
    store.append("edges", pa.Table.from_pylist([
        {"dataset": dataset, "trace": tr, "platform_a": platform, "account_a": a, "platform_b": platform,
         "account_b": b, "weight": 3.0, "count": 3, "p_value": 1e-6, "q_value": 1e-5, "evidence_ids": []}
        for tr in traces for i, a in enumerate(ids) for b in ids[i + 1:]]))
    store.append("account_signals", pa.Table.from_pylist([
        {"dataset": dataset, "platform": platform, "account_id": a, "signal": "creation_burst", "value": 1.0,
         "percentile": 99.0, "flagged": True, "sentence": f"@{h} was created within an hour of {n - 1} others."}
        for a, h in members]))
