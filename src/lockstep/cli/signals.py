"""``lockstep signals``: per-account inauthenticity signals with their evidence sentences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from lockstep.cli.common import (
    dataset_option,
    db_option,
    err_console,
    json_option,
    open_store,
    print_json,
    print_table,
)
from lockstep.errors import StoreError
from lockstep.signals.apply import apply_signals


@click.command()
@click.option("--account", "account", default=None, help="Show every signal of this account id (or @handle).")
@click.option("--signal", "signal_name", default=None, help="Only this signal (e.g. operator_clock).")
@click.option("--refresh", is_flag=True,
              help="Recompute all signals (and re-rank detected networks) before showing them.")
@click.option("--limit", default=200, show_default=True, help="Most rows to print in the table view.")
@dataset_option
@db_option
@json_option
def signals(account: str | None, signal_name: str | None, refresh: bool, limit: int,
            dataset: str | None, db: Path | None, as_json: bool) -> None:
    """Show account signals: all flagged ones, or every signal of one account.

    Each row gives the signal, the account's value, its percentile within the dataset and a
    sentence with the evidence. Signals are computed by `lockstep detect` (or here, the first
    time, or with --refresh). They are evidence for an analyst, not verdicts: only coordination
    puts accounts into networks.
    """
    with open_store(db) as store:
        ds = store.resolve_dataset(dataset)
        have = store.scalar("SELECT count(*) FROM account_signals WHERE dataset = ?", [ds])
        if refresh or not have:
            err_console.print(f"computing signals for dataset {ds!r} ...", highlight=False)
            apply_signals(store, ds)
        where: list[str] = ["s.dataset = ?"]
        params: list[Any] = [ds]
        if account:
            aid = account.lstrip("@")
            ids = [r[0] for r in store.rows(
                "SELECT DISTINCT account_id FROM accounts WHERE dataset = ? AND (account_id = ? OR "
                "lower(handle) = lower(?)) UNION SELECT DISTINCT account_id FROM posts WHERE dataset = ? "
                "AND (account_id = ? OR lower(handle) = lower(?))", [ds, account, aid, ds, account, aid])]
            if not ids:
                raise StoreError(f"No account {account!r} in dataset {ds!r}. Check the id or handle "
                                 "(`lockstep signals` lists flagged accounts).")
            where.append("list_contains(?, s.account_id)")
            params.append(ids)
        else:
            where.append("s.flagged")
        if signal_name:
            where.append("s.signal = ?")
            params.append(signal_name)
        rows = store.rows(
            "SELECT s.platform, s.account_id, s.signal, s.value, s.percentile, s.flagged, s.sentence, s.extra "
            f"FROM account_signals s WHERE {' AND '.join(where)} "
            "ORDER BY s.account_id, s.signal", params)
    if as_json:
        print_json({"dataset": ds, "signals": [
            {"platform": p, "account_id": a, "signal": s, "value": v, "percentile": pc, "flagged": f,
             "sentence": se, "extra": json.loads(x) if x else None}
            for p, a, s, v, pc, f, se, x in rows]})
        return
    shown = rows[:limit]
    print_table(f"signals in {ds}" + (f" for {account}" if account else " (flagged)"),
                ["account", "signal", "value", "percentile", "flagged", "sentence"],
                [(a, s, f"{v:.3g}", f"{pc:.1f}", "yes" if f else "no", se)
                 for _, a, s, v, pc, f, se, _ in shown])
    if len(rows) > limit:
        err_console.print(f"{len(rows) - limit} more rows not shown (use --limit or --json).")
