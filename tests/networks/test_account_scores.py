"""Account scores of a run depend on that run alone: ``detect --no-signals`` leaves out the account
signals an earlier run stored, ``detect`` with signals re-ranks by them."""

from __future__ import annotations

from lockstep.networks.account_score import account_scores
from lockstep.networks.detect import DetectOptions, run_detection
from lockstep.store import Store
from lockstep.traces.co_text import CoText


def _flag_every_signal(store: Store, account: str) -> None:
    """Stored signals as an earlier run (or `lockstep signals`) leaves them: all flagged for one account."""
    from lockstep.signals.network import SIGNAL_WEIGHTS

    for name in SIGNAL_WEIGHTS:
        store.con.execute(
            "INSERT INTO account_signals (dataset, platform, account_id, signal, value, percentile, flagged, "
            "sentence) VALUES ('ex', 'x', ?, ?, 1.0, 100.0, TRUE, 'planted')", [account, name])


def test_a_run_without_signals_ignores_signals_stored_earlier(store: Store) -> None:
    store.append("posts", CoText.example().table("ex"))
    run_detection(store, "ex", DetectOptions(traces=["co_text"], signals=False))
    before = dict(store.rows("SELECT account_id, score FROM account_scores WHERE dataset = 'ex'"))
    assert before["c1"] > 0
    _flag_every_signal(store, "c1")
    run_detection(store, "ex", DetectOptions(traces=["co_text"], signals=False))
    after = dict(store.rows("SELECT account_id, score FROM account_scores WHERE dataset = 'ex'"))
    assert after == before
    assert store.scalar("SELECT max(signal_score) FROM account_scores WHERE dataset = 'ex'") == 0.0
    # with signals in use, the same stored rows raise the account's score
    evidence = store.con.execute(
        "SELECT platform, account_id, evidence, partners, best_trace FROM account_scores WHERE dataset = 'ex'").df()
    used = account_scores(store, "ex", evidence, use_signals=True).set_index("account_id")
    assert used.loc["c1", "signal_score"] > 0 and used.loc["c1", "score"] > before["c1"]
