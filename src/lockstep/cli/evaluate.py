"""``lockstep evaluate``: score stored detection results against ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lockstep.cli.common import dataset_option, db_option, json_option, open_store, print_json, print_table


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


@click.command()
@click.option("--truth", "truth_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="truth.csv from `lockstep synth`, or a CSV of account_id,label[,platform].")
@click.option("--verdicts", "use_verdicts", is_flag=True, default=False,
              help="Score against the analysts' verdicts recorded in the workspace (`lockstep ui`) instead "
                   "of a truth file.")
@click.option("--database-url", default=None,
              help="With --verdicts: the server database holding them. Default: $LOCKSTEP_DATABASE_URL, else "
                   "sqlite:///lockstep-server.sqlite.")
@click.option("--organisation", default=None,
              help="With --verdicts: only this organisation's verdicts (default: every organisation's).")
@click.option("--min-posts", type=click.IntRange(min=1), default=10, show_default=True,
              help="Posts an embedded real account (synth --embed) needs in its slice to count as active "
                   "in the per-category recall.")
@click.option("--latency", is_flag=True, default=False,
              help="With --truth: time to detection of `lockstep follow`, per planted operation (first post to "
                   "first alert, in the posts' time), and the share of organic accounts ever alerted on.")
@dataset_option
@db_option
@json_option
def evaluate(truth_path: Path | None, use_verdicts: bool, database_url: str | None, organisation: str | None,
             min_posts: int, latency: bool, dataset: str | None, db: Path | None, as_json: bool) -> None:
    """Score what `lockstep detect` stored against a truth file, or against analysts' verdicts.

    Account-level precision, recall, F1, PR-AUC, ROC-AUC and precision@k; the share of organic
    accounts flagged, overall and per hard-negative group; for synthetic truth also the network-level
    adjusted Rand index and purity, and recall per operation style. Accounts in the truth file that
    are not in the store count as not flagged. PR-AUC, ROC-AUC and precision@k use the graded score
    of every account (table account_scores) where detect wrote one, else the network members' score.
    When the truth holds embedded real timelines (synth --embed), also the recall per category of
    the real accounts with at least --min-posts posts in the slice.

    With --latency: for each planted operation, the delay from its first post to the first alert of
    `lockstep follow` naming at least two of its accounts, in the posts' own time (replay a benchmark
    with `lockstep replay`); the median and maximum, per style, and the organic accounts alerted on.

    With --verdicts: the share of reviewed networks that analysts confirmed (precision of what
    detection proposed), and account-level precision and recall where a confirmed account counts
    as found when detection put it in a network (a network's verdict applies to its members unless
    an account has its own). Verdicts about networks whose members changed since are not used.
    """
    if use_verdicts == (truth_path is not None):
        raise click.UsageError("Give either --truth FILE or --verdicts.")
    if use_verdicts:
        _against_verdicts(database_url, organisation, dataset, db, as_json)
        return
    assert truth_path is not None
    if latency:
        _latency(truth_path, dataset, db, as_json)
        return
    from lockstep.evaluate import evaluate as run

    with open_store(db, read_only=True) as store:
        res = run(store, truth_path, dataset, min_posts=min_posts)
    if as_json:
        print_json(res)
        return
    main = [("accounts", res["accounts"]), ("operation accounts", res["operation_accounts"]),
            ("flagged", res["flagged"]), ("precision", res["precision"]), ("recall", res["recall"]),
            ("F1", res["f1"]), ("PR-AUC", res["pr_auc"]), ("ROC-AUC", res["roc_auc"]),
            ("score ranked", res["score_source"]),
            ("organic flagged share", res["organic_flagged_share"]),
            ("truth accounts absent from store", res["truth_accounts_absent_from_store"]),
            ("store accounts not in truth", res["accounts_not_in_truth"])]
    if "network" in res:
        main += [("adjusted Rand index", res["network"]["adjusted_rand_index"]),
                 ("purity", res["network"]["purity"]), ("inverse purity", res["network"]["inverse_purity"]),
                 ("networks detected / planted", f"{res['detected_networks']} / {res['truth_networks']}")]
    print_table(f"evaluate {res['dataset']} against {truth_path.name}", ["metric", "value"],
                [(k, _fmt(v)) for k, v in main])
    print_table("precision@k", ["k", "precision"], [(k, _fmt(v)) for k, v in res["precision_at_k"].items()])
    if res["negative_groups"]:
        print_table("hard-negative groups", ["group", "accounts", "flagged", "share flagged"],
                    [(g, v["accounts"], v["flagged"], _fmt(v["share_flagged"]))
                     for g, v in res["negative_groups"].items()])
    if res.get("recall_per_style"):
        print_table("recall per operation style", ["style", "recall"],
                    [(k, _fmt(v)) for k, v in res["recall_per_style"].items()])
    if "embedded" in res:
        e = res["embedded"]
        rows = [(st.removeprefix("ira_"), v["accounts"], v["active"], v["flagged"], _fmt(v["recall"]))
                for st, v in e["per_category"].items()]
        rows.append(("all active", e["accounts"], e["active_accounts"], e["active_flagged"], _fmt(e["recall_active"])))
        print_table(f"embedded real accounts (active: >= {e['min_posts']} posts in the slice)",
                    ["category", "accounts", "active", "flagged", "recall"], rows)


def _against_verdicts(database_url: str | None, organisation: str | None, dataset: str | None, db: Path | None,
                      as_json: bool) -> None:
    from sqlalchemy import select

    from lockstep.config import Settings
    from lockstep.errors import ConfigError
    from lockstep.serve.database import make_engine, upgrade
    from lockstep.serve.schema import organisations
    from lockstep.ui.verdicts import agreement

    engine = make_engine(database_url or Settings.load().database_url)
    upgrade(engine)
    oid = None
    if organisation:
        with engine.connect() as conn:
            oid = conn.execute(select(organisations.c.id).where(organisations.c.name == organisation)).scalar()
        if oid is None:
            raise ConfigError(f"Unknown organisation {organisation!r} in the server database.")
    with open_store(db, read_only=True) as store:
        res = agreement(engine, store, store.resolve_dataset(dataset), oid)
    engine.dispose()
    if as_json:
        print_json(res)
        return
    n, a = res["networks"], res["accounts"]
    print_table(f"detection against analysts' verdicts ({res['dataset']})", ["metric", "value"], [
        ("networks confirmed", n["confirmed"]), ("networks benign", n["benign"]),
        ("networks needing review", n["needs_review"]), ("verdicts on changed networks (unused)", n["stale"]),
        ("network precision", _fmt(n["precision"])), ("accounts judged", a["judged"]),
        ("account precision", _fmt(a["precision"])), ("account recall", _fmt(a["recall"])),
        ("account F1", _fmt(a["f1"]))])


def _latency(truth_path: Path, dataset: str | None, db: Path | None, as_json: bool) -> None:
    from lockstep.latency import latency

    with open_store(db, read_only=True) as store:
        res = latency(store, truth_path, dataset)
    if as_json:
        print_json(res)
        return
    print_table(f"time to detection in {res['dataset']} (post time)", ["metric", "value"], [
        ("operations detected", f"{res['detected']} / {res['operations']}"),
        ("median hours", _fmt(res["median_hours"])), ("max hours", _fmt(res["max_hours"])),
        ("detected within 24 h", res["within_24h"]), ("alerts", res["alerts"]),
        ("organic accounts alerted on", f"{res['organic_alerted']} / {res['organic_accounts']} "
                                        f"({_fmt(res['organic_alerted_share'])})")])
    print_table("per style", ["style", "operations", "detected", "median hours", "max hours"],
                [(k, v["operations"], v["detected"], _fmt(v["median_hours"]), _fmt(v["max_hours"]))
                 for k, v in sorted(res["per_style"].items())])
    print_table("per operation", ["operation", "style", "accounts", "first post", "first alert", "hours", "rule"],
                [(o["operation"], o["style"], o["accounts"], o["first_post"], o["first_alert"],
                  _fmt(o["latency_hours"]), o["rule"] or "") for o in res["per_operation"]])
