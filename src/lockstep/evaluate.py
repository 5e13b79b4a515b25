"""Score what ``lockstep detect`` stored against ground truth.

Two kinds of truth file:

* the synthetic benchmark's ``truth.csv`` (``platform,account_id,network_id,operation_style``
  [``,negative_group``]; ``network_id`` 0 = organic): every metric below;
* real data: ``account_id,label`` (1 = known operation account, 0 = known authentic; optional
  ``platform``): account-level metrics only.

Definitions (see docs/commands/evaluate.md):

* The **universe** is every account in the truth file plus every account of the dataset in the store.
  An account not in the truth file counts as not an operation account (label 0); an account in the
  truth file but absent from the store counts as *not flagged* (the detector never saw it, which is
  a miss, not an excuse).
* An account is **flagged** iff it is in ``members`` for the dataset; its **score** is its highest
  ``members.score`` (0 when not flagged).
* **precision@k** ranks flagged accounts by score (ties by platform, account id); unflagged accounts
  are never retrieved, so a detector that flags fewer than k accounts is charged for the gap.
* **ARI and purity** are computed over the accounts that are in a truth network or in a detected
  network. Accounts outside every truth network are each their own truth cluster; accounts outside
  every detected network are each their own predicted cluster (so unrelated organic accounts are not
  lumped into one big "organic" cluster that would inflate ARI). **Purity** is the share of detected
  members that belong to their network's majority truth network; **inverse purity** is the share of
  truth-network members found inside the detected network that holds most of their network.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lockstep.errors import SourceError, StoreError
from lockstep.store import Store

log = logging.getLogger(__name__)
K_VALUES = (10, 50, 100, 500)
#: Embedded real accounts with at least this many posts in their slice are "active".
ACTIVE_POSTS = 10


def load_truth(path: Path) -> tuple[pd.DataFrame, str]:
    """Read a truth CSV; returns (frame with platform, account_id, label, network_id, style, groups; kind)."""
    if not path.exists():
        raise SourceError(f"No truth file at '{path}'. Give the truth.csv written by 'lockstep synth', "
                          "or a CSV of account_id,label.")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    cols = {c.strip() for c in header}
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError) as exc:
        raise SourceError(f"Cannot read the truth file '{path}' as CSV: {exc}.") from exc
    df.columns = [c.strip() for c in df.columns]
    if {"account_id", "network_id"} <= cols:
        kind = "synthetic"
        need = ["platform", "account_id", "network_id", "operation_style"]
    elif {"account_id", "label"} <= cols:
        kind = "labels"
        need = ["account_id", "label"]
    else:
        raise SourceError(
            f"The truth file '{path}' has columns {sorted(cols)}; expected either "
            "platform,account_id,network_id,operation_style (from 'lockstep synth') or account_id,label.")
    missing = [c for c in need if c not in cols]
    if missing:
        raise SourceError(f"The truth file '{path}' lacks column(s) {', '.join(missing)}.")
    num_col = "network_id" if kind == "synthetic" else "label"
    nums = pd.to_numeric(df[num_col], errors="coerce")
    bad = nums.isna() | (nums < 0) | ((kind == "labels") & ~nums.isin([0, 1]))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(f"The truth file '{path}', line {i + 2}: column {num_col!r} must be "
                          f"{'a network id >= 0' if kind == 'synthetic' else '0 or 1'}. Got {df[num_col].iloc[i]!r}.")
    out = pd.DataFrame({"platform": df["platform"] if "platform" in cols else "",
                        "account_id": df["account_id"].str.strip()})
    if kind == "synthetic":
        out["network_id"] = nums.astype(np.int64)
        out["label"] = (out["network_id"] > 0).astype(np.int64)
        out["style"] = df["operation_style"]
        out["groups"] = df["negative_group"] if "negative_group" in cols else ""
        if "embedded_posts" in cols:
            posts = pd.to_numeric(df["embedded_posts"].where(df["embedded_posts"] != ""), errors="coerce")
            bad = df["embedded_posts"].ne("") & (posts.isna() | (posts < 0))
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise SourceError(f"The truth file '{path}', line {i + 2}: column 'embedded_posts' must be "
                                  f"empty or a count >= 0. Got {df['embedded_posts'].iloc[i]!r}.")
            out["embedded_posts"] = posts
    else:
        out["label"] = nums.astype(np.int64)
        out["network_id"] = 0
        out["style"] = np.where(out["label"] > 0, "operation", "organic")
        out["groups"] = ""
    dup = out.duplicated(["platform", "account_id"])
    if dup.any():
        r = out[dup].iloc[0]
        raise SourceError(f"The truth file '{path}' lists account {r['platform']}/{r['account_id']} twice; "
                          "each account must appear once.")
    return out, kind


def _detected(store: Store, dataset: str) -> pd.DataFrame:
    if not store.has_table("members"):
        return pd.DataFrame(columns=["platform", "account_id", "pred", "score"])
    rows = store.rows(
        "SELECT platform, account_id, arg_max(network_id, score) AS pred, max(coalesce(score, 0)) "
        "FROM members WHERE dataset = ? GROUP BY 1, 2", [dataset])
    return pd.DataFrame(rows, columns=["platform", "account_id", "pred", "score"])


def _graded(store: Store, dataset: str) -> pd.DataFrame | None:
    """The graded score of every account (``account_scores``, written by ``detect``), or ``None``
    when the store has none for the dataset (older stores: fall back to ``members.score``)."""
    if not store.has_table("account_scores"):
        return None
    rows = store.rows("SELECT platform, account_id, max(coalesce(score, 0)) FROM account_scores "
                      "WHERE dataset = ? GROUP BY 1, 2", [dataset])
    return pd.DataFrame(rows, columns=["platform", "account_id", "graded"]) if rows else None


def _ari_purity(df: pd.DataFrame) -> dict[str, float | None]:
    from sklearn.metrics import adjusted_rand_score

    u = df[(df["network_id"] > 0) | df["flagged"]].reset_index(drop=True)
    if u.empty:
        return {"adjusted_rand_index": None, "purity": None, "inverse_purity": None}
    idx = np.arange(len(u))
    truth = np.where(u["network_id"] > 0, u["network_id"].astype(str), "o" + pd.Series(idx).astype(str))
    pred = np.where(u["flagged"], "d" + u["pred"].astype(str), "u" + pd.Series(idx).astype(str))
    ari = float(adjusted_rand_score(truth, pred)) if len(u) > 1 else 1.0
    tab = pd.crosstab(pred, truth)
    det = tab[tab.index.str.startswith("d")]
    purity = float(det.max(axis=1).sum() / det.to_numpy().sum()) if len(det) else None
    tn = tab.loc[:, [c for c in tab.columns if not str(c).startswith("o")]]
    inv = float(tn[tn.index.str.startswith("d")].max(axis=0).reindex(tn.columns, fill_value=0).sum()
                / tn.to_numpy().sum()) if tn.size and len(det) else (0.0 if tn.size else None)
    return {"adjusted_rand_index": ari, "purity": purity, "inverse_purity": inv}


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def evaluate(store: Store, truth_path: Path, dataset: str | None = None, *,
             min_posts: int = ACTIVE_POSTS) -> dict[str, Any]:
    """All metrics as one JSON-ready dict. ``min_posts``: the posts an embedded real account needs
    in its slice to count as active (truth with ``embedded_posts`` only)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    truth, kind = load_truth(truth_path)
    ds = store.resolve_dataset(dataset)
    det = _detected(store, ds)
    if det.empty and not store.scalar("SELECT count(*) FROM runs WHERE dataset = ?", [ds]):
        raise StoreError(f"The store '{store.path}' holds no detection results for dataset {ds!r}. "
                         "Run 'lockstep detect' first.")
    stored = pd.DataFrame(store.rows("SELECT platform, account_id FROM accounts WHERE dataset = ?", [ds]),
                          columns=["platform", "account_id"])
    by_id = not (truth["platform"] != "").any()  # real-data truth without platforms: match on id only
    keys = ["account_id"] if by_id else ["platform", "account_id"]
    if by_id:
        det = det.sort_values("score", ascending=False).drop_duplicates("account_id")
        stored = stored.drop_duplicates("account_id")
    in_store = stored.assign(_in_store=True)
    df = truth.merge(in_store[[*keys, "_in_store"]], on=keys, how="outer")
    not_in_truth = int(df["label"].isna().sum())
    absent = int(df["_in_store"].isna().sum())
    df = df.merge(det[[*keys, "pred", "score"]], on=keys, how="left")
    graded = _graded(store, ds)
    if graded is not None:
        if by_id:
            graded = graded.sort_values("graded", ascending=False).drop_duplicates("account_id")
        df = df.drop(columns="score").merge(graded[[*keys, "graded"]].rename(columns={"graded": "score"}),
                                            on=keys, how="left")
    df["label"] = df["label"].fillna(0).astype(np.int64)
    df["network_id"] = df["network_id"].fillna(0).astype(np.int64)
    df["style"] = df["style"].fillna("organic")
    df["groups"] = df["groups"].fillna("")
    df["flagged"] = df["pred"].notna()
    df["score"] = df["score"].fillna(0.0).astype(float)
    df["platform"] = df["platform"].fillna("")
    y, f, s = df["label"].to_numpy(), df["flagged"].to_numpy(), df["score"].to_numpy()
    tp, fp = int((y & f).sum()), int(((1 - y) & f).sum())
    fn = int((y & ~f).sum())
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else 0.0
    both = 0 < y.sum() < len(y)
    pool = df if graded is not None else df[df["flagged"]]
    ranked = pool.sort_values(["score", "platform", "account_id"], ascending=[False, True, True])
    ks = sorted({*K_VALUES, int(y.sum())} - {0})
    at_k = {str(k): float(ranked["label"].head(k).sum() / k) for k in ks}
    organic = df[df["label"] == 0]
    groups: dict[str, dict[str, Any]] = {}
    for g in sorted({g for gs in df["groups"] for g in gs.split(";") if g}):
        sel = organic[organic["groups"].str.split(";").apply(lambda x, g=g: g in x)]
        groups[g] = {"accounts": len(sel), "flagged": int(sel["flagged"].sum()),
                     "share_flagged": _ratio(sel["flagged"].sum(), len(sel))}
    out: dict[str, Any] = {
        "dataset": ds, "truth": str(truth_path), "truth_kind": kind,
        "score_source": "account_scores" if graded is not None else "members",
        "accounts": len(df), "operation_accounts": int(y.sum()), "flagged": int(f.sum()),
        "accounts_not_in_truth": not_in_truth, "truth_accounts_absent_from_store": absent,
        "true_positives": tp, "false_positives": fp, "false_negatives": fn,
        "precision": precision, "recall": recall, "f1": f1,
        "pr_auc": float(average_precision_score(y, s)) if both else None,
        "roc_auc": float(roc_auc_score(y, s)) if both else None,
        "precision_at_k": at_k,
        "organic_flagged_share": _ratio(int(organic["flagged"].sum()), len(organic)),
        "negative_groups": groups,
    }
    if kind == "synthetic":
        out["network"] = _ari_purity(df)
        out["detected_networks"] = int(df.loc[df["flagged"], "pred"].nunique())
        out["truth_networks"] = int(df.loc[df["network_id"] > 0, "network_id"].nunique())
        ops = df[df["label"] == 1]
        out["recall_per_style"] = {st: float(g["flagged"].mean()) for st, g in ops.groupby("style")}
        if "embedded_posts" in df.columns and df["embedded_posts"].notna().any():
            out["embedded"] = _embedded(df, min_posts, precision, out["organic_flagged_share"])
    return out


def _embedded(df: pd.DataFrame, min_posts: int, precision: float | None,
              organic_share: float | None) -> dict[str, Any]:
    """Recall of real embedded accounts with at least ``min_posts`` posts in the slice, per category
    (``operation_style``) and overall, beside the run's precision and organic flagged share."""
    real = df[df["embedded_posts"].notna() & (df["label"] == 1)]
    active = real[real["embedded_posts"] >= min_posts]
    per = {st: {"accounts": int((real["style"] == st).sum()), "active": len(g),
                "flagged": int(g["flagged"].sum()), "recall": float(g["flagged"].mean())}
           for st, g in active.groupby("style")}
    return {"min_posts": min_posts, "accounts": len(real), "active_accounts": len(active),
            "active_flagged": int(active["flagged"].sum()),
            "recall_active": float(active["flagged"].mean()) if len(active) else None,
            "recall_all_embedded": float(real["flagged"].mean()) if len(real) else None,
            "per_category": per, "precision": precision, "organic_flagged_share": organic_share}
