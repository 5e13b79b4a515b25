"""Alert delivery against real sinks: a webhook server on loopback, a JSONL file across restarts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lockstep.errors import ConfigError, SourceError
from lockstep.follow.deliver import JsonlSink, TerminalSink, WebhookSink, deliver_pending
from lockstep.follow.rules import ALERT_SCHEMA, Rules, raise_alerts
from lockstep.store import Store

SECRET = b"s3cret"


class _Receiver:
    """A webhook receiver on loopback that fails the first ``fail`` requests with 503."""

    def __init__(self, fail: int = 0) -> None:
        self.fail, self.got = fail, []  # type: ignore[var-annotated]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.fail:
                    outer.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.got.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver(fail=2)
    yield r
    r.server.shutdown()


def _alert(i: int = 1) -> dict[str, Any]:
    return {"alert_id": f"new_network-{i}", "dataset": "d", "rule": "new_network", "network_id": i,
            "raised_at": datetime(2024, 3, 1, 12), "data_time": datetime(2024, 3, 1, 11),
            "first_post": datetime(2024, 3, 1, 9, 30), "last_post": datetime(2024, 3, 1, 10), "size": 5,
            "reason": f"Network {i} appeared with 5 accounts.", "link": f"lockstep network {i} --dataset d",
            "accounts": ["x:a"]}


def test_webhook_is_signed_and_retried_until_taken(receiver: _Receiver) -> None:
    WebhookSink(receiver.url, SECRET, backoff_s=0.01).send(_alert())
    assert len(receiver.got) == 1 and receiver.fail == 0  # two 503s, then delivered
    headers, body = receiver.got[0]
    want = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert headers["X-Lockstep-Signature"] == want
    assert headers["X-Lockstep-Alert-Id"] == "new_network-1"
    doc = json.loads(body)
    assert doc["link"] == "lockstep network 1 --dataset d" and doc["first_post"] == "2024-03-01T09:30:00Z"


def test_a_webhook_that_stays_down_keeps_the_alert_for_later(store: Store) -> None:
    down = _Receiver(fail=100)
    try:
        import pyarrow as pa

        store.append("alerts", pa.Table.from_pylist([_alert()], schema=ALERT_SCHEMA))
        sink = WebhookSink(down.url, SECRET, attempts=2, backoff_s=0.01)
        with pytest.raises(SourceError, match="kept and sent again"):
            sink.send(_alert())
        assert deliver_pending(store, "d", [sink]) == (0, 1)
        down.fail = 0
        assert deliver_pending(store, "d", [sink]) == (1, 0)
        assert deliver_pending(store, "d", [sink]) == (0, 0)
        assert len(down.got) == 1
    finally:
        down.server.shutdown()


def test_webhook_needs_a_secret_and_an_http_url() -> None:
    with pytest.raises(ConfigError, match="secret"):
        WebhookSink("http://127.0.0.1:9/x", b"")
    with pytest.raises(ConfigError, match="http"):
        WebhookSink("ftp://x", SECRET)


def test_jsonl_never_holds_an_alert_twice_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    JsonlSink(path).send(_alert(1))
    with open(path, "a") as fh:
        fh.write('{"alert_id": "torn')  # a kill in the middle of a write
    again = JsonlSink(path)  # a restart
    again.send(_alert(1))
    again.send(_alert(2))
    lines = path.read_text().splitlines()
    ids = [json.loads(x)["alert_id"] for x in lines if x.endswith("}") and x.startswith('{"')]
    assert ids == ["new_network-1", "new_network-2"]


def test_terminal_line_has_reason_time_and_link() -> None:
    out: list[str] = []
    TerminalSink(out.append).send(_alert(3))
    assert out == ["ALERT [new_network] Network 3 appeared with 5 accounts. (posts from 2024-03-01 09:30 UTC) "
                   "See: lockstep network 3 --dataset d"]


def _history(store: Store, *rows: tuple[int, str, int, int, datetime]) -> None:
    for nid, event, size, change, seen in rows:
        store.con.execute("INSERT INTO network_history (dataset, network_id, event, seen_at, size, change, "
                          "accounts, first_post, sentence) VALUES ('d', ?, ?, ?, ?, ?, [], ?, ?)",
                          [nid, event, seen, size, change, seen, f"Network {nid} {event}."])


def test_rules_raise_each_alert_once_and_growth_counts_from_the_last_alert(store: Store) -> None:
    t = datetime(2024, 3, 1)
    _history(store, (1, "new", 5, 5, t), (2, "new", 4, 4, t))
    first = raise_alerts(store, "d", Rules(growth=3), now=t, data_time=t)
    assert sorted(a["network_id"] for a in first) == [1, 2] and {a["rule"] for a in first} == {"new_network"}
    assert raise_alerts(store, "d", Rules(growth=3), now=t, data_time=t) == []  # a restart: nothing again
    _history(store, (1, "grew", 7, 2, datetime(2024, 3, 2)))
    assert raise_alerts(store, "d", Rules(growth=3), now=t, data_time=t) == []  # +2 of 3
    _history(store, (1, "grew", 8, 1, datetime(2024, 3, 3)))
    grew = raise_alerts(store, "d", Rules(growth=3), now=t, data_time=t)
    assert [(a["rule"], a["network_id"], a["size"]) for a in grew] == [("growth", 1, 8)]
    assert "3 more accounts than at its last alert" in grew[0]["reason"]
    store.con.execute("DELETE FROM follow_state")  # even without the watermark, ids keep it to once
    assert raise_alerts(store, "d", Rules(growth=3), now=t, data_time=t) == []


def test_rule_names_are_checked() -> None:
    assert Rules.parse(["new_network"], 3) == Rules(new_network=True, growth=None, pivot=False, watch=False,
                                                    indicator=False)
    with pytest.raises(ConfigError, match="Unknown alert rule"):
        Rules.parse(["nope"], 3)
