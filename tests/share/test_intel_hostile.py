"""`lockstep intel import` of a hostile STIX bundle file: each unreadable object is quarantined with
the reason, the rest is imported (the same path `share pull` uses)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.store import Store
from tests.serve.conftest import indicator


def test_a_bundle_file_with_nan_and_malformed_objects_imports_the_rest(tmp_path: Path) -> None:
    good = indicator(1, level="amber")
    objs = [good, dict(indicator(2), pattern="@NAN@"), dict(indicator(3), confidence="@INF@"),
            dict(indicator(4), labels="not-a-list"), {"type": "indicator"}, [1, 2],
            dict(indicator(5), pattern=["not", "text"])]
    text = json.dumps({"type": "bundle", "id": "bundle--6f1c2b7e-3f0a-4d55-9d6b-2b7c5b6f9a10", "objects": objs})
    f = tmp_path / "hostile.json"
    f.write_text(text.replace('"@NAN@"', "NaN").replace('"@INF@"', "-Infinity"))
    db = tmp_path / "ours.duckdb"
    res = CliRunner().invoke(cli, ["intel", "import", str(f), "--db", str(db), "--json"])
    assert res.exit_code == 0, (res.output, res.exception)
    assert json.loads(res.output)["totals"]["quarantined"] == 6
    with Store(db, read_only=True) as s:
        assert s.rows("SELECT indicator_id, tlp FROM indicators") == [(good["id"], "amber")]
        reasons = dict(s.rows("SELECT reason, count(*) FROM intel_quarantine GROUP BY 1"))
    assert reasons["holds NaN or Infinity, which JSON does not allow"] == 2
    assert reasons["not a JSON object but list"] == 1
    assert reasons["'id' is not 'indicator--<uuid>' (got 'None')"] == 1
    assert reasons["labels is str, not a list"] == 1 and reasons["pattern is list, not text"] == 1
