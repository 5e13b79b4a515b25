"""URL normalization for many URLs at once, giving exactly what :func:`normalize.normalize_url` and
:func:`normalize.registered_domain` give, much faster.

Why: a large file holds hundreds of thousands of distinct URLs (the IRA 2016 H2 file: ~390,000
``t.co`` links); normalizing each in Python dominated ingest time. Most URLs are *simple*:
``http(s)://host/path`` with an ASCII host, no port, user, query, fragment, brackets or
whitespace. For those, normalization reduces to "lower-case scheme and host, drop ``www.``,
drop a lone ``/`` path", which Arrow computes in bulk; their registered domain is looked up once
per distinct host. Every other URL goes through the Python functions themselves, so the
one-implementation rule of :mod:`lockstep.ingest.normalize` still holds; a test checks that both
paths agree on a wide sample.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from lockstep.ingest.normalize import normalize_url, registered_domain

# Path characters that urlsplit/urlunsplit and refang() leave exactly as they are.
SIMPLE_URL = (
    r"^(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
    r"(?P<path>/[A-Za-z0-9\-._~!$&'*+,;=:@/%]*)?$"
)


def normalize_many(urls: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``(normalized, registered_domain)`` for each URL of a string array (nulls stay null)."""
    urls = urls.cast(pa.string())
    groups = pc.extract_regex(urls, SIMPLE_URL)
    simple = pc.fill_null(groups.is_valid(), False)
    host = pc.utf8_lower(groups.field("host"))
    host = pc.if_else(pc.starts_with(host, "www."), pc.utf8_slice_codeunits(host, 4), host)
    path = groups.field("path")
    path = pc.if_else(pc.equal(path, "/"), "", path)
    norm = pc.binary_join_element_wise(pc.utf8_lower(groups.field("scheme")), "://", host, path, "")
    hosts = pc.unique(pc.filter(host, simple))
    host_domain = pa.array([registered_domain(h) for h in hosts.to_pylist()], pa.string())
    domain = pc.take(host_domain, pc.index_in(host, value_set=hosts))

    # Only the URLs that are not simple go through Python; the rest stay in Arrow.
    norm = pc.if_else(simple, norm, pa.scalar(None, pa.string()))
    domain = pc.if_else(simple, domain, pa.scalar(None, pa.string()))
    other = pc.and_(pc.invert(simple), urls.is_valid())
    rest = urls.filter(other).to_pylist()
    if rest:
        rest_norm = [normalize_url(u) for u in rest]
        norm = pc.replace_with_mask(norm, other, pa.array(rest_norm, pa.string()))
        domain = pc.replace_with_mask(
            domain, other, pa.array([registered_domain(n) for n in rest_norm], pa.string())
        )
    return norm, domain
