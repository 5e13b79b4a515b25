"""Authorization matrix: each organisation × collection × read/write × TLP level, asserted both
ways (what must be served and what must not), plus authentication and the audit log."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import select

from lockstep.serve import admin
from lockstep.serve.schema import audit_log, objects
from tests.serve.conftest import TLP, Deployment, indicator

LEVELS = [*TLP, None]  # None: unmarked


@pytest.fixture(scope="module")
def matrix(deployment: Deployment) -> dict[str, Any]:
    """shared: owner acme, read beta, write-only gamma, delta nothing. community: read '*'."""
    shared = deployment.collection("shared", read=("beta",), write=("gamma",))
    community = deployment.collection("community", read=("*",))
    objs: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    n = 0
    for cid, name in ((shared, "shared"), (community, "community")):
        batch = []
        for level in LEVELS:
            n += 1
            objs[(name, "acme", level)] = o = indicator(n, level=level)
            batch.append(o)
        assert deployment.post("acme", cid, batch).status_code == 202
    gamma_batch = []
    for level in ("green", "red"):
        n += 1
        objs[("shared", "gamma", level)] = o = indicator(n, level=level)
        gamma_batch.append(o)
    r = deployment.post("gamma", shared, gamma_batch)
    assert r.status_code == 202 and r.json()["success_count"] == 2
    return {"ids": {"shared": shared, "community": community}, "objs": objs}


def _expected(org: str, coll: str, objs: dict[tuple[str, str, str | None], dict[str, Any]]) -> set[str]:
    named = org == "acme" or (coll == "shared" and org == "beta")
    out = set()
    for (c, owner, level), o in objs.items():
        if c != coll:
            continue
        if owner == org or level in (None, "clear", "green") or (named and level in ("amber", "amber+strict")):
            out.add(o["id"])
    return out


READ_STATUS = {("shared", "acme"): 200, ("shared", "beta"): 200, ("shared", "gamma"): 403,
               ("shared", "delta"): 404, ("community", "acme"): 200, ("community", "beta"): 200,
               ("community", "gamma"): 200, ("community", "delta"): 200}


@pytest.mark.parametrize("coll", ["shared", "community"])
@pytest.mark.parametrize("org", ["acme", "beta", "gamma", "delta"])
def test_read_matrix(deployment: Deployment, matrix: dict[str, Any], org: str, coll: str) -> None:
    cid, objs = matrix["ids"][coll], matrix["objs"]
    base = deployment.coll_url(cid)
    with deployment.client(org) as c:
        r_obj, r_man = c.get(base + "objects/"), c.get(base + "manifest/")
        assert r_obj.status_code == r_man.status_code == READ_STATUS[(coll, org)]
        if r_obj.status_code != 200:
            return
        served = {o["id"] for o in r_obj.json().get("objects", [])}
        expected = _expected(org, coll, objs)
        assert served == expected
        assert {m["id"] for m in r_man.json().get("objects", [])} == expected
        for (c_name, _, level), o in objs.items():
            if c_name != coll:
                continue
            want = 200 if o["id"] in expected else 404
            assert c.get(base + f"objects/{o['id']}/").status_code == want, (org, level)
            assert c.get(base + f"objects/{o['id']}/versions/").status_code == want, (org, level)
            if want == 200:  # markings are served untouched, never downgraded
                got = c.get(base + f"objects/{o['id']}/").json()["objects"][0]
                assert got.get("object_marking_refs") == o.get("object_marking_refs")


WRITE_STATUS = {("shared", "acme"): 202, ("shared", "beta"): 403, ("shared", "gamma"): 202,
                ("shared", "delta"): 404, ("community", "acme"): 202, ("community", "beta"): 403,
                ("community", "gamma"): 403, ("community", "delta"): 403}


@pytest.mark.parametrize("coll", ["shared", "community"])
@pytest.mark.parametrize("org", ["acme", "beta", "gamma", "delta"])
def test_write_matrix(deployment: Deployment, matrix: dict[str, Any], org: str, coll: str) -> None:
    cid = matrix["ids"][coll]
    obj = indicator(1000)
    r = deployment.post(org, cid, [obj])
    assert r.status_code == WRITE_STATUS[(coll, org)]
    with deployment.client("acme") as c:  # the owner sees exactly what was stored
        stored = c.get(deployment.coll_url(cid) + f"objects/{obj['id']}/")
    assert stored.status_code == (200 if r.status_code == 202 else 404)
    if r.status_code != 202:
        with deployment.engine.connect() as conn:
            row = conn.execute(select(audit_log).where(audit_log.c.organisation == org)
                               .order_by(audit_log.c.id.desc())).first()
        assert row is not None and row.outcome == "denied" and row.http_status == r.status_code
        assert row.target.endswith("/objects/")


def test_delete_rights(deployment: Deployment, matrix: dict[str, Any]) -> None:
    cid, objs = matrix["ids"]["shared"], matrix["objs"]
    target = deployment.coll_url(cid) + "objects/{}/"
    acme_green, gamma_green = objs[("shared", "acme", "green")], objs[("shared", "gamma", "green")]
    with deployment.client("beta") as c:  # read-only
        assert c.delete(target.format(acme_green["id"])).status_code == 403
    with deployment.client("gamma") as c:  # writer, but not of acme's object
        assert c.delete(target.format(acme_green["id"])).status_code == 404
    with deployment.client("acme") as c:
        assert c.get(target.format(acme_green["id"])).status_code == 200
    extra = indicator(2000, level="green")
    assert deployment.post("gamma", cid, [extra]).status_code == 202
    with deployment.client("gamma") as c:
        assert c.delete(target.format(extra["id"])).status_code == 200
    with deployment.client("acme") as c:
        assert c.get(target.format(extra["id"])).status_code == 404
        assert c.get(target.format(gamma_green["id"])).status_code == 200


def test_object_ids_cannot_be_hijacked(deployment: Deployment, matrix: dict[str, Any]) -> None:
    """gamma may not replace acme's object (e.g. to push a RED one out of 'last'): a version it adds
    under acme's id is gamma's own object; acme's versions and their 'last' are untouched."""
    cid, objs = matrix["ids"]["shared"], matrix["objs"]
    victim = objs[("shared", "acme", "amber")]
    forged = dict(victim, modified="2040-01-01T00:00:00.000Z", object_marking_refs=[TLP["green"]])
    r = deployment.post("gamma", cid, [forged])
    assert r.status_code == 202 and r.json()["success_count"] == 1  # as for any new id: nothing told
    with deployment.client("beta") as c:
        got = c.get(deployment.coll_url(cid) + f"objects/{victim['id']}/").json()["objects"]
    assert victim in got and len(got) == 2  # acme's version stays its last one, unchanged
    with deployment.engine.connect() as conn:
        rows = conn.execute(select(objects.c.owner_org_id, objects.c.is_last, objects.c.version)
                            .where(objects.c.collection_id == cid, objects.c.object_id == victim["id"])).all()
    assert sorted((r.is_last, r.version) for r in rows) == [(True, victim["modified"]), (True, forged["modified"])]


