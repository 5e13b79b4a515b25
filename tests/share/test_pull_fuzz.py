"""``lockstep share pull`` against a hostile TAXII server (real HTTP on loopback) under a bounded
hypothesis budget: whatever pages the server sends (mutated STIX objects, lone surrogates, NaN,
nesting past any parser's depth, truncated or non-JSON pages), the pull ends with an exit status
and a message, never a traceback."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockstep.cli.main import cli
from lockstep.testing.hostile import stix_objects
from tests.serve.fake_taxii import fake_taxii

TOKEN = "lsk_0123456789abcdef.not-a-real-secret"
_DAMAGE = st.sampled_from(["", "", "surrogate", "nan", "deep", "truncate", "not json", "objects string", "more string"])


def _page(objs: list[object], damage: str, last: bool) -> bytes:
    body = json.dumps({"more": not last, "next": "t", "objects": objs})
    if damage == "surrogate":
        body = body.replace('"name": "', '"name": "\\ud800', 1)
    elif damage == "nan":
        body = body.replace('"2.1"', "NaN", 1)
    elif damage == "deep":
        body = body.replace('"objects": [', '"objects": [' + "[" * 1500 + "]" * 1500 + ", ", 1)
    elif damage == "truncate":
        body = body[: len(body) // 2]
    elif damage == "not json":
        body = "<html>502 Bad Gateway</html>"
    elif damage == "objects string":
        body = json.dumps({"more": False, "objects": "indicator"})
    elif damage == "more string":
        body = json.dumps({"more": "yes", "next": 5, "objects": objs})
    return body.encode("utf-8", "surrogatepass")


@pytest.mark.timeout(120)  # a pull that never ends is a failure too
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), damages=st.lists(_DAMAGE, min_size=1, max_size=3))
def test_share_pull_never_crashes_on_a_hostile_server(tmp_path_factory: object, seed: int,
                                                      damages: list[str]) -> None:
    rng = random.Random(seed)
    pages = [_page(stix_objects(rng, 8), d, i == len(damages) - 1) for i, d in enumerate(damages)]
    db = Path(str(tmp_path_factory.mktemp("pull"))) / "ours.duckdb"  # type: ignore[attr-defined]
    with fake_taxii(lambda n, token: pages[min(n, len(pages) - 1)]) as srv:
        res = CliRunner().invoke(cli, ["share", "pull", srv.url, "--token", TOKEN, "--db", str(db)],
                                 catch_exceptions=True)
    crashed = res.exception is not None and not isinstance(res.exception, SystemExit)
    assert not crashed, (damages, res.output[-2000:], repr(res.exception))
    assert "Traceback" not in res.output
