"""The shared plug-in machinery: registration, percentiles and sentences, parameter checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lockstep import registry
from lockstep.errors import ConfigError
from lockstep.signals.base import finish

NAMES = {"creation_burst", "sleeper", "handle_pattern", "reused_identity", "cadence", "operator_clock",
         "language_location"}


def test_all_signals_registered_with_permanent_names() -> None:
    table = registry.plugins("lockstep.signals")
    assert set(table) >= NAMES
    for name in NAMES:
        cls = table[name]
        assert cls.name == name and isinstance(cls.higher_is_unusual, bool)
        cls()  # keyword-only parameters all have defaults


@pytest.mark.parametrize("name,param", [("sleeper", "alpha"), ("cadence", "max_cv"),
                                         ("operator_clock", "min_confidence"), ("handle_pattern", "min_digits")])
def test_out_of_range_parameters_are_refused(store, name: str, param: str) -> None:
    cls = registry.get("lockstep.signals", name)
    with pytest.raises(ConfigError, match=param):
        cls(**{param: -5}).compute(store, "t")


class _Sig:
    name = "demo"
    higher_is_unusual = True


def test_percentile_and_sentence() -> None:
    df = pd.DataFrame({"platform": ["x"] * 4, "account_id": ["a", "b", "c", "d"],
                       "value": [np.inf, 3.0, 1.0, np.nan], "flagged": [True, True, False, False],
                       "detail": ["A", "B", "C", "D"]})
    out = finish(_Sig(), "ds", df).to_pydict()
    assert out["account_id"] == ["a", "b", "c"]  # NaN: not judged; infinity: kept at the extreme
    assert out["percentile"][0] == 100.0 and out["percentile"][2] < out["percentile"][1]
    assert out["sentence"][0] == "A (top 33% of 3 accounts in this dataset)."
    assert out["sentence"][2].startswith("C (top 100%")
    assert out["signal"] == ["demo"] * 3 and out["dataset"] == ["ds"] * 3
