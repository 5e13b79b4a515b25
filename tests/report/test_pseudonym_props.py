"""Property tests of the one pseudonymization path: whatever text surrounds them, the identifiers of
hidden accounts never come out as a whole word, and notable accounts and plain text stay as they are."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockstep.share.pseudonymizer import AccountRef, Pseudonymizer

KEY = b"p" * 32
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

handles = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{2,14}", fullmatch=True)
names = st.lists(st.from_regex(r"[A-Za-zÀ-ÿ']{2,9}", fullmatch=True), min_size=2, max_size=3).map(" ".join)
ids = st.from_regex(r"[1-9][0-9]{5,18}", fullmatch=True)
filler = st.text(alphabet=st.sampled_from(list("abc xyz.,;:!?/()[]'\"<>&$\\=+-@#\n\t")), max_size=12)
case = st.sampled_from([str, str.upper, str.lower, str.title])
seps = st.sampled_from([" ", "  ", "\n", ", ", "(", ")", "'", "\"", ": ", " — ", "<", ">", "\t"])


def _whole(ident: str, text: str) -> bool:
    pattern = r"(?<![\w])" + r"\s+".join(map(re.escape, ident.split())) + r"(?![\w])"
    return re.search(pattern, text, re.IGNORECASE) is not None


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[AccountRef], list[str], str]:
    accounts, secrets = [], []
    for i in range(draw(st.integers(1, 4))):
        h, n, acc = draw(handles), draw(names), draw(ids)
        accounts.append(AccountRef("twitter", acc, (h,), n, i, False))
        secrets += [h, n, acc]
    pieces = []
    for _ in range(draw(st.integers(1, 8))):
        secret = draw(st.sampled_from(secrets))
        style = draw(st.sampled_from(["plain", "at", "url", "query", "quoted"]))
        s = draw(case)(secret).replace(" ", draw(st.sampled_from([" ", "  ", "\n", " \t "])))
        pieces.append({"plain": s, "at": "@" + s, "url": f"https://x.com/{s}/status/{draw(ids)}",
                       "query": f"https://example.org/p?u={s}&x=1", "quoted": f"'{s}'"}[style])
        pieces.append(draw(filler))
    text = "".join(p + draw(seps) for p in pieces)
    return accounts, secrets, text


@SETTINGS
@given(cases())
def test_no_hidden_identifier_survives_as_a_word(case_: tuple[list[AccountRef], list[str], str]) -> None:
    accounts, secrets, text = case_
    pseudo = Pseudonymizer(KEY)
    pseudo.know(accounts)
    out = pseudo.scrub(text)
    leaked = [s for s in secrets if _whole(s, out)]
    assert not leaked, (text, out, leaked)


@SETTINGS
@given(handles, st.text(alphabet=st.sampled_from(list("abcdefgh .,!?")), max_size=40))
def test_notable_accounts_and_plain_text_are_kept(handle: str, text: str) -> None:
    pseudo = Pseudonymizer(KEY)
    pseudo.know([AccountRef("twitter", "1234567", (handle,), None, 50_000, False)])
    sentence = f"{text} @{handle} {text}"
    assert pseudo.scrub(sentence) == sentence
