"""Where alerts go: a JSONL file, a webhook, the terminal.

Alerts are stored first (``follow.rules``) and delivered after; ``delivered_at`` is set once every
sink took the alert, so alerts a crash or a down webhook left behind are sent on the next round or
after a restart. Delivery is therefore at-least-once; duplicates are kept out where the sink allows:

* **JSONL** reads the ids already in the file when it opens and skips them, and writes each line with
  one ``write`` + ``fsync``, so the file never holds an alert twice;
* **webhook** POSTs the alert as JSON with ``X-Lockstep-Alert-Id`` (receivers deduplicate on it) and
  ``X-Lockstep-Signature: sha256=HEX``, the HMAC-SHA256 of the exact body with the shared secret (as
  GitHub's webhooks do), retrying connection errors and 5xx answers with exponential backoff (tenacity);
* **terminal** prints the reason sentence and the evidence link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from lockstep.errors import ConfigError, SourceError
from lockstep.store import Store

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Lockstep-Signature"
ID_HEADER = "X-Lockstep-Alert-Id"


class Sink(Protocol):
    name: str

    def send(self, alert: dict[str, Any]) -> None: ...


def as_json(alert: dict[str, Any]) -> dict[str, Any]:
    """An alert as the sinks send it: times in ISO 8601 UTC with ``Z``."""
    out = {}
    for k, v in alert.items():
        if k == "delivered_at":
            continue
        out[k] = v.replace(microsecond=0).isoformat() + "Z" if isinstance(v, datetime) else v
    return out


class JsonlSink:
    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: set[str] = set()
        if path.exists():
            with open(path, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        self.seen.add(json.loads(line)["alert_id"])
                    except (ValueError, KeyError, TypeError):
                        # A torn last line (a kill mid-write) is left as it is and written after.
                        log.warning("%s line %d is not an alert; left as it is", path, n)

    def send(self, alert: dict[str, Any]) -> None:
        if alert["alert_id"] in self.seen:
            return
        line = json.dumps(as_json(alert), ensure_ascii=False, sort_keys=True) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            if fh.tell() and not _ends_with_newline(self.path):
                line = "\n" + line
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self.seen.add(alert["alert_id"])


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, httpx.TransportError)


class WebhookSink:
    name = "webhook"

    def __init__(self, url: str, secret: bytes, *, attempts: int = 5, backoff_s: float = 0.5,
                 timeout_s: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--webhook must be an http(s) URL. Got {url!r} instead.")
        if not secret:
            raise ConfigError("A webhook needs a secret to sign alerts with: set LOCKSTEP_WEBHOOK_SECRET "
                              "(or --webhook-secret-file FILE).")
        self.url, self.secret = url, secret
        self.client = httpx.Client(timeout=timeout_s)
        self._post = retry(retry=retry_if_exception(_retryable), stop=stop_after_attempt(attempts),
                           wait=wait_exponential(multiplier=backoff_s, max=30), reraise=True)(self._post_once)

    def _post_once(self, body: bytes, alert_id: str) -> None:
        r = self.client.post(self.url, content=body, headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body), ID_HEADER: alert_id})
        r.raise_for_status()

    def send(self, alert: dict[str, Any]) -> None:
        body = json.dumps(as_json(alert), ensure_ascii=False, sort_keys=True).encode()
        try:
            self._post(body, alert["alert_id"])
        except httpx.HTTPError as exc:
            raise SourceError(f"The webhook {self.url} did not take alert {alert['alert_id']} ({exc}); "
                              "it is kept and sent again on the next round.") from exc


class TerminalSink:
    name = "terminal"

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    def send(self, alert: dict[str, Any]) -> None:
        when = alert.get("first_post")
        posts = f" (posts from {when:%Y-%m-%d %H:%M} UTC)" if isinstance(when, datetime) else ""
        see = f" See: {alert['link']}" if alert.get("link") else ""
        self.write(f"ALERT [{alert['rule']}] {alert['reason']}{posts}{see}")


def deliver_pending(store: Store, dataset: str, sinks: list[Any]) -> tuple[int, int]:
    """Send every stored alert not yet delivered; returns (delivered, left for later)."""
    cols = ("alert_id", "dataset", "rule", "network_id", "raised_at", "data_time", "first_post", "last_post",
            "size", "reason", "link", "accounts")
    pending = store.query(f"SELECT {', '.join(cols)} FROM alerts WHERE dataset = ? AND delivered_at IS NULL "
                          "ORDER BY raised_at, alert_id", [dataset]).to_pylist()
    done, left = 0, 0
    for alert in pending:
        try:
            for sink in sinks:
                sink.send(alert)
        except SourceError as exc:
            log.warning("%s", exc)
            left += 1
            continue
        store.con.execute("UPDATE alerts SET delivered_at = ? WHERE alert_id = ?",
                          [datetime.now(UTC).replace(tzinfo=None), alert["alert_id"]])
        done += 1
    return done, left
