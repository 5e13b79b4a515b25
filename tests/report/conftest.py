"""A small store with one planted network, written table by table, for report and export tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from lockstep.store import Store

DATASET = "planted"
N = 12


def _posts() -> pa.Table:
    rows: dict[str, list] = {k: [] for k in (
        "dataset", "platform", "post_id", "account_id", "handle", "time", "time_zone_known", "text",
        "urls", "domains", "hashtags", "mentions", "media_hashes", "client")}
    start = datetime(2024, 3, 4, 6, 0)  # a Monday; 06:00 UTC = 09:00 at UTC+3
    for day in range(10):
        if (start + timedelta(days=day)).weekday() >= 5:
            continue
        for i in range(N):
            t = start + timedelta(days=day, hours=i % 8, seconds=7 * i)
            rows["dataset"].append(DATASET)
            rows["platform"].append("twitter" if i < 10 else "telegram")
            rows["post_id"].append(f"p{day}-{i}")
            rows["account_id"].append(f"op{i}")
            rows["handle"].append(f"patriot_{1000 + i}")
            rows["time"].append(t)
            rows["time_zone_known"].append(True)
            rows["text"].append(f"The truth they hide about the vote #{day} https://news-truth.example.com/a{day}")
            rows["urls"].append([f"https://news-truth.example.com/a{day}"])
            rows["domains"].append(["news-truth.example.com"])
            rows["hashtags"].append(["vote"])
            rows["mentions"].append([])
            rows["media_hashes"].append([])
            rows["client"].append("Twitter Web App" if i % 3 else "PostBot 2")
    return pa.table(rows)


def plant(store: Store) -> None:
    store.append("posts", _posts())
    accounts = pa.table({
        "dataset": [DATASET] * N,
        "platform": ["twitter" if i < 10 else "telegram" for i in range(N)],
        "account_id": [f"op{i}" for i in range(N)],
        "handle": [f"patriot_{1000 + i}" for i in range(N)],
        "followers": [50 + i for i in range(N - 1)] + [250_000],
        "created_at": [datetime(2024, 1, 10, 12, 0) + timedelta(minutes=3 * i) for i in range(N)],
        "verified": [False] * (N - 1) + [True],
    })
    store.append("accounts", accounts)
    members = pa.table({
        "dataset": [DATASET] * N, "network_id": [1] * N,
        "platform": ["twitter" if i < 10 else "telegram" for i in range(N)],
        "account_id": [f"op{i}" for i in range(N)], "score": [0.9 - 0.01 * i for i in range(N)],
        "subcluster": [i % 2 for i in range(N)], "degree": [N - 1] * N,
    })
    store.append("members", members)
    plat = ["twitter" if i < 10 else "telegram" for i in range(N)]
    ea, eb, tr = [], [], []
    for i in range(N):
        for j in range(i + 1, N):
            ea.append(i)
            eb.append(j)
            tr.append("co_link" if (i + j) % 2 else "co_text")
    store.append("edges", pa.table({
        "dataset": [DATASET] * len(ea), "trace": tr,
        "platform_a": [plat[i] for i in ea], "account_a": [f"op{i}" for i in ea],
        "platform_b": [plat[j] for j in eb], "account_b": [f"op{j}" for j in eb],
        "weight": [3.5] * len(ea), "count": [8] * len(ea), "p_value": [1e-9] * len(ea),
        "q_value": [1e-7] * len(ea), "evidence_ids": [["twitter:p0-0"]] * len(ea),
    }))
    store.append("evidence", pa.table({
        "dataset": [DATASET] * N, "network_id": [1] * N, "trace": ["co_link"] * N,
        "item": ["https://news-truth.example.com/a0"] * N, "platform": plat,
        "account_id": [f"op{i}" for i in range(N)], "post_id": [f"p0-{i}" for i in range(N)],
        "time": [datetime(2024, 3, 4, 6, 0) + timedelta(seconds=7 * i) for i in range(N)],
    }))
    store.append("networks", pa.table({
        "dataset": [DATASET], "network_id": [1], "size": [N], "score": [0.86], "coordination_score": [0.8],
        "signal_score": [0.5], "traces": [["co_link", "co_text"]], "edge_count": [len(ea)], "density": [1.0],
        "first_activity": [datetime(2024, 3, 4, 6, 0)], "last_activity": [datetime(2024, 3, 13, 13, 1)],
        "why": ["12 accounts posted the same 8 links within 90 s of each other; chance expectation 0.02."],
        "utc_offset_hours": [3.0], "utc_offset_confidence": [0.82],
        "attribution_hint": ["Activity fits 09:00-18:00 Mon-Fri at UTC+3; consistent with Russia, Turkey, ..."],
    }))


def plant_narratives(store: Store) -> None:
    """Two topics as `lockstep narratives` stores them; the network posts in topic 0 only."""
    from lockstep.narratives.tables import ensure_narrative_tables

    ensure_narrative_tables(store)
    store.con.execute(
        "INSERT INTO topics (dataset, topic_id, label, terms, size) VALUES "
        "(?, 0, 'vote · truth · hide', ['vote', 'truth', 'hide'], 80), (?, 1, 'weather · rain', ['weather'], 5)",
        [DATASET, DATASET],
    )
    store.con.execute(
        "INSERT INTO post_topics (dataset, platform, post_id, account_id, time, topic_id) "
        "SELECT dataset, platform, post_id, account_id, time, 0 FROM posts WHERE dataset = ?",
        [DATASET],
    )


@pytest.fixture
def planted_store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "planted.duckdb") as s:
        plant(s)
        yield s
