"""Bulk URL normalization must give exactly what the one-by-one functions give."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from lockstep.ingest.normalize import normalize_many, normalize_url, registered_domain

SAMPLES = [
    "https://t.co/8pkiOmIrQF", "HTTP://WWW.Example.COM/", "http://www.bbc.co.uk/news/a-b_c~d",
    "https://news.example.com/a?utm_source=x&id=7", "https://example.com/a#frag", "http://a.com:8080/x",
    "https://user@a.com/x", "hxxps://evil[.]com/path", "www.example.org/page", "https://a.com//double",
    "https://a.com/path(dot)x", "https://münchen.de/straße", "https://a.com/x\u00a0", "https://[::1]/x",
    "https://192.168.0.1/admin", "https://www./x", "https://a-b.c-d.example/%20x", "https://A.com/P/Q/",
    "https://a.com/x?", "http://localhost/x", "https://a.com/x'y", "ftp://a.com/x", "",
]


def _check(urls: list[str | None]) -> None:
    norm, dom = normalize_many(pa.array(urls, pa.string()))
    for u, n, d in zip(urls, norm.to_pylist(), dom.to_pylist(), strict=True):
        if u is None:
            assert n is None and d is None
            continue
        expected = normalize_url(u)
        assert n == expected, u
        assert d == registered_domain(expected), u


def test_samples_agree() -> None:
    _check([*SAMPLES, None])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.from_regex(r"\A(https?|HTTP)://(www\.)?[a-zA-Z0-9.:@\[\]-]{0,12}(/[ -~]{0,12})?\Z"), max_size=20))
def test_random_urls_agree(urls: list[str]) -> None:
    _check(urls)
