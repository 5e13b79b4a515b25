"""Analysts' verdicts and notes on networks and accounts: an append-only history.

A verdict is a row; changing one's mind adds a row, so the history shows who decided what, when and
why. The newest verdict row of a subject is its current verdict (a ``note`` row adds a remark and
changes no verdict). Verdicts live in the server database, not in the DuckDB store: the store has one
writer at a time (``detect``, ``follow``), the server database takes concurrent writes.

Network ids are numbers that a new ``detect`` run hands out again; each network verdict keeps a
fingerprint of the members it was about (:func:`members_fingerprint`) and is only applied where the
network still has exactly those members (:func:`current`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select

from lockstep.errors import ConfigError
from lockstep.serve import audit
from lockstep.serve.database import now_us
from lockstep.serve.schema import verdicts
from lockstep.store import Store

VERDICTS = {"confirmed": "confirmed CIB", "benign": "benign", "needs_review": "needs review"}
NOTE = "note"
KINDS = ("network", "account")
MAX_REASON = 4000


@dataclass(frozen=True)
class Current:
    """A subject's current verdict; ``stale`` when the network's members changed since."""

    verdict: str
    author: str
    at_us: int
    reason: str
    stale: bool


def members_fingerprint(store: Store, dataset: str, network_id: int) -> tuple[str, int]:
    """SHA-256 of the network's sorted ``platform:account_id`` members, and how many there are."""
    rows = store.rows("SELECT platform || ':' || account_id FROM members WHERE dataset = ? AND network_id = ? "
                      "ORDER BY 1", [dataset, network_id])
    return hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest(), len(rows)


def record(engine: Engine, *, user_id: int, author: str, organisation_id: int, organisation: str,
           dataset: str, kind: str, subject: str, verdict: str, reason: str,
           fingerprint: tuple[str, int] | None = None, remote: str | None = None) -> int:
    """Append a verdict (or a note) and its audit entry in one transaction; returns the row id."""
    reason = " ".join(reason.split()) if "\n" not in reason else reason.strip()
    if kind not in KINDS:
        raise ConfigError(f"A verdict is about a network or an account. Got {kind!r}.")
    if verdict not in VERDICTS and verdict != NOTE:
        raise ConfigError(f"The verdict must be one of {', '.join([*VERDICTS, NOTE])}. Got {verdict!r}.")
    if not reason:
        raise ConfigError("A verdict needs a reason: say what in the evidence decided it.")
    if len(reason) > MAX_REASON:
        raise ConfigError(f"A reason is at most {MAX_REASON} characters (got {len(reason)}).")
    sha, count = fingerprint or (None, None)
    with engine.begin() as conn:
        vid = conn.execute(insert(verdicts).values(
            at_us=now_us(), organisation_id=organisation_id, user_id=user_id, author=author, dataset=dataset,
            subject_kind=kind, subject=subject, verdict=verdict, reason=reason, members_sha=sha,
            member_count=count)).inserted_primary_key[0]  # type: ignore[index]
        audit.record(conn, action=f"ui.verdict.{verdict}", outcome="ok", organisation=organisation,
                     actor=author, target=f"{dataset}/{kind}/{subject}", detail=reason[:300], remote=remote)
    return int(vid)