def test_authentication(deployment: Deployment) -> None:
    url = deployment.url + "/lockstep/"
    key_id, secret = deployment.auth("beta")
    import httpx
    r = httpx.get(url)
    assert r.status_code == 401 and "Basic" in r.headers["www-authenticate"]
    assert r.json()["http_status"] == "401" and r.json()["title"]
    assert httpx.get(url, auth=(key_id, secret + "x")).status_code == 401
    assert httpx.get(url, auth=("lsk_0000000000000000", secret)).status_code == 401
    assert httpx.get(url, auth=(key_id, secret)).status_code == 200
    assert httpx.get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert httpx.get(url, headers={"Authorization": f"Bearer {secret.split('.', 1)[1]}"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {secret}x"}).status_code == 401
    other_id, _ = deployment.auth("acme")  # another key's id with this secret
    assert httpx.get(url, auth=(other_id, secret)).status_code == 401
    bad = base64.b64encode(b"no-colon").decode()
    assert httpx.get(url, headers={"Authorization": f"Basic {bad}"}).status_code == 401
    assert httpx.get(deployment.url + "/taxii2/").status_code == 401
    # a revoked key stops working at once
    fresh = admin.create_key(deployment.engine, "delta")
    assert httpx.get(url, auth=(fresh["key_id"], fresh["secret"])).status_code == 200
    admin.revoke_key(deployment.engine, fresh["key_id"])
    assert httpx.get(url, auth=(fresh["key_id"], fresh["secret"])).status_code == 401
    with deployment.engine.connect() as conn:
        denied = conn.execute(select(audit_log).where(audit_log.c.key_id == fresh["key_id"],
                                                      audit_log.c.outcome == "denied")).all()
    assert denied and denied[-1].http_status == 401
    # a secret typed into the user field is not written to the audit log
    assert httpx.get(url, auth=(secret, "oops")).status_code == 401
    with deployment.engine.connect() as conn:
        assert secret not in " ".join(" ".join(map(str, r)) for r in conn.execute(select(audit_log)))


def test_unknown_root_and_collection_are_404(deployment: Deployment) -> None:
    cid = deployment.collection("elsewhere", api_root="partners")
    with deployment.client("acme") as c:
        assert c.get(deployment.url + "/nosuchroot/").status_code == 404
        assert c.get(deployment.url + "/nosuchroot/collections/").status_code == 404
        assert c.get(deployment.coll_url("00000000-0000-4000-8000-000000000000")).status_code == 404
        assert c.get(deployment.coll_url(cid)).status_code == 404  # right id, wrong API root
        assert c.get(deployment.coll_url(cid, "partners")).status_code == 200
        roots = c.get(deployment.url + "/taxii2/").json()["api_roots"]
        assert deployment.url + "/partners/" in roots
    with deployment.client("delta") as c:  # exists, but delta cannot see it
        r = c.get(deployment.coll_url(cid, "partners"))
        assert r.status_code == 404 and r.json()["http_status"] == "404"


def test_status_is_private_to_its_organisation(deployment: Deployment) -> None:
    cid = deployment.collection("status", write=("gamma",))
    r = deployment.post("gamma", cid, [indicator(3000)])
    sid = r.json()["id"]
    with deployment.client("gamma") as c:
        assert c.get(deployment.url + f"/lockstep/status/{sid}/").json()["success_count"] == 1
    with deployment.client("acme") as c:
        assert c.get(deployment.url + f"/lockstep/status/{sid}/").status_code == 404
