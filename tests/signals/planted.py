"""Small planted worlds for the signal tests: organic people, operators on a foreign clock,
a night-shift nurse, a news bot. Everything is seeded; nothing is read from disk."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from lockstep.model import ACCOUNT_SCHEMA, POST_SCHEMA
from lockstep.store import Store

DS = "t"
START = datetime(2016, 7, 4)  # a Monday
DAYS = 56


def add_accounts(store: Store, rows: list[dict[str, Any]]) -> None:
    cols = sorted({k for r in rows for k in r} | {"dataset", "platform"})
    full = [{"dataset": DS, "platform": "x", **r} for r in rows]
    schema = pa.schema([ACCOUNT_SCHEMA.field(c) for c in cols])
    store.append("accounts", pa.Table.from_pylist(full, schema=schema))


def add_posts(store: Store, account_id: str, times: list[datetime], **fields: Any) -> None:
    rows = [{"dataset": DS, "platform": "x", "post_id": f"{account_id}-{i}", "account_id": account_id,
             "time": t, **{k: (v[i] if isinstance(v, list) else v) for k, v in fields.items()}}
            for i, t in enumerate(sorted(times))]
    if not rows:
        return
    schema = pa.schema([POST_SCHEMA.field(c) for c in rows[0]])
    store.append("posts", pa.Table.from_pylist(rows, schema=schema))


def human_times(rng: np.random.Generator, utc_offset: float, n_sessions: int = 40) -> list[datetime]:
    """Bursty sessions in the waking hours (08-23 local) of any day, weekends included."""
    out = []
    for _ in range(n_sessions):
        day = int(rng.integers(0, DAYS))
        hour = float(rng.choice([8, 12, 13, 18, 19, 20, 21, 22])) + rng.uniform(0, 1)
        t0 = START + timedelta(days=day, hours=hour - utc_offset)
        for _ in range(int(rng.integers(1, 5))):
            t0 += timedelta(seconds=int(rng.exponential(600)))
            out.append(t0)
    return out


def operator_times(rng: np.random.Generator, utc_offset: float, per_day: int = 6,
                   noise: float = 0.05) -> list[datetime]:
    """Posts in a 09:00-18:00 Mon-Fri working day at UTC+utc_offset, with a little noise."""
    out = []
    for day in range(DAYS):
        d = START + timedelta(days=day)
        if d.weekday() >= 5:
            continue
        for _ in range(per_day):
            if rng.random() < noise:
                out.append(START + timedelta(seconds=int(rng.uniform(0, DAYS * 86400))))
            else:
                out.append(d + timedelta(hours=9 - utc_offset, seconds=int(rng.uniform(0, 9 * 3600))))
    return out


def nurse_times(rng: np.random.Generator, utc_offset: float = -5) -> list[datetime]:
    """Night shifts 19:00-07:00 on 3-4 irregular days a week, weekends included, plus days off."""
    out = []
    for day in range(DAYS):
        d = START + timedelta(days=day)
        if rng.random() < 0.5:  # a shift: posts on breaks through the night
            for _ in range(int(rng.integers(2, 6))):
                out.append(d + timedelta(hours=19 - utc_offset + rng.uniform(0, 12)))
        else:  # a day off: a few posts in the afternoon/evening
            for _ in range(int(rng.integers(0, 3))):
                out.append(d + timedelta(hours=14 - utc_offset + rng.uniform(0, 8)))
    return out


def news_bot_times(every_minutes: int = 30) -> list[datetime]:
    """A legitimate headline bot: every N minutes, around the clock, every day."""
    n = DAYS * 24 * 60 // every_minutes
    return [START + timedelta(minutes=every_minutes * i, seconds=5) for i in range(n)]


_VOCAB = ["coffee", "dogs", "hiking", "jazz", "books", "teacher", "nurse", "coder", "farmer", "mom", "dad", "runner", "cyclist", "chess", "gardening", "vegan", "baker", "photographer", "painter", "sailor", "fan", "cubs", "mets", "yankees", "football", "soccer", "retired", "student", "lawyer", "doctor", "engineer", "poetry", "travel", "ramen", "tacos", "pizza", "wine", "craft", "beer", "cats", "birds", "fishing", "camping", "surfing", "skiing", "knitting", "guitar", "drums", "piano", "opera", "films", "anime", "gamer", "lego", "history", "science", "space", "physics", "math"]


def organic_world(store: Store, rng: np.random.Generator, n: int = 300) -> list[str]:
    """n ordinary accounts: created over six years, human handles and bios, bursty posting."""
    firsts = ["anna", "mike", "sara", "tom", "lena", "joe", "kim", "raj", "ole", "ivy", "max", "zoe"]
    lasts = ["smith", "jones", "brown", "lee", "garcia", "miller", "davis", "wilson", "moore", "taylor"]
    rows, ids = [], []
    base = datetime(2010, 1, 1)
    for i in range(n):
        aid = f"org{i}"
        f, last = rng.choice(firsts), rng.choice(lasts)
        handle = [f"{f}_{last}", f"{f}{last}{int(rng.integers(1, 99))}", f"{f}.{last[:3]}{i}", f"the{f}{last}"][i % 4]
        rows.append({
            "account_id": aid, "handle": handle, "display_name": f"{f.title()} {last.title()}",
            "bio": " ".join(rng.choice(_VOCAB, 7)),
            "created_at": base + timedelta(minutes=int(rng.uniform(0, 6.5 * 365 * 1440))),
            "location": ["Texas, USA", "Ohio", "New York, NY", "London", "Berlin, Germany"][i % 5],
            "avatar_hash": f"av{i}",
        })
        ids.append(aid)
    add_accounts(store, rows)
    posts = []
    for aid in ids:
        posts += [{"dataset": DS, "platform": "x", "post_id": f"{aid}-{i}", "account_id": aid, "time": t,
                   "language": "en", "client": "Twitter for iPhone"}
                  for i, t in enumerate(sorted(human_times(rng, -5)))]
    schema = pa.schema([POST_SCHEMA.field(c) for c in posts[0]])
    store.append("posts", pa.Table.from_pylist(posts, schema=schema))
    return ids


def add_network(store: Store, network_id: int, accounts: list[str], score: float) -> None:
    """A detected network as detection would write it (so apply_signals has something to re-rank)."""
    store.append("networks", pa.table({
        "dataset": [DS], "network_id": pa.array([network_id], pa.int32()), "size": pa.array([len(accounts)], pa.int32()),
        "score": [score], "coordination_score": [score]}))
    store.append("members", pa.table({
        "dataset": [DS] * len(accounts), "network_id": pa.array([network_id] * len(accounts), pa.int32()),
        "platform": ["x"] * len(accounts), "account_id": accounts, "score": [score] * len(accounts)}))
