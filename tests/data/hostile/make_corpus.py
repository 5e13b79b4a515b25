"""Writes the hostile-input corpus next to this file (run once; the outputs are committed).

Each file mixes readable records with records an attacker or a broken tool can produce, so a
test can check that the bad ones are quarantined with their line and the good ones stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import zstandard

HERE = Path(__file__).resolve().parent
DEEP = "[" * 3000 + "]" * 3000
TWEET = {"id": "100", "author_id": "9", "created_at": "2021-01-01T00:00:00Z", "text": "hello #ok", "__twarc": {}}


def tweet(i: int, **extra: object) -> str:
    return json.dumps({**TWEET, "id": str(100 + i), **extra})


def main() -> None:
    # twarc2 JSONL: a good tweet first and last, every hostile shape in between (lines 2-9).
    lines = [
        tweet(0),
        tweet(1, text="lone \\ud800 surrogate").replace("\\\\ud800", "\\ud800"),
        json.dumps({"data": [json.loads(tweet(2))], "includes": [1, 2], "meta": {}}),
        tweet(3, entities="not an object"),
        tweet(4, referenced_tweets="not a list"),
        '{"id": "105", "author_id": "9", "created_at": "2021-01-01T00:00:00Z", "text": ' + DEEP + "}",
        tweet(6, author="a string"),
        json.dumps({"data": [json.loads(tweet(7))], "includes": {"users": "nope"}, "meta": {}}),
        tweet(8, referenced_tweets=["x", {"type": 5}]),
        tweet(9),
    ]
    (HERE / "twarc_hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # A plain table read with --map: the same hostile shapes in JSONL (lines 2-5 are bad).
    rows = [
        {"user": "a", "when": "2021-01-01T00:00:00Z", "msg": "fine"},
        None,
        {"user": "b", "when": "2021-01-01T00:00:00Z", "msg": "x"},
        {"user": {"nested": DEEP}, "when": ["2021"], "msg": 5},
        {"user": "c", "when": "2021-01-01T00:00:00Z", "msg": "fine too"},
    ]
    table = [json.dumps(r) for r in rows]
    table[1] = '{"user": "s", "when": "2021-01-01T00:00:00Z", "msg": "\\udc00"}'
    table[2] = '{"user": "d", "when": ' + DEEP + ', "msg": "deep"}'
    (HERE / "table_hostile.jsonl").write_text("\n".join(table) + "\n", encoding="utf-8")

    # An IO archive saved through a spreadsheet: every tweetid in scientific notation, and one
    # twarc-csv row whose id was rounded (the other two are exact).
    io_head = "tweetid,userid,user_screen_name,tweet_time,tweet_text,hashtags,urls,user_mentions\n"
    io_rows = [
        "7.94976E+17,u1,one,2016-11-05 10:00,first,[],[],[]",
        "7.94976E+17,u1,one,2016-11-05 10:01,second,[],[],[]",
        "7.94977E+17,u2,two,2016-11-05 10:02,third,[],[],[]",
    ]
    (HERE / "io_tweets_excel.csv").write_text(io_head + "\n".join(io_rows) + "\n", encoding="utf-8")
    twarc_head = "id,author_id,created_at,text,author.username\n"
    twarc_rows = [
        "1600000000000000001,555,2022-05-01T10:00:00.000Z,exact,erin",
        "1.6E+18,555,2022-05-01T10:01:00.000Z,rounded,erin",
        "1600000000000000003,556,2022-05-01T10:02:00.000Z,exact too,finn",
    ]
    (HERE / "twarc_csv_excel.csv").write_text(twarc_head + "\n".join(twarc_rows) + "\n", encoding="utf-8")

    # STIX bundles for `intel import`: nested past any parser's depth, a lone surrogate in a
    # pattern, NaN, and 'objects' that is not a list.
    ind = {"type": "indicator", "spec_version": "2.1", "id": "indicator--1b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11",
           "pattern_type": "stix", "pattern": "[domain-name:value = 'example.com']",
           "valid_from": "2024-01-01T00:00:00Z"}
    (HERE / "bundle_deep.json").write_text('{"type": "bundle", "objects": ' + DEEP + "}", encoding="utf-8")
    bundle = json.dumps({"type": "bundle", "id": "bundle--1", "objects": [ind]})
    (HERE / "bundle_surrogate.json").write_text(bundle.replace("example.com", "ex\\ud800ample.com"),
                                                encoding="utf-8")
    (HERE / "bundle_nan.json").write_text(bundle.replace('"2.1"', "NaN"), encoding="utf-8")
    (HERE / "bundle_objects_string.json").write_text('{"type": "bundle", "objects": "indicator"}', encoding="utf-8")

    # A decompression bomb: one JSONL line of 256 MB in a few KB of zstd, after one good line.
    cctx = zstandard.ZstdCompressor(level=19)
    with open(HERE / "bomb.jsonl.zst", "wb") as fh, cctx.stream_writer(fh) as out:
        out.write((tweet(0) + "\n").encode())
        out.write(b'{"id": "2", "author_id": "9", "created_at": "2021-01-01T00:00:00Z", "text": "')
        chunk = b"a" * (1 << 20)
        for _ in range(256):
            out.write(chunk)
        out.write(b'"}\n')


if __name__ == "__main__":
    main()
