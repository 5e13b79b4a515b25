"""What the workspace's pages show, read from the store. The network page reuses the report's data
layer (:func:`lockstep.report.data.load_network`); this module adds what only the workspace needs:
the filtered, paged list of networks, the lockstep view's rows, per-member signals, and an account's
own page.

Filters and search are values passed as ``?`` parameters, never spliced into SQL. Search
(:mod:`lockstep.ui.search`) is case-insensitive containment, so a user's ``%`` or ``_`` means itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lockstep.report.data import dicts
from lockstep.store import Store
from lockstep.ui.search import SearchIndex

PAGE_SIZE = 50
POSTS_PAGE = 50
SORTS = {"score": "score DESC, network_id", "size": "size DESC, network_id",
         "recent": "last_activity DESC NULLS LAST, network_id", "id": "network_id"}


@dataclass
class Filters:
    """The networks list's filters, as read from the query string (empty means no filter)."""

    platform: str = ""
    trace: str = ""
    min_size: int | None = None
    max_size: int | None = None
    min_score: float | None = None
    verdict: str = ""  # confirmed | benign | needs_review | none
    active_from: date | None = None
    active_to: date | None = None
    q: str = ""
    sort: str = "score"
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, params: dict[str, str]) -> Filters:
        f = cls(platform=params.get("platform", "").strip(), trace=params.get("trace", "").strip(),
                verdict=params.get("verdict", "").strip(), q=params.get("q", "").strip()[:200])
        f.sort = params.get("sort", "score") if params.get("sort", "score") in SORTS else "score"
        for name, kind in (("min_size", int), ("max_size", int), ("min_score", float), ("page", int)):
            raw = params.get(name, "").strip()
            if raw:
                try:
                    setattr(f, name, kind(raw))
                except ValueError:
                    f.errors.append(f"{name.replace('_', ' ')} must be a number; {raw!r} was ignored.")
        for name in ("active_from", "active_to"):
            raw = params.get(name, "").strip()
            if raw:
                try:
                    setattr(f, name, date.fromisoformat(raw))
                except ValueError:
                    f.errors.append(f"{name.replace('_', ' ')} must be a date like 2024-03-31; {raw!r} was ignored.")
        f.page = max(1, min(f.page, 100_000))
        return f

    def query(self, **change: Any) -> dict[str, str]:
        """The query-string values of these filters (with ``change`` applied), for links."""
        values = {"platform": self.platform, "trace": self.trace, "min_size": self.min_size,
                  "max_size": self.max_size, "min_score": self.min_score, "verdict": self.verdict,
                  "active_from": self.active_from, "active_to": self.active_to, "q": self.q,
                  "sort": self.sort, "page": self.page}
        values.update(change)
        return {k: str(v) for k, v in values.items()
                if v not in (None, "") and (k, v) not in (("page", 1), ("sort", "score"))}


def choices(store: Store, dataset: str) -> dict[str, list[str]]:
    """The platforms and traces the filters offer."""
    return {
        "platforms": [r[0] for r in store.rows(
            "SELECT DISTINCT platform FROM members WHERE dataset = ? ORDER BY 1", [dataset])],
        "traces": [r[0] for r in store.rows(
            "SELECT DISTINCT unnest(traces) FROM networks WHERE dataset = ? ORDER BY 1", [dataset])],
    }


def _where(f: Filters, dataset: str, verdicts: dict[str, str], matching: list[int] | None
           ) -> tuple[str, list[Any]]:
    conds: list[str] = ["n.dataset = ?"]
    params: list[Any] = [dataset]
    if f.platform:
        conds.append("n.network_id IN (SELECT network_id FROM members WHERE dataset = ? AND platform = ?)")
        params += [dataset, f.platform]
    if f.trace:
        conds.append("list_contains(n.traces, ?)")
        params.append(f.trace)
    for cond, value in (("n.size >= ?", f.min_size), ("n.size <= ?", f.max_size), ("n.score >= ?", f.min_score)):
        if value is not None:
            conds.append(cond)
            params.append(value)
    if f.active_from:
        conds.append("n.last_activity >= ?")
        params.append(f.active_from)
    if f.active_to:
        conds.append("n.first_activity < ?")
        params.append(f.active_to + timedelta(days=1))
    if f.verdict:
        ids = [int(s) for s, v in verdicts.items() if s.isdigit() and v == f.verdict]
        if f.verdict == "none":
            conds.append("NOT list_contains(?, n.network_id)")
            params.append([int(s) for s in verdicts if s.isdigit()])
        else:
            conds.append("list_contains(?, n.network_id)")
            params.append(ids)
    if matching is not None:
        conds.append("list_contains(?, n.network_id)")
        params.append(matching)
    return " AND ".join(conds), params


