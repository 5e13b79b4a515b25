"""Attach accounts that share many items with a network as a whole, though few with any one member.

Why: every trace tests *pairs*. An amplifier that picks up a different member's hashtags or links each
time shares one or two items with each of twenty members, and no pair of it is ever
significant - yet it shares twenty of the network's items. On real IRA weeks placed in a crowd
(``bench/real_ops.py``) most LeftTroll and RightTroll accounts missed by the pair traces look like
that: they use many of their network's hashtags, each with a different member.

The test, per kind of item (hashtags and links, the items of ``sim_hashtag`` and ``sim_link`` in
:mod:`lockstep.traces.sim_traces`; see :data:`KINDS` for why not reposts) and per network ``G``
found by the pair traces, for every account ``a`` outside all networks:

* ``S_G``: the distinct items the members of ``G`` use; items used by more than ``2 sqrt(N)`` of
  the ``N`` accounts are left out, as in :mod:`lockstep.traces.similarity` (a trending tag says
  nothing about who works with whom);
* under the configuration model of the account-item graph (each account keeps its number of
  distinct items ``d_a``, each item its number of accounts ``k_i``), each of ``a``'s items lands
  on item ``i`` with probability ``k_i / E`` (``E`` = all account-item links), so the number of
  ``a``'s items in ``S_G`` is binomial: ``d_a`` trials, each landing in ``S_G`` with probability
  ``sum_{i in S_G} k_i / E``;
* ``a``'s count ``x`` is compared with that tail on nested popularity classes, as in the pair
  traces (:func:`_class_test`); ``x`` must also reach ``min_shared`` (5, as ``sim_hashtag``'s
  ``min_items``: a city's fans share its three or four tags).

Each (account, network, kind) is one test; Benjamini-Hochberg runs over all of them that could
reach ``min_shared`` at all (accounts holding that many items within the cap, times networks
using that many: the others cannot pass whatever the data, and since the null keeps those
numbers, leaving them out is independent filtering, Bourgon et al., PNAS 2010), at the
detection's FDR. An account passing for several networks
joins the one with the smallest p-value. ``G`` was chosen without looking at ``a`` (``a`` is not
in it), so the null for ``a`` is the plain configuration model.

Known failure modes (docs/detection.md): the null treats items as independent, so an account of a
genuine community that a flagged network *also* uses (a city's tags, a team's) can be attached -
the ``min_shared`` floor and the cap are what keep such accounts out; and attachment only grows
networks the pair traces found, it never starts one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from lockstep.engine.base import Engine
from lockstep.traces.account_evidence import CAP
from lockstep.traces.significance import benjamini_hochberg, binom_sf
from lockstep.traces.sim_traces import SimHashtag, SimLink

log = logging.getLogger(__name__)

#: Layer name of attachments in the evidence table and in explanations.
ATTACHED = "attached"
#: The kinds of items tested: (noun, trace whose items they are). Reposted and replied-to
#: accounts are left out: organic users repost and answer one shared pool of popular accounts, so
#: on the 1M-post benchmark 319 organic accounts "joined" a network through its reposted accounts
#: (0 through hashtags or links). Mentions are left out until a crowd with mentions tests them.
KINDS = (("hashtags", SimHashtag), ("links", SimLink))
#: Shared items kept as evidence per attached account (rarest first).
EVIDENCE_ITEMS = 12


@dataclass(frozen=True)
class Attachment:
    """One account joined to a network: what it shares with it and how unlikely that is."""

    network: int
    platform: str
    account_id: str
    kind: str
    shared: int
    expected: float
    p_value: float
    q_value: float
    #: (item label, post id, time) of the account's posts with the rarest shared items
    evidence: tuple[tuple[str, str, object], ...]


def attach_accounts(engine: Engine, posts: str, networks: dict[int, list[tuple[str, str]]], *,
                    fdr: float, min_shared: int = 5) -> list[Attachment]:
    """Accounts outside all ``networks`` (id -> member ``(platform, account_id)``) that share at least
    ``min_shared`` items of one kind with a network, significantly at ``fdr`` (see the module doc)."""
    if not networks:
        return []
    t = "_ls_attach"
    member_rows = [(g, p, a) for g, accs in networks.items() for p, a in accs]
    engine.write(f"{t}_members", pa.table({"g": pa.array([r[0] for r in member_rows], pa.int64()),
                                           "platform": pa.array([r[1] for r in member_rows], pa.string()),
                                           "account_id": pa.array([r[2] for r in member_rows], pa.string())}))
    found: list[pd.DataFrame] = []
    tested = 0
    try:
        for kind, cls in KINDS:
            items_sql = cls().items_sql(engine, posts)
            engine.materialize(
                f"{t}_ai",
                "SELECT platform, account_id, item, MIN(label) AS label FROM "
                f"({items_sql}) q WHERE item IS NOT NULL AND item <> '' GROUP BY platform, account_id, item")
            n = int(engine.sql(f"SELECT COUNT(*) AS n FROM (SELECT DISTINCT platform, account_id FROM {t}_ai) x")
                    .column("n")[0].as_py())
            if n < 2:
                continue
            cap = max(20, int(2.0 * math.sqrt(n)))
            tested += _testable(engine, t, cap, min_shared)
            rows = engine.sql(
                "WITH k AS (SELECT item, COUNT(*) AS k FROM " + f"{t}_ai GROUP BY item), "
                f"ai AS (SELECT a.platform, a.account_id, a.item, k.k, "
                f"       CAST(CEIL(LOG2(GREATEST(k.k, 2))) AS INTEGER) AS c FROM {t}_ai a JOIN k USING (item) "
                f"       WHERE k.k <= {cap}), "
                f"gi AS (SELECT DISTINCT m.g, ai.item FROM ai JOIN {t}_members m "
                "        ON m.platform = ai.platform AND m.account_id = ai.account_id), "
                "sh AS (SELECT gi.g, ai.platform, ai.account_id, ai.c, COUNT(*) AS x FROM ai JOIN gi ON gi.item = ai.item "
                f"       WHERE NOT EXISTS (SELECT 1 FROM {t}_members m "  # members of any network stay put
                "          WHERE m.platform = ai.platform AND m.account_id = ai.account_id) "
                "       GROUP BY gi.g, ai.platform, ai.account_id, ai.c), "
                "big AS (SELECT g, platform, account_id FROM sh GROUP BY g, platform, account_id "
                f"       HAVING SUM(x) >= {int(min_shared)}) "
                "SELECT sh.* FROM sh JOIN big USING (g, platform, account_id)"
            ).to_pandas()
            if rows.empty:
                continue
            rows = _class_test(engine, t, cap, rows)
            rows["kind"] = kind
            rows["trace"] = cls.name
            found.append(rows)
        if not found:
            return []
        df = pd.concat(found, ignore_index=True)
        df = df.sort_values(["p", "g", "platform", "account_id"], kind="stable")
        # Each (account, network, kind) that could reach ``min_shared`` is one hypothesis.
        df["q"] = benjamini_hochberg(df["p"].to_numpy(), tested)
        best = df.drop_duplicates(["platform", "account_id"])  # the best (kind, network) per account
        best = best[best["q"] <= fdr]
        log.info("attach: %d (account, network, kind) candidates, %d accounts attached", len(df), len(best))
        out = []
        for kind, cls in KINDS:
            chosen = best[best["kind"] == kind]
            if chosen.empty:
                continue
            ev = _evidence(engine, cls().items_sql(engine, posts), t, chosen)
            out += [Attachment(int(r.g), str(r.platform), str(r.account_id), kind, int(r.x), float(r.expected),
                               float(r.p), float(r.q), ev.get((str(r.platform), str(r.account_id)), ()))
                    for r in chosen.itertuples(index=False)]
        return sorted(out, key=lambda a: (a.network, a.platform, a.account_id))
    finally:
        for suffix in ("members", "ai", "chosen"):
            engine.drop(f"{t}_{suffix}")


def with_attachments(evidence: pd.DataFrame, attached: list[Attachment], *, n_networks: int) -> pd.DataFrame:
    """Account evidence (:func:`lockstep.traces.account_evidence.account_evidence`'s frame) with
    each attached account's test added as one more partner, so ``lockstep scores`` ranks it like a
    member: ``min(CAP, -log10 p - log10 n)`` decades, ``n`` the networks it could have joined (by
    chance an account expects fewer than one network with ``p < 1 / n``)."""
    if not attached:
        return evidence
    add = pd.DataFrame({
        "platform": [a.platform for a in attached], "account_id": [a.account_id for a in attached],
        "extra": [min(CAP, -math.log10(max(a.p_value, 1e-300)) - math.log10(max(n_networks, 1))) for a in attached],
    })
    add = add[add["extra"] > 0]
    if add.empty:
        return evidence
    out = evidence.merge(add, on=["platform", "account_id"], how="outer")
    had = out["evidence"].notna() & (out["evidence"] > 0)
    out["best_trace"] = out["best_trace"].where(had, ATTACHED)
    out["evidence"] = out["evidence"].fillna(0.0) + out["extra"].fillna(0.0)
    out["partners"] = out["partners"].fillna(0).astype("int64") + out["extra"].notna().astype("int64")
    return out.drop(columns=["extra"])


def _testable(engine: Engine, t: str, cap: int, min_shared: int) -> int:
    """How many (account, network) tests of this kind could pass at all: accounts outside every
    network holding at least ``min_shared`` items within the cap, times networks whose members
    use at least ``min_shared`` such items. The others cannot reach the floor whatever happens, so
    they are no hypotheses (independent filtering: the null keeps every account's and network's
    number of items, so the filter says nothing about where an account's items land)."""
    row = engine.sql(
        "WITH k AS (SELECT item, COUNT(*) AS k FROM " + f"{t}_ai GROUP BY item), "
        f"ai AS (SELECT a.platform, a.account_id, a.item FROM {t}_ai a JOIN k USING (item) WHERE k.k <= {cap}), "
        "acc AS (SELECT platform, account_id FROM ai "
        f"       WHERE NOT EXISTS (SELECT 1 FROM {t}_members m "
        "          WHERE m.platform = ai.platform AND m.account_id = ai.account_id) "
        f"       GROUP BY platform, account_id HAVING COUNT(*) >= {int(min_shared)}), "
        f"net AS (SELECT m.g FROM ai JOIN {t}_members m ON m.platform = ai.platform AND m.account_id = ai.account_id "
        f"       GROUP BY m.g HAVING COUNT(DISTINCT ai.item) >= {int(min_shared)}) "
        "SELECT (SELECT COUNT(*) FROM acc) AS a, (SELECT COUNT(*) FROM net) AS g").to_pylist()[0]
    return int(row["a"]) * int(row["g"])


def _class_test(engine: Engine, t: str, cap: int, rows: pd.DataFrame) -> pd.DataFrame:
    """Per (network, account): the binomial tail of its shared count on nested popularity classes
    (items used by at most 2, 4, 8... accounts), the smallest times the number of classes.

    Within the items up to class ``c``, account ``a`` keeps its own number of such items ``d_c``,
    and each lands on item ``i`` with probability ``k_i / E_c``: an account that mostly uses popular
    items is judged on popular items, so heavy users of the popular core are not mistaken for
    members of a network that uses the same core (the pair traces' classes, for the same reason)."""
    accs = rows[["platform", "account_id"]].drop_duplicates()
    engine.write(f"{t}_chosen", pa.Table.from_pandas(accs, preserve_index=False))
    per = engine.sql(
        "WITH k AS (SELECT item, COUNT(*) AS k FROM " + f"{t}_ai GROUP BY item), "
        f"ai AS (SELECT a.platform, a.account_id, a.item, k.k, "
        f"       CAST(CEIL(LOG2(GREATEST(k.k, 2))) AS INTEGER) AS c FROM {t}_ai a JOIN k USING (item) "
        f"       WHERE k.k <= {cap}) "
        "SELECT 'e' AS what, NULL AS g, NULL AS platform, NULL AS account_id, c, CAST(COUNT(*) AS DOUBLE) AS v "
        "FROM ai GROUP BY c UNION ALL "
        "SELECT 'm', gi.g, NULL, NULL, gi.c, CAST(SUM(gi.k) AS DOUBLE) FROM (SELECT DISTINCT m.g, ai.item, ai.k, ai.c "
        f"  FROM ai JOIN {t}_members m ON m.platform = ai.platform AND m.account_id = ai.account_id) gi "
        "GROUP BY gi.g, gi.c UNION ALL "
        f"SELECT 'd', NULL, ai.platform, ai.account_id, ai.c, CAST(COUNT(*) AS DOUBLE) FROM ai JOIN {t}_chosen ch "
        "  ON ch.platform = ai.platform AND ch.account_id = ai.account_id GROUP BY ai.platform, ai.account_id, ai.c"
    ).to_pandas()
    n_cls = int(per["c"].max()) + 1
    e = np.zeros(n_cls)
    sel = per[per["what"] == "e"]
    e[sel["c"].to_numpy(int)] = sel["v"].to_numpy(float)
    # e: the account-item links of each class (one row of ``ai`` each); mass: the sum of k over
    # the network's distinct items of each class.
    keys = rows[["g", "platform", "account_id"]].drop_duplicates().reset_index(drop=True)
    idx = {tuple(r): i for i, r in enumerate(keys.itertuples(index=False, name=None))}
    x = np.zeros((len(keys), n_cls))
    np.add.at(x, ([idx[(g, p, a)] for g, p, a in zip(rows["g"], rows["platform"], rows["account_id"], strict=True)],
                  rows["c"].to_numpy(int)), rows["x"].to_numpy(float))
    acc_i = {(p, a): i for i, (p, a) in enumerate(accs.itertuples(index=False, name=None))}
    d_acc = np.zeros((len(accs), n_cls))
    sel = per[per["what"] == "d"]
    np.add.at(d_acc, ([acc_i[(p, a)] for p, a in zip(sel["platform"], sel["account_id"], strict=True)],
                      sel["c"].to_numpy(int)), sel["v"].to_numpy(float))
    d = d_acc[[acc_i[(p, a)] for p, a in zip(keys["platform"], keys["account_id"], strict=True)]]
    g_ids = sorted(set(keys["g"].tolist()))
    g_i = {g: i for i, g in enumerate(g_ids)}
    mass_g = np.zeros((len(g_ids), n_cls))
    sel = per[(per["what"] == "m") & per["g"].isin(g_ids)]
    np.add.at(mass_g, ([g_i[g] for g in sel["g"]], sel["c"].to_numpy(int)), sel["v"].to_numpy(float))
    mass = mass_g[[g_i[g] for g in keys["g"]]]
    cx, cd, cm, ce = (np.cumsum(v, axis=-1) for v in (x, d, mass, e))
    # Each of the account's ``cd`` items lands in the network's items with probability
    # ``cm / ce``: the count is binomial under the configuration model (the Poisson of the same
    # mean, used before, has the heavier tail and overstated p-values by up to 10x at 7 of 11).
    share = np.clip(cm / np.maximum(ce, 1.0), 1e-300, 1.0)
    lam = cd * share
    tails = np.where(cx > 0, binom_sf(cx - 1, cd, share), 1.0)
    classes = max(int(np.count_nonzero(e)), 1)
    best = tails.argmin(axis=1)
    # The count and expectation shown are those of the deciding class (the items up to it).
    rows_i = np.arange(len(keys))
    out = keys.assign(x=cx[rows_i, best].astype(np.int64), expected=lam[rows_i, best],
                      p=np.minimum(tails.min(axis=1) * classes, 1.0))
    return out


def _evidence(engine: Engine, items_sql: str, t: str, chosen: pd.DataFrame
              ) -> dict[tuple[str, str], tuple[tuple[str, str, object], ...]]:
    """Per attached account, its first post with each of the rarest items its network also uses."""
    engine.write(f"{t}_chosen", pa.table({
        "g": pa.array(chosen["g"].astype("int64").tolist(), pa.int64()),
        "platform": pa.array(chosen["platform"].astype(str).tolist(), pa.string()),
        "account_id": pa.array(chosen["account_id"].astype(str).tolist(), pa.string())}))
    rows = engine.sql(
        f"WITH q AS ({items_sql}), "
        f"mine AS (SELECT c.g, q.platform, q.account_id, q.item, q.label, q.post_id, q.time FROM q "
        f"         JOIN {t}_chosen c ON c.platform = q.platform AND c.account_id = q.account_id), "
        f"theirs AS (SELECT m.g, q.item, COUNT(DISTINCT q.account_id) AS k FROM q JOIN {t}_members m "
        "           ON m.platform = q.platform AND m.account_id = q.account_id GROUP BY m.g, q.item), "
        "firsts AS (SELECT mine.*, theirs.k, ROW_NUMBER() OVER (PARTITION BY mine.platform, mine.account_id, "
        "           mine.item ORDER BY mine.time, mine.post_id) AS rk FROM mine JOIN theirs USING (g, item)), "
        "ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY platform, account_id ORDER BY k, label) AS n "
        "           FROM firsts WHERE rk = 1) "
        f"SELECT platform, account_id, label, post_id, time FROM ranked WHERE n <= {EVIDENCE_ITEMS} "
        "ORDER BY platform, account_id, n"
    ).to_pylist()
    out: dict[tuple[str, str], list[tuple[str, str, object]]] = {}
    for r in rows:
        out.setdefault((r["platform"], r["account_id"]), []).append((str(r["label"]), str(r["post_id"]), r["time"]))
    return {k: tuple(v) for k, v in out.items()}
