"""language_location: a 'Texan' posting in Russian fires; a Berliner posting in English does not."""

from __future__ import annotations

from datetime import timedelta

from lockstep.signals.apply import compute_account_signals
from lockstep.signals.places import languages_for
from lockstep.store import Store
from tests.signals.planted import DS, START, add_accounts, add_posts


def test_gazetteer() -> None:
    assert languages_for("Austin, TX")[1] == frozenset({"en", "es"})
    assert languages_for("Berlin, Germany")[0] == "germany"
    assert languages_for("somewhere over the rainbow") is None
    assert languages_for(None) is None


def test_mismatch_fires(store: Store) -> None:
    add_accounts(store, [
        {"account_id": "texan", "location": "Houston, Texas"},
        {"account_id": "berliner", "location": "Berlin, Germany"},
        {"account_id": "mixed", "location": "USA"},
        {"account_id": "nowhere", "location": "the moon"},
    ])
    t = [START + timedelta(hours=i) for i in range(20)]
    add_posts(store, "texan", t, language=["ru"] * 18 + ["en"] * 2)
    add_posts(store, "berliner", t, language=["en"] * 12 + ["de"] * 8)
    add_posts(store, "mixed", t, language=["ru"] * 5 + ["en"] * 15)
    add_posts(store, "nowhere", t, language="ru")
    compute_account_signals(store, DS, ["language_location"])
    rows = {a: (f, s, v) for a, f, s, v in store.rows(
        "SELECT account_id, flagged, sentence, value FROM account_signals WHERE signal = 'language_location'")}
    assert rows["texan"][0] and rows["texan"][2] == 0.9
    assert "'ru' (18)" in rows["texan"][1] and "'texas'" in rows["texan"][1]
    assert not rows["berliner"][0] and rows["berliner"][2] == 0
    assert not rows["mixed"][0]
    assert "nowhere" not in rows


def test_language_names_are_read() -> None:
    from lockstep.signals.places import language_code

    assert language_code("English") == "en"
    assert language_code("Farsi (Persian)") == "fa"
    assert language_code("pt-BR") == "pt"
    assert language_code("LANGUAGE UNDEFINED") is None
