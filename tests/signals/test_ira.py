"""The signals on the real IRA 2016 H2 tweets: the computation runs, is stable, finds what the
README states (within a tolerance), and prints its findings (run with -s to see them).

The IRA file has no account creation dates, bios or avatars, so creation_burst, sleeper and
reused_identity have nothing to judge there; its times have no documented zone (read as UTC).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.signals.apply import compute_account_signals
from lockstep.signals.clock import format_offset
from lockstep.signals.network import network_clock
from lockstep.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

#: The README's figures, and how far a change may move them before this test asks for a look.
NONENGLISH_RUSSIAN_UNDER_US = 0.357
HASHTAGGAMER_CONFIDENCE = 0.78
HASHTAGGAMER_WEEKEND_RATIO = 0.21
TOLERANCE = 0.03


@pytest.fixture(scope="module")
def ira_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import SHARED_DATA

    src = SHARED_DATA / "ira_2016h2" / "ira_tweets_2016h2.csv.gz"
    if not src.exists():
        pytest.skip(f"IRA data not found at {src} (set LOCKSTEP_SHARED_DATA)")
    db = tmp_path_factory.mktemp("ira") / "ira.duckdb"
    res = CliRunner().invoke(cli, ["ingest", "--format", "ira_csv", str(src), "--db", str(db),
                                   "--dataset", "ira", "--json"])
    assert res.exit_code == 0, res.output
    return db


def _persona_table(store: Store) -> pd.DataFrame:
    return store.con.execute(
        "SELECT coalesce(a.category, 'Unknown') AS persona, s.signal, avg(s.flagged::INT) AS share, "
        "count(*) AS judged FROM account_signals s JOIN accounts a USING (dataset, platform, account_id) "
        "WHERE s.dataset = 'ira' GROUP BY 1, 2 ORDER BY 1, 2").df()


def test_ira_signals_run_and_are_stable(ira_store: Path) -> None:
    with Store(ira_store) as store:
        n1 = compute_account_signals(store, "ira")
        first = store.rows("SELECT account_id, signal, value, flagged FROM account_signals ORDER BY 1, 2")
        n2 = compute_account_signals(store, "ira")
        second = store.rows("SELECT account_id, signal, value, flagged FROM account_signals ORDER BY 1, 2")
        assert n1 == n2 > 0 and first == second
        posts = store.con.execute(
            "SELECT coalesce(a.category, 'Unknown') AS persona, p.time FROM posts p JOIN accounts a "
            "USING (dataset, platform, account_id) WHERE p.dataset = 'ira'").df()
        sizes = posts.groupby("persona").size().sort_values(ascending=False)
        print("\nIRA 2016 H2: operator clock of the largest personas (times read as UTC)")
        fits = {}
        for persona in sizes.index[:5]:
            fit, offset, _ = network_clock(posts.loc[posts["persona"] == persona, "time"])
            assert fit is not None
            fits[persona] = (fit.utc_offset_hours, round(fit.confidence, 6))
            print(f"  {persona:13s} {sizes[persona]:>7,} posts: best fit {format_offset(fit.utc_offset_hours)} "
                  f"fit {fit.fit:.2f} confidence {fit.confidence:.2f} weekend ratio {fit.weekend_ratio:.2f} "
                  f"-> reported {format_offset(offset)}")
        again = {p: (f.utc_offset_hours, round(f.confidence, 6)) for p in fits
                 for f in [network_clock(posts.loc[posts["persona"] == p, "time"])[0]] if f}
        assert again == fits
        table = _persona_table(store)
        print("share of accounts flagged, per persona and signal (accounts judged):")
        for row in table.itertuples():
            print(f"  {row.persona:13s} {row.signal:18s} {row.share:6.1%} ({row.judged})")
        assert set(table["signal"]) >= {"handle_pattern", "cadence", "operator_clock", "language_location"}
        _assert_readme_findings(posts, table)


def _assert_readme_findings(posts: pd.DataFrame, table: pd.DataFrame) -> None:
    """What the README's "Real data" section says about these signals on this file."""
    share = table.set_index(["persona", "signal"])["share"]
    # NonEnglish accounts posting mostly Russian under locations such as "United States".
    assert share["NonEnglish", "language_location"] == pytest.approx(NONENGLISH_RUSSIAN_UNDER_US, abs=TOLERANCE)
    # ... while the English-language personas are (almost) never flagged for it.
    for persona in ("LeftTroll", "RightTroll", "NewsFeed", "HashtagGamer"):
        assert share[persona, "language_location"] <= 0.02, persona
    # HashtagGamer works a Monday-to-Friday day one hour after the recorded clock, quiet at weekends.
    fit, offset, _ = network_clock(posts.loc[posts["persona"] == "HashtagGamer", "time"])
    assert fit is not None and offset == 1.0
    assert fit.confidence == pytest.approx(HASHTAGGAMER_CONFIDENCE, abs=TOLERANCE)
    assert fit.weekend_ratio == pytest.approx(HASHTAGGAMER_WEEKEND_RATIO, abs=TOLERANCE)
    assert share["HashtagGamer", "operator_clock"] >= 0.5
    # The others post around the clock and at weekends: no offset is inferred for them.
    for persona in ("LeftTroll", "RightTroll", "NewsFeed", "NonEnglish"):
        fit, offset, _ = network_clock(posts.loc[posts["persona"] == persona, "time"])
        assert fit is not None and offset is None, (persona, fit)
        assert fit.weekend_ratio >= 0.5, (persona, fit.weekend_ratio)
