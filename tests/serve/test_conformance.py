"""TAXII 2.1 conformance with two real clients (taxii2-client, stix2's TAXII data source and sink)
against a live server, on every endpoint, with paging and filters."""

from __future__ import annotations

import json

import stix2
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from lockstep.serve.http import TAXII_MEDIA
from tests.serve.conftest import Deployment, indicator


def _collection(dep: Deployment, cid: str, org: str = "acme") -> Collection:
    user, pw = dep.auth(org)
    return Collection(dep.coll_url(cid), user=user, password=pw)


def test_discovery_api_root_and_collections(deployment: Deployment) -> None:
    cid = deployment.collection("conf", read=("beta",))
    user, pw = deployment.auth("acme")
    server = Server(deployment.url + "/taxii2/", user=user, password=pw)
    assert server.title
    assert server.default is not None and server.default.url == deployment.url + "/lockstep/"
    root = server.default
    assert root.versions == [TAXII_MEDIA]
    assert root.max_content_length == deployment.max_content_length
    found = {c.id: c for c in root.collections}
    assert cid in found and found[cid].can_read and found[cid].can_write
    assert found[cid].media_types == ["application/stix+json;version=2.1"]
    # beta sees it read-only; delta does not see it at all
    beta = ApiRoot(deployment.url + "/lockstep/", user=deployment.auth("beta")[0], password=deployment.auth("beta")[1])
    b = {c.id: c for c in beta.collections}
    assert b[cid].can_read and not b[cid].can_write
    delta = ApiRoot(deployment.url + "/lockstep/", user=deployment.auth("delta")[0],
                    password=deployment.auth("delta")[1])
    assert cid not in {c.id for c in delta.collections}
    coll = _collection(deployment, cid)
    assert coll.title.startswith("conf-")


def test_add_get_status_objects_manifest_and_delete(deployment: Deployment) -> None:
    cid = deployment.collection("crud")
    coll = _collection(deployment, cid)
    objs = [indicator(i) for i in range(5)]
    status = coll.add_objects({"objects": objs})
    assert status.status == "complete" and status.success_count == 5 and status.failure_count == 0
    assert {s["id"] for s in status.successes} == {o["id"] for o in objs}
    user, pw = deployment.auth("acme")
    again = ApiRoot(deployment.url + "/lockstep/", user=user, password=pw).get_status(status.id)
    assert again.total_count == 5 and again.success_count == 5
    env = coll.get_objects()
    assert [o["id"] for o in env["objects"]] == [o["id"] for o in objs]  # in the order added
    assert env["objects"][0] == objs[0]  # served exactly as stored (markings etc. untouched)
    manifest = coll.get_manifest()["objects"]
    assert [m["id"] for m in manifest] == [o["id"] for o in objs]
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest)
    assert manifest[0]["version"] == objs[0]["modified"]
    one = coll.get_object(objs[2]["id"])
    assert [o["id"] for o in one["objects"]] == [objs[2]["id"]]
    assert coll.object_versions(objs[2]["id"])["versions"] == [objs[2]["modified"]]
    coll.delete_object(objs[2]["id"])
    assert objs[2]["id"] not in {o["id"] for o in coll.get_objects()["objects"]}
    # re-adding a stored version is a success that stores nothing new
    status = coll.add_objects({"objects": objs[:1]})
    assert status.success_count == 1
    assert len(coll.get_objects()["objects"]) == 4


