"""reused_identity: near-copied bios and shared avatars fire; namesakes and default avatars do not."""

from __future__ import annotations

import numpy as np

from lockstep.signals.apply import compute_account_signals
from lockstep.store import Store
from tests.signals.planted import DS, add_accounts, organic_world


def test_copied_profiles_fire(store: Store) -> None:
    rng = np.random.default_rng(4)
    organic = organic_world(store, rng, n=200)
    bio = "Proud American patriot, mother of {n}, Christian, conservative. God bless the USA! #MAGA"
    add_accounts(store, [
        *[{"account_id": f"copy{i}", "display_name": f"Mary {i}", "bio": bio.format(n=i + 2)} for i in range(5)],
        {"account_id": "pic1", "avatar_hash": "stockphoto", "bio": "I like trains and long walks outside"},
        {"account_id": "pic2", "avatar_hash": "stockphoto", "bio": "Football, beer and barbecue every weekend"},
        {"account_id": "namesake1", "display_name": "John Smith", "bio": "Plumber in Leeds, dad of two girls"},
        {"account_id": "namesake2", "display_name": "John Smith", "bio": "Retired teacher; birds and chess"},
        *[{"account_id": f"egg{i}", "avatar_hash": "default_egg"} for i in range(40)],
    ])
    compute_account_signals(store, DS, ["reused_identity"])
    rows = {a: (f, s) for a, f, s in store.rows(
        "SELECT account_id, flagged, sentence FROM account_signals WHERE signal = 'reused_identity'")}
    assert all(rows[f"copy{i}"][0] for i in range(5))
    assert "near-copy of 4 other accounts' bios" in rows["copy0"][1]
    assert rows["pic1"][0] and "avatar image hash is shared by 1" in rows["pic1"][1]
    assert not rows["namesake1"][0] and "'John Smith' nearly matches" in rows["namesake1"][1]
    assert not any(rows[f"egg{i}"][0] for i in range(40))  # a platform default, not reuse
    assert not any(rows[a][0] for a in organic)
