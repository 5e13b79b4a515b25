"""The one loopback check used by `lockstep ui` (warning) and the TAXII client (credentials in clear)."""

from __future__ import annotations

import pytest

from lockstep.hosts import is_loopback


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LOCALHOST.", True), ("app.localhost", True), ("0.0.0.0", False), ("::", False), ("10.0.0.8", False),
    ("192.0.2.1", False), ("example.org", False), ("localhost.example.org", False), ("", False)])
def test_loopback_hosts_are_told_apart(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_ui_and_taxii_client_share_the_check() -> None:
    from lockstep.cli import ui
    from lockstep.serve import client

    assert ui.is_loopback is is_loopback and client.is_loopback is is_loopback
