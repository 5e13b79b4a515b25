"""Pattern writing (:func:`pattern_for`) and reading (:func:`observables`) are each other's inverse.

They live in one module, ``share.patterns``; this checks the pair on hostile values (quotes,
backslashes, brackets, unicode) so an exported indicator always reads back as itself.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockstep.errors import ShareError
from lockstep.share.patterns import Observable, observables, pattern_for

_VALUE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(value=_VALUE, platform=st.sampled_from([None, "twitter", "o'brien\\net"]))
def test_account_patterns_read_back_as_written(value: str, platform: str | None) -> None:
    want = value.lstrip("@").casefold()
    if not want:
        return
    got = observables(pattern_for("account", value, platform, False))
    assert got == [Observable("account", want, platform.lower() if platform else None)]


@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_text_fingerprint_patterns_read_back_as_written(value: str) -> None:
    got = observables(pattern_for("text_fingerprint", value, None, False), text_fingerprint=True)
    assert got == [Observable("text_fingerprint", value)]


def test_domain_and_url_patterns_read_back_normalized() -> None:
    assert observables(pattern_for("domain", "Ex'ample.COM", None, False)) == [Observable("domain", "ex'ample.com")]
    assert observables(pattern_for("url", "https://example.com/a\\b", None, False)) == [
        Observable("url", "https://example.com/a\\b")]


def test_an_unknown_indicator_type_is_a_clear_error() -> None:
    with pytest.raises(ShareError, match="'image_hash'"):
        pattern_for("image_hash", "x", None, False)