def network_list(store: Store, dataset: str, f: Filters, verdicts: dict[str, str],
                 search: SearchIndex | None = None) -> dict[str, Any]:
    """One page of networks matching ``f`` (best first by default), with the counts over all matches."""
    matching = (search or SearchIndex(keep=0)).networks(store, dataset, f.q) if f.q else None
    where, params = _where(f, dataset, verdicts, matching)
    total, accounts = store.rows(f"SELECT count(*), coalesce(sum(size), 0) FROM networks n WHERE {where}", params)[0]
    all_networks = int(store.scalar("SELECT count(*) FROM networks WHERE dataset = ?", [dataset]))
    pages = max(1, -(-int(total) // PAGE_SIZE))
    f.page = min(f.page, pages)
    rows = dicts(store, f"""
        SELECT n.network_id, n.size, n.score, n.coordination_score, n.traces, n.first_activity,
               n.last_activity, n.why, n.utc_offset_hours, n.attribution_hint,
               (SELECT list(DISTINCT platform ORDER BY platform) FROM members m
                 WHERE m.dataset = n.dataset AND m.network_id = n.network_id) AS platforms
        FROM networks n WHERE {where} ORDER BY {SORTS[f.sort]} LIMIT ? OFFSET ?""",
                  [*params, PAGE_SIZE, (f.page - 1) * PAGE_SIZE])
    return {"rows": rows, "total": int(total), "accounts": int(accounts), "all_networks": all_networks,
            "page": f.page, "pages": pages}


def network_row(store: Store, dataset: str, network_id: int) -> dict[str, Any] | None:
    rows = dicts(store, "SELECT * FROM networks WHERE dataset = ? AND network_id = ?", [dataset, network_id])
    return rows[0] if rows else None


def lockstep_rows(store: Store, dataset: str, network_id: int, items: int = 12) -> list[dict[str, Any]]:
    """The posts behind the network's most shared items: (trace, item, platform, account_id, post_id,
    time), for the items reached by the most accounts (``items`` of them), oldest first. Read from the
    evidence table alone: fetching the posts' texts means scanning the text column of every post
    (over 100 ms at 1M posts), and the item (the link, the text, the hashtag) says what was shared."""
    return dicts(store, """
        WITH top AS (
            SELECT trace, item FROM evidence WHERE dataset = ? AND network_id = ? AND trace <> 'sync'
            GROUP BY 1, 2 ORDER BY count(DISTINCT platform || ':' || account_id) DESC, count(*) DESC, 2 LIMIT ?)
        SELECT e.trace, e.item, e.platform, e.account_id, e.post_id, e.time
        FROM evidence e JOIN top USING (trace, item)
        WHERE e.dataset = ? AND e.network_id = ? ORDER BY e.time, e.post_id""",
                 [dataset, network_id, items, dataset, network_id])


def member_signals(store: Store, dataset: str, network_id: int) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(platform, account_id) -> the member's flagged signals with their sentences."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in dicts(store, """
            SELECT s.platform, s.account_id, s.signal, s.sentence, s.percentile FROM account_signals s
            JOIN members m ON m.dataset = s.dataset AND m.platform = s.platform AND m.account_id = s.account_id
            WHERE m.dataset = ? AND m.network_id = ? AND s.flagged ORDER BY s.signal""", [dataset, network_id]):
        out.setdefault((r["platform"], r["account_id"]), []).append(r)
    return out


def pivots(store: Store, dataset: str, network_id: int) -> list[dict[str, Any]]:
    """Watch alerts (``lockstep watch check``) about this network: when it pivoted into a watched topic."""
    if not store.has_table("watch_alerts"):
        return []
    return dicts(store, "SELECT watch, time, matches, posts, share, baseline_share, q_value, sentence "
                         "FROM watch_alerts WHERE dataset = ? AND network_id = ? ORDER BY time DESC LIMIT 20",
                  [dataset, network_id])


def history(store: Store, dataset: str, network_id: int) -> list[dict[str, Any]]:
    """The network's lineage events (new, grew, shrank, merged, split, dormant, reactivated) from
    durable ids (``lockstep.networks.lineage``), newest first; empty for stores without them."""
    if not store.has_table("network_history"):
        return []
    return dicts(store, "SELECT event, seen_at, data_time, size, change, related, sentence FROM network_history "
                        "WHERE dataset = ? AND network_id = ? ORDER BY seen_at DESC LIMIT 50", [dataset, network_id])


def account(store: Store, dataset: str, platform: str, account_id: str, page: int) -> dict[str, Any] | None:
    """An account's profile, one page of its posts (newest first), signals, networks and matches."""
    key = [dataset, platform, account_id]
    profile = dicts(store, "SELECT * FROM accounts WHERE dataset = ? AND platform = ? AND account_id = ?", key)
    n_posts = int(store.scalar("SELECT count(*) FROM posts WHERE dataset = ? AND platform = ? AND account_id = ?", key))
    if not profile and not n_posts:
        return None
    pages = max(1, -(-n_posts // POSTS_PAGE))
    page = max(1, min(page, pages))
    posts = dicts(store, """
        SELECT post_id, time, handle, text, urls, domains, hashtags, client, repost_of_post, reply_to_post
        FROM posts WHERE dataset = ? AND platform = ? AND account_id = ?
        ORDER BY time DESC, post_id LIMIT ? OFFSET ?""", [*key, POSTS_PAGE, (page - 1) * POSTS_PAGE])
    signals = dicts(store, "SELECT signal, value, percentile, flagged, sentence FROM account_signals "
                            "WHERE dataset = ? AND platform = ? AND account_id = ? ORDER BY flagged DESC, signal", key)
    networks = dicts(store, """
        SELECT m.network_id, m.score AS member_score, n.size, n.score, n.why FROM members m
        JOIN networks n ON n.dataset = m.dataset AND n.network_id = m.network_id
        WHERE m.dataset = ? AND m.platform = ? AND m.account_id = ? ORDER BY n.score DESC""", key)
    score = dicts(store, "SELECT score, partners, best_trace, set_aside FROM account_scores "
                          "WHERE dataset = ? AND platform = ? AND account_id = ?", key) \
        if store.has_table("account_scores") else []
    matches = dicts(store, """
        SELECT indicator_id, type, value, producer, count, first_seen, last_seen FROM sightings
        WHERE dataset = ? AND list_contains(accounts, ?) ORDER BY last_seen DESC LIMIT 50""",
                     [dataset, f"{platform}:{account_id}"]) if store.has_table("sightings") else []
    return {"profile": profile[0] if profile else {"platform": platform, "account_id": account_id},
            "posts": posts, "n_posts": n_posts, "page": page, "pages": pages, "signals": signals,
            "networks": networks, "score": score[0] if score else None, "matches": matches}
