"""Stateless paging under concurrent adds: through a two-worker server (so consecutive pages are
served by different processes), no object is missed or repeated while another client adds."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from lockstep.serve.http import TAXII_MEDIA
from tests.serve.conftest import Deployment, indicator, start_server, stop_server


@pytest.mark.slow
def test_paging_while_adding(deployment: Deployment, tmp_path: Path) -> None:
    cid = deployment.collection("concurrent")
    pre = [indicator(i) for i in range(300)]
    for i in range(0, len(pre), 100):
        assert deployment.post("acme", cid, pre[i:i + 100]).status_code == 202
    added: list[str] = []
    errors: list[str] = []

    def writer() -> None:
        for b in range(10):
            batch = [indicator(10_000 + b * 20 + i) for i in range(20)]
            r = deployment.post("acme", cid, batch)
            if r.status_code != 202:
                errors.append(r.text)
            added.extend(o["id"] for o in batch)

    proc, url = start_server(deployment.database_url, tmp_path, workers=2)
    try:
        seen: list[str] = []
        t = threading.Thread(target=writer)
        with httpx.Client(auth=deployment.auth("acme"), headers={"Accept": TAXII_MEDIA},
                          timeout=30) as c:
            objects_url = f"{url}/lockstep/collections/{cid}/objects/"
            params: dict[str, str] = {"limit": "25"}
            t.start()
            last = ""
            while True:
                r = c.get(objects_url, params=params)
                assert r.status_code == 200
                body = r.json()
                seen += [o["id"] for o in body.get("objects", [])]
                last = r.headers.get("X-TAXII-Date-Added-Last", last)
                if not body["more"]:
                    break
                params = {"limit": "25", "next": body["next"]}
            t.join()
            # resume after the end as a polling client does: added_after the last date seen
            while True:
                r = c.get(objects_url, params={"limit": "100", "added_after": last})
                body = r.json()
                seen += [o["id"] for o in body.get("objects", [])]
                if not body.get("objects"):
                    break
                last = r.headers["X-TAXII-Date-Added-Last"]
    finally:
        stop_server(proc)
    assert not errors
    assert len(seen) == len(set(seen)), "an object was served twice"
    assert set(seen) == {o["id"] for o in pre} | set(added), "an object was missed"