def history(engine: Engine, dataset: str, kind: str, subject: str, organisation_id: int | None = None
            ) -> list[dict[str, Any]]:
    """Every verdict and note on a subject, newest first."""
    q = (select(verdicts).where(verdicts.c.dataset == dataset, verdicts.c.subject_kind == kind,
                                verdicts.c.subject == subject).order_by(verdicts.c.id.desc()))
    if organisation_id is not None:
        q = q.where(verdicts.c.organisation_id == organisation_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def latest(engine: Engine, dataset: str, kind: str, organisation_id: int | None = None
           ) -> dict[str, dict[str, Any]]:
    """subject -> its newest verdict row (notes left out), for every subject of ``kind`` with one."""
    newest = (select(func.max(verdicts.c.id)).where(verdicts.c.dataset == dataset, verdicts.c.subject_kind == kind,
                                                    verdicts.c.verdict != NOTE)
              .group_by(verdicts.c.subject))
    if organisation_id is not None:
        newest = newest.where(verdicts.c.organisation_id == organisation_id)
    with engine.connect() as conn:
        rows = conn.execute(select(verdicts).where(verdicts.c.id.in_(newest)))
        return {r.subject: dict(r._mapping) for r in rows}


def current(row: dict[str, Any] | None, fingerprint: tuple[str, int] | None) -> Current | None:
    """The verdict row as it applies now; ``stale`` when it was about other members than today's."""
    if row is None:
        return None
    stale = bool(fingerprint and row.get("members_sha") and row["members_sha"] != fingerprint[0])
    return Current(verdict=row["verdict"], author=row["author"], at_us=row["at_us"], reason=row["reason"],
                   stale=stale)


def networks_with(engine: Engine, store: Store, dataset: str, verdict: str,
                  organisation_id: int | None = None) -> tuple[list[int], list[int]]:
    """(networks whose current verdict is ``verdict`` and whose members are unchanged, networks with
    that verdict left out because detect changed their members since)."""
    keep: list[int] = []
    stale: list[int] = []
    for subject, row in latest(engine, dataset, "network", organisation_id).items():
        if row["verdict"] != verdict or not subject.isdigit():
            continue
        fp = members_fingerprint(store, dataset, int(subject))
        now = current(row, fp)
        (keep if fp[1] and now is not None and not now.stale else stale).append(int(subject))
    return sorted(keep), sorted(stale)


def export_rows(engine: Engine, dataset: str | None = None) -> Iterable[dict[str, Any]]:
    """Every verdict and note (oldest first) for the CSV/JSON export."""
    q = select(verdicts).order_by(verdicts.c.id)
    if dataset:
        q = q.where(verdicts.c.dataset == dataset)
    with engine.connect() as conn:
        yield from (dict(r._mapping) for r in conn.execute(q))


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def agreement(engine: Engine, store: Store, dataset: str, organisation_id: int | None = None) -> dict[str, Any]:
    """How detection agrees with the analysts' current verdicts (``lockstep evaluate --verdicts``).

    Networks: of those judged confirmed or benign (members unchanged since), the share confirmed is
    the precision of what detection proposed. Accounts: an account judged confirmed counts as found
    when detection put it in a network (recall), one judged benign as a false positive when it did;
    a network verdict also applies to each of its members unless the account has its own.
    ``needs_review`` verdicts are counted, not scored.
    """
    nets = {"confirmed": 0, "benign": 0, "needs_review": 0, "stale": 0}
    accounts: dict[str, str] = {}
    for subject, row in latest(engine, dataset, "network", organisation_id).items():
        if not subject.isdigit():
            continue
        prints = members_fingerprint(store, dataset, int(subject))
        now = current(row, prints)
        if now is None or now.stale or not prints[1]:
            nets["stale"] += 1
            continue
        nets[now.verdict] += 1
        for (member,) in store.rows("SELECT platform || ':' || account_id FROM members WHERE dataset = ? AND "
                                    "network_id = ?", [dataset, int(subject)]):
            accounts[member] = now.verdict
    for subject, row in latest(engine, dataset, "account", organisation_id).items():
        accounts[subject] = row["verdict"]  # an account's own verdict wins over its network's
    flagged = {r[0] for r in store.rows("SELECT DISTINCT platform || ':' || account_id FROM members "
                                        "WHERE dataset = ?", [dataset])}
    judged = {a: v for a, v in accounts.items() if v in ("confirmed", "benign")}
    tp = sum(1 for a, v in judged.items() if v == "confirmed" and a in flagged)
    fn = sum(1 for a, v in judged.items() if v == "confirmed" and a not in flagged)
    fpos = sum(1 for a, v in judged.items() if v == "benign" and a in flagged)
    tn = sum(1 for a, v in judged.items() if v == "benign" and a not in flagged)
    precision, recall = _ratio(tp, tp + fpos), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else None
    return {
        "dataset": dataset,
        "networks": {**nets, "precision": _ratio(nets["confirmed"], nets["confirmed"] + nets["benign"])},
        "accounts": {"judged": len(judged), "needs_review": sum(1 for v in accounts.values() if v == "needs_review"),
                     "true_positives": tp, "false_negatives": fn, "false_positives": fpos, "true_negatives": tn,
                     "precision": precision, "recall": recall, "f1": f1},
    }
