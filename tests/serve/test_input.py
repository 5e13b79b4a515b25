"""Bad input gets the right status, in the TAXII error format, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from lockstep.serve.http import TAXII_MEDIA
from lockstep.serve.schema import objects
from tests.serve.conftest import Deployment, indicator


def _count(dep: Deployment, cid: str) -> int:
    with dep.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(objects)
                                .where(objects.c.collection_id == cid)).scalar_one())


@pytest.fixture
def coll(deployment: Deployment) -> str:
    cid = deployment.collection("input")
    assert deployment.post("acme", cid, [indicator(1)]).status_code == 202
    return cid


def _post(dep: Deployment, cid: str, content: bytes | Iterator[bytes], **headers: str) -> httpx.Response:
    h = {"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA, **headers}
    with httpx.Client(auth=dep.auth("acme"), timeout=30) as c:
        return c.post(dep.coll_url(cid) + "objects/", content=content, headers=h)


def _is_error(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == TAXII_MEDIA
    body = r.json()
    assert body["http_status"] == str(status) and body["title"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"objects": {}}', b'{"objects": []}',
                                  b'{"foo": 1}', b"\xff\xfe"])
def test_malformed_envelopes_are_400(deployment: Deployment, coll: str, body: bytes) -> None:
    _is_error(_post(deployment, coll, body), 400)
    assert _count(deployment, coll) == 1


def test_invalid_objects_fail_in_the_status_and_valid_ones_are_kept(deployment: Deployment, coll: str) -> None:
    good = indicator(2)
    bad_pattern = dict(indicator(3), pattern="this is not a pattern")
    stix20 = dict(indicator(4), spec_version="2.0")
    wrong_id = dict(indicator(5), id="indicator--not-a-uuid")
    r = _post(deployment, coll, json.dumps({"objects": [good, bad_pattern, stix20, wrong_id, 42]}).encode())
    assert r.status_code == 202
    st = r.json()
    assert st["total_count"] == 5 and st["success_count"] == 1 and st["failure_count"] == 4
    assert {f["id"] for f in st["failures"]} >= {bad_pattern["id"], stix20["id"], "indicator--not-a-uuid"}
    assert all(f["message"] for f in st["failures"])
    assert _count(deployment, coll) == 2
    # nothing valid at all: a status with only failures, nothing stored
    r = _post(deployment, coll, json.dumps({"objects": [bad_pattern]}).encode())
    assert r.status_code == 202 and r.json()["success_count"] == 0
    assert _count(deployment, coll) == 2


@pytest.mark.parametrize("ctype", ["application/json", "application/stix+json;version=2.1",
                                   "application/taxii+json;version=2.0", "text/plain", ""])
def test_wrong_content_type_is_415(deployment: Deployment, coll: str, ctype: str) -> None:
    body = json.dumps({"objects": [indicator(9)]}).encode()
    _is_error(_post(deployment, coll, body, **{"Content-Type": ctype}), 415)
    assert _count(deployment, coll) == 1


@pytest.mark.parametrize("accept", ["application/json", "text/html", "application/taxii+json;version=2.0",
                                    "application/taxii+json;version=2.1;q=0"])
def test_wrong_accept_is_406(deployment: Deployment, coll: str, accept: str) -> None:
    with httpx.Client(auth=deployment.auth("acme")) as c:
        for url in (deployment.url + "/taxii2/", deployment.coll_url(coll) + "objects/"):
            _is_error(c.get(url, headers={"Accept": accept}), 406)
    body = json.dumps({"objects": [indicator(9)]}).encode()
    _is_error(_post(deployment, coll, body, Accept=accept), 406)
    assert _count(deployment, coll) == 1


@pytest.mark.parametrize("accept", ["application/taxii+json;version=2.1", "application/taxii+json",
                                    "application/taxii+json; version=2.1", "*/*", "application/*",
                                    "text/html, application/taxii+json;version=2.1;q=0.5"])
def test_acceptable_accept_headers(deployment: Deployment, coll: str, accept: str) -> None:
    with httpx.Client(auth=deployment.auth("acme")) as c:
        r = c.get(deployment.coll_url(coll) + "objects/", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"] == TAXII_MEDIA


def test_huge_bodies_are_413(deployment: Deployment, coll: str) -> None:
    limit = deployment.max_content_length
    objs = [indicator(10 + i) for i in range(limit // 300)]
    big = json.dumps({"objects": objs}).encode()
    assert len(big) > limit
    _is_error(_post(deployment, coll, big), 413)  # declared by Content-Length

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length, cut off while streaming
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096]
    _is_error(_post(deployment, coll, chunks()), 413)
    assert _count(deployment, coll) == 1


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "abc"}, {"added_after": "yesterday"},
                                    {"next": "garbage!"}, {"match[version]": "newest"},
                                    {"match[id]": "not-an-id"}, {"match[colour]": "red"}])
def test_bad_filters_are_400(deployment: Deployment, coll: str, params: dict[str, str]) -> None:
    with deployment.client("acme") as c:
        _is_error(c.get(deployment.coll_url(coll) + "objects/", params=params), 400)


def test_unknown_paths_and_methods_use_the_error_format(deployment: Deployment, coll: str) -> None:
    with deployment.client("acme") as c:
        _is_error(c.put(deployment.coll_url(coll) + "objects/"), 405)
        _is_error(c.get(deployment.url + "/lockstep/collections/x/y/z/w/"), 404)


def test_an_object_the_stix_library_chokes_on_fails_alone(deployment: Deployment, coll: str) -> None:
    """stix2 raised AttributeError on an extension that is not an object: a 500 for the envelope."""
    odd = dict(indicator(7), extensions={"x-author": "RT @:"})
    good = indicator(8)
    r = _post(deployment, coll, json.dumps({"objects": [odd, good]}).encode())
    assert r.status_code == 202, r.text
    st = r.json()
    assert st["success_count"] == 1 and [f["id"] for f in st["failures"]] == [odd["id"]]
    assert "not valid STIX 2.1" in st["failures"][0]["message"]