def test_paging_returns_every_object_once_with_headers(deployment: Deployment) -> None:
    cid = deployment.collection("paging")
    coll = _collection(deployment, cid)
    objs = [indicator(i) for i in range(23)]
    coll.add_objects({"objects": objs[:10]})
    coll.add_objects({"objects": objs[10:]})
    pages = list(as_pages(coll.get_objects, per_request=5))
    assert [len(p["objects"]) for p in pages] == [5, 5, 5, 5, 3]
    assert all(p["more"] for p in pages[:-1]) and not pages[-1]["more"] and "next" not in pages[-1]
    ids = [o["id"] for p in pages for o in p["objects"]]
    assert ids == [o["id"] for o in objs]
    manifest_ids = [m["id"] for p in as_pages(coll.get_manifest, per_request=7) for m in p["objects"]]
    assert manifest_ids == ids
    with deployment.client("acme") as c:
        r = c.get(deployment.coll_url(cid) + "objects/", params={"limit": 5})
        dates = [m["date_added"] for m in coll.get_manifest(limit=5)["objects"]]
        assert r.headers["X-TAXII-Date-Added-First"] == dates[0]
        assert r.headers["X-TAXII-Date-Added-Last"] == dates[-1]
        assert r.headers["content-type"] == TAXII_MEDIA
        # added_after the last date of page one continues exactly after it (date_added never ties)
        rest = c.get(deployment.coll_url(cid) + "objects/",
                     params={"added_after": r.headers["X-TAXII-Date-Added-Last"]}).json()
        assert [o["id"] for o in rest["objects"]] == ids[5:]


def test_filters_id_type_version_spec_version(deployment: Deployment) -> None:
    cid = deployment.collection("filters")
    coll = _collection(deployment, cid)
    v1 = indicator(1)
    v2 = dict(v1, modified="2030-01-01T00:00:00.000Z", name="second")
    v3 = dict(v1, modified="2031-01-01T00:00:00.000Z", name="third")
    ident = json.loads(stix2.Identity(name="acme", identity_class="organization").serialize())
    other = indicator(2)
    coll.add_objects({"objects": [v2, v1, other, ident]})
    coll.add_objects({"objects": [v3]})
    got = lambda **kw: [(o["id"], o.get("name")) for o in coll.get_objects(**kw).get("objects", [])]  # noqa: E731
    assert got(id=v1["id"]) == [(v1["id"], "third")]  # default: last version
    assert got(id=v1["id"], version="first") == [(v1["id"], "indicator 1")]
    assert sorted(n for _, n in got(id=v1["id"], version="all")) == ["indicator 1", "second", "third"]
    assert got(id=v1["id"], version="2030-01-01T00:00:00.000Z") == [(v1["id"], "second")]
    assert sorted(n for _, n in got(id=v1["id"], version=["first", "last"])) == ["indicator 1", "third"]
    assert {i for i, _ in got(type="identity")} == {ident["id"]}
    assert len(got(type=["identity", "indicator"])) == 3
    assert len(got(spec_version="2.1")) == 3 and got(spec_version="2.0") == []
    versions = coll.object_versions(v1["id"])["versions"]
    assert sorted(versions) == sorted([v1["modified"], v2["modified"], v3["modified"]])
    one = coll.get_object(v1["id"], version="all")
    assert len(one["objects"]) == 3
    # manifest honours the same filters
    assert [m["version"] for m in coll.get_manifest(id=v1["id"])["objects"]] == [v3["modified"]]
    # deleting one version keeps the others and moves "last" back
    coll.delete_object(v1["id"], version=v3["modified"])
    assert got(id=v1["id"]) == [(v1["id"], "second")]


def test_stix2_taxii_data_source_and_sink(deployment: Deployment) -> None:
    cid = deployment.collection("stix2")
    coll = _collection(deployment, cid)
    sink = stix2.TAXIICollectionSink(coll)
    ind = stix2.Indicator(pattern="[url:value = 'https://bad.example/x']", pattern_type="stix",
                          valid_from="2024-01-01T00:00:00Z")
    camp = stix2.Campaign(name="Operation Test")
    rel = stix2.Relationship(ind, "indicates", camp)
    sink.add([ind, camp, rel])
    source = stix2.TAXIICollectionSource(_collection(deployment, cid))
    assert source.get(camp.id).name == "Operation Test"
    assert {o.id for o in source.query([stix2.Filter("type", "=", "indicator")])} == {ind.id}
    assert len(source.query()) == 3
    newer = ind.new_version(name="renamed")
    sink.add(newer)
    assert {str(o.modified) for o in source.all_versions(ind.id)} == {str(ind.modified), str(newer.modified)}
    assert source.get(ind.id).name == "renamed"
    env = stix2.Environment(source=source)
    assert [r.id for r in env.relationships(camp)] == [rel.id]
