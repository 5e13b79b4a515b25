"""A small synthetic world with planted narrative behaviour, for tests, docs and the bench.

Organic accounts chat about every topic all along. Network 1 talks football, then pivots to the
Ukraine war at ``pivot_week``; network 2 keeps one steady mix (food, weather) throughout; network 3
talks about the war at a steady low share all along (organic-looking chatter by a known network).
Texts are random bags of each topic's words, so no two posts need be identical.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pyarrow as pa

from lockstep.model import POST_SCHEMA
from lockstep.store import Store

TOPIC_WORDS: dict[str, list[str]] = {
    "ukraine": ["ukraine", "kyiv", "weapons", "aid", "war", "russia", "zelensky", "front", "sanctions", "military", "tanks", "donbas", "missiles", "shelling", "troops", "ceasefire"],
    "election": ["election", "ballot", "vote", "candidate", "polls", "fraud", "campaign", "debate", "voters", "turnout", "senate", "president", "rally", "primary", "swing"],
    "football": ["match", "goal", "league", "striker", "coach", "season", "fans", "stadium", "transfer", "penalty", "referee", "cup", "midfielder", "keeper", "derby"],
    "weather": ["rain", "storm", "forecast", "snow", "temperature", "wind", "sunny", "flood", "heatwave", "cloudy", "degrees", "thunder", "drizzle", "humid", "frost"],
    "food": ["recipe", "dinner", "pasta", "cheese", "bake", "kitchen", "restaurant", "flavor", "chocolate", "breakfast", "spicy", "salad", "garlic", "oven", "dessert"],
}
FILLER = ["the", "a", "today", "really", "this", "is", "what", "we", "all", "think", "about", "so", "very", "now", "again"]
START = datetime(2024, 1, 1)


def _text(rng: random.Random, topic: str) -> str:
    words = rng.sample(TOPIC_WORDS[topic], 6) + rng.sample(FILLER, 3)
    rng.shuffle(words)
    return " ".join(words)


def planted_world(*, seed: int = 0, weeks: int = 10, pivot_week: int = 5, organic_accounts: int = 30,
                  network_size: int = 6, posts_per_account_week: int = 5,
                  pivot_offset_hours: float = 0.0) -> tuple[pa.Table, pa.Table]:
    """Posts (``POST_SCHEMA``) and members rows of dataset ``planted``. Network 1 pivots at
    :func:`pivot_time` (``pivot_week`` plus ``pivot_offset_hours``)."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    members: list[dict[str, object]] = []
    pivot = pivot_time(pivot_week, pivot_offset_hours)

    def post(acct: str, week: int, topic: str) -> None:
        t = START + timedelta(days=7 * week, seconds=rng.randrange(7 * 86400))
        if topic == "_pivot":
            topic = "football" if t < pivot else "ukraine"
        rows.append({"dataset": "planted", "platform": "x", "post_id": f"p{len(rows)}", "account_id": acct,
                     "time": t, "time_zone_known": True, "text": _text(rng, topic), "language": "en"})

    topics = list(TOPIC_WORDS)
    for a in range(organic_accounts):
        for w in range(weeks):
            for _ in range(posts_per_account_week):
                post(f"organic{a}", w, rng.choice(topics))
    plans = {
        1: lambda w: "_pivot",  # decided by the post's time
        2: lambda w: rng.choice(["food", "weather"]),
        3: lambda w: "ukraine" if rng.random() < 0.2 else rng.choice(["election", "weather"]),
    }
    for nid, pick in plans.items():
        for a in range(network_size):
            acct = f"net{nid}_{a}"
            members.append({"dataset": "planted", "network_id": nid, "platform": "x", "account_id": acct,
                            "score": 1.0})
            for w in range(weeks):
                for _ in range(posts_per_account_week):
                    post(acct, w, pick(w))
    cols = {f.name: [r.get(f.name) for r in rows] for f in POST_SCHEMA}
    return pa.table(cols, schema=POST_SCHEMA), pa.Table.from_pylist(members)


def pivot_time(pivot_week: int, pivot_offset_hours: float = 0.0) -> datetime:
    return START + timedelta(weeks=pivot_week, hours=pivot_offset_hours)


def load_planted(store: Store, **kwargs: object) -> None:
    """Write the planted world into a store (posts and members of dataset ``planted``)."""
    posts, members = planted_world(**kwargs)  # type: ignore[arg-type]
    store.append("posts", posts)
    store.append("members", members)
