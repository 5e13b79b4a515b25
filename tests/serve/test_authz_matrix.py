"""The authorization matrix, generated: every TAXII endpoint x every role x every TLP marking,
asserting exactly who sees what (and, for writes, that the answer reveals nothing).

Roles, each on the collection it holds that role in:

* owner: acme on ``shared`` (it added every object);
* named reader: beta on ``shared`` (``--read beta``);
* community reader: delta on ``community`` (``--read '*'``), no named right;
* writer only: gamma on ``shared`` (``--write gamma``);
* no rights: delta on ``shared``;
* revoked key: a revoked key of beta, on ``shared``;
* no key: no credentials, on ``shared``.

Markings: the five TLP 2.0 levels and a marking nobody defined (unclassifiable: must act as RED).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from lockstep.serve import admin
from lockstep.serve.http import TAXII_MEDIA
from tests.serve.conftest import TLP, Deployment, indicator

UNCLASSIFIABLE = "marking-definition--0badc0de-0000-4000-8000-000000000000"
MARKINGS = {**TLP, "unclassifiable": UNCLASSIFIABLE}
ENDPOINTS = ["discovery", "api root", "collections", "collection", "objects GET", "objects POST", "object",
             "versions", "manifest", "status"]
ROLES = ["owner", "named reader", "community reader", "writer only", "no rights", "revoked key", "no key"]
#: role -> (collection kind, organisation whose key is used; None: no key, "revoked": beta's revoked key)
ROLE_AT = {"owner": ("shared", "acme"), "named reader": ("shared", "beta"), "community reader": ("community", "delta"),
           "writer only": ("shared", "gamma"), "no rights": ("shared", "delta"), "revoked key": ("shared", "revoked"),
           "no key": ("shared", None)}
#: the strictest marking each reading role may see (besides its own objects)
SEES = {"owner": set(MARKINGS), "named reader": {"clear", "green", "amber", "amber+strict"},
        "community reader": {"clear", "green"}}
T = {"created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"}


def _obj(n: int, marking: str) -> dict[str, Any]:
    o = indicator(n, **T)
    o["object_marking_refs"] = [MARKINGS[marking]]
    o["name"] = f"secret-{marking}-{uuid.uuid4().hex[:8]}"  # a value that must not leak where not allowed
    return o


def _provision(dep: Deployment, title: str) -> dict[str, str]:
    return {"shared": dep.collection(title, read=("beta",), write=("gamma",)),
            "community": dep.collection(title + "-c", read=("*",))}


def _add(dep: Deployment, cid: str, objs: list[dict[str, Any]]) -> str:
    r = dep.post("acme", cid, objs)
    assert r.status_code == 202 and r.json()["success_count"] == len(objs), r.text
    return str(r.json()["id"])


@pytest.fixture(scope="module")
def world(deployment: Deployment) -> dict[str, Any]:
    colls = _provision(deployment, "matrix")
    objs: dict[tuple[str, str], dict[str, Any]] = {}
    status: dict[str, str] = {}
    for i, kind in enumerate(colls):
        batch = []
        for j, m in enumerate(MARKINGS):
            objs[(kind, m)] = o = _obj(9000 + 10 * i + j, m)
            batch.append(o)
        status[kind] = _add(deployment, colls[kind], batch)
    revoked = admin.create_key(deployment.engine, "beta")
    admin.revoke_key(deployment.engine, revoked["key_id"])
    return {"colls": colls, "objs": objs, "status": status, "revoked": (revoked["key_id"], revoked["secret"])}


def _client(dep: Deployment, world: dict[str, Any], who: str | None) -> httpx.Client:
    auth = world["revoked"] if who == "revoked" else (dep.auth(who) if who else None)
    return httpx.Client(auth=auth, headers={"Accept": TAXII_MEDIA}, timeout=30)


def _expected_status(endpoint: str, role: str, visible: bool) -> int:
    if role in ("revoked key", "no key"):
        return 401
    if endpoint in ("discovery", "api root", "collections"):
        return 200
    if endpoint == "status":
        return 200 if role == "owner" else 404  # only the organisation that added reads its status
    if role == "no rights":
        return 404  # a collection it cannot see is like one that does not exist
    if endpoint == "collection":
        return 200
    if endpoint == "objects POST":
        return 202 if role in ("owner", "writer only") else 403
    if role == "writer only":
        return 403
    if endpoint in ("object", "versions"):
        return 200 if visible else 404
    return 200


def _answer(r: httpx.Response) -> Any:
    body = r.json()
    return ({k: v for k, v in body.items() if k not in ("id", "request_timestamp", "successes", "failures")},
            [{k: v for k, v in s.items() if k != "id"} for s in body.get("successes", [])],
            [{k: v for k, v in s.items() if k != "id"} for s in body.get("failures", [])])


@pytest.mark.parametrize("marking", list(MARKINGS))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_authorization_matrix(deployment: Deployment, world: dict[str, Any], endpoint: str, role: str,
                              marking: str) -> None:
    kind, who = ROLE_AT[role]
    cid = world["colls"][kind]
    target = world["objs"][(kind, marking)]
    visible = marking in SEES.get(role, set())
    expected = _expected_status(endpoint, role, visible)
    coll = deployment.coll_url(cid)
    with _client(deployment, world, who) as c:
        if endpoint == "objects POST":
            _check_post(deployment, c, role, kind, marking, expected)
            return
        url = {"discovery": deployment.url + "/taxii2/", "api root": deployment.url + "/lockstep/",
               "collections": deployment.url + "/lockstep/collections/", "collection": coll,
               "objects GET": coll + "objects/", "object": coll + f"objects/{target['id']}/",
               "versions": coll + f"objects/{target['id']}/versions/", "manifest": coll + "manifest/",
               "status": deployment.url + f"/lockstep/status/{world['status'][kind]}/"}[endpoint]
        r = c.get(url, params={"limit": 1000} if endpoint in ("objects GET", "manifest") else None)
        if endpoint in ("object", "versions") and r.status_code == 404:
            # the id is the caller's own input: the answer is exactly the one for an id never stored
            nobody = f"indicator--{uuid.uuid4()}"
            other = c.get(url.replace(target["id"], nobody))
            assert (other.status_code, other.text.replace(nobody, target["id"])) == (404, r.text)
            r = other
    assert r.status_code == expected, (endpoint, role, marking, r.text)
    assert r.headers["content-type"] == TAXII_MEDIA
    body = r.json()
    if r.status_code >= 400:
        assert body["http_status"] == str(expected) and body["title"]
    shows_object = r.status_code == 200 and endpoint in ("objects GET", "object", "versions", "manifest", "status")
    if not shows_object or not visible:
        assert target["id"] not in r.text and target["name"] not in r.text, (endpoint, role, marking)
    if endpoint == "collections" and r.status_code == 200:
        listed = {x["id"] for x in body.get("collections", [])}
        assert (cid in listed) is (role != "no rights")
    if r.status_code != 200 or not visible:
        return
    if endpoint == "objects GET":
        served = {o["id"]: o for o in body.get("objects", [])}
        assert served.keys() == {o["id"] for (k, m), o in world["objs"].items() if k == kind and m in SEES[role]}
        assert served[target["id"]] == target  # served exactly as added
    elif endpoint == "object":
        assert body["objects"] == [target]
    elif endpoint == "versions":
        assert body["versions"] == [target["modified"]]
    elif endpoint == "manifest":
        ids = {x["id"] for x in body.get("objects", [])}
        assert ids == {o["id"] for (k, m), o in world["objs"].items() if k == kind and m in SEES[role]}


def _check_post(dep: Deployment, c: httpx.Client, role: str, kind: str, marking: str, expected: int) -> None:
    """In fresh collections (so reads above are not disturbed): acme adds an object with this
    marking; the role adds (a) a copy under that id and version and (b) the same under a fresh id.
    The two answers must not differ for anyone who cannot read acme's object."""
    colls = _provision(dep, "post")
    cid = colls[kind]
    secret = _obj(9500, marking)
    _add(dep, cid, [secret])
    twin = _obj(9501, marking)
    answers = []
    for base in (secret, twin):
        probe = dict(base, name="probe", description="probe")
        r = c.post(dep.coll_url(cid) + "objects/", json={"objects": [probe]}, headers={"Content-Type": TAXII_MEDIA})
        assert r.status_code == expected, (role, marking, r.text)
        assert secret["name"] not in r.text
        answers.append(_answer(r) if r.status_code == 202 else r.json())
    if role == "owner":
        return  # acme may read its own object; its answers may differ
    assert answers[0] == answers[1], (role, marking)
    if expected == 202:
        assert answers[0][0]["success_count"] == 1 and answers[0][0]["failure_count"] == 0
    with dep.client("acme") as owner:  # acme's object is untouched whatever the role did
        got = owner.get(dep.coll_url(cid) + f"objects/{secret['id']}/", params={"match[version]": "all"})
    assert secret in got.json()["objects"]
