"""``lockstep share push`` / ``share pull`` against the live server: a producer pushes a network,
a partner pulls it, matches it against its own data and pushes sightings back."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.store import Store
from lockstep.testing.plant import plant_network
from tests.serve.conftest import Deployment, indicator


def _run(*args: str, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    res = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=True)
    assert res.exit_code == 0, (res.output, res.exception)
    return json.loads(res.stdout)


def test_push_pull_match_and_sightings_back(deployment: Deployment, tmp_path: Path) -> None:
    cid = deployment.collection("share", read=("beta",), write=("beta",))
    url = deployment.coll_url(cid)
    ours, theirs = tmp_path / "ours.duckdb", tmp_path / "theirs.duckdb"
    with Store(ours) as s:
        net = plant_network(s, network_id=1, seed=0)
    with Store(theirs) as s:  # the partner sees the same operation in its own data
        plant_network(s, network_id=7, seed=3, domain=net.domain)
    acme_id, acme_secret = deployment.auth("acme")
    pushed = _run("share", "push", url, "--network", "1", "--tlp", "green", "--db", str(ours), "--json",
                  env={"LOCKSTEP_TAXII_USER": acme_id, "LOCKSTEP_TAXII_PASSWORD": acme_secret})
    assert pushed["objects"] > 5 and pushed["failed"] == 0 and pushed["accepted"] == pushed["objects"]
    beta_id, beta_secret = deployment.auth("beta")
    pulled = _run("share", "pull", url, "--match", "--db", str(theirs), "--json",
                  "--token", beta_secret)
    assert pulled["objects"] == pushed["objects"]
    assert pulled["import"]["indicators"] > 0 and pulled["import"]["quarantined"] == 0
    assert pulled["match"]["sightings"] >= 1
    assert pulled["sightings_pushed"]["failed"] == 0 and pulled["sightings_pushed"]["accepted"] >= 1
    with deployment.client("acme") as c:  # the producer now reads the partner's sightings
        got = c.get(url + "objects/", params={"match[type]": "sighting"}).json()["objects"]
    assert got and all(o["sighting_of_ref"].startswith("indicator--") for o in got)
    # an incremental pull after now finds nothing new
    again = _run("share", "pull", url, "--since", "2100-01-01T00:00:00Z", "--db", str(theirs), "--json",
                 "--user", beta_id, "--password", beta_secret)
    assert again["objects"] == 0


def test_push_bundle_file_and_errors(deployment: Deployment, tmp_path: Path) -> None:
    cid = deployment.collection("bundle", read=("beta",))
    url = deployment.coll_url(cid)
    objs = [indicator(i) for i in range(300)]  # more than one request's worth at 64 KiB
    f = tmp_path / "b.json"
    f.write_text(json.dumps({"type": "bundle", "id": "bundle--6f1c2b7e-3f0a-4d55-9d6b-2b7c5b6f9a10",
                             "objects": objs}))
    key_id, secret = deployment.auth("acme")
    out = _run("share", "push", url, "--bundle", str(f), "--user", key_id, "--password", secret, "--json")
    assert out["accepted"] == 300 and out["requests"] > 1
    with deployment.client("acme") as c:
        assert len(c.get(url + "objects/", params={"limit": "1000"}).json()["objects"]) == 300
    beta_id, beta_secret = deployment.auth("beta")
    res = CliRunner().invoke(cli, ["share", "push", url, "--bundle", str(f), "--user", beta_id,
                                   "--password", beta_secret], catch_exceptions=True)
    assert res.exit_code != 0 and "may not write" in str(res.exception)
    res = CliRunner().invoke(cli, ["share", "push", url, "--bundle", str(f), "--user", key_id,
                                   "--password", "wrong"], catch_exceptions=True)
    assert res.exit_code != 0 and "401" in str(res.exception)
    res = CliRunner().invoke(cli, ["share", "pull", url], catch_exceptions=True)
    assert res.exit_code != 0 and "No credentials" in str(res.exception)
