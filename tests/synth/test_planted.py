"""Each operation style and each hard negative is really in the data: checked from the posts and
accounts themselves (SQL over the written files), never from the generator's own variables."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

STYLES = ("copypasta", "link_farm", "repost_ring", "hashtag_campaign", "image_reuse", "sleeper",
          "foreign_clock", "low_and_slow")


def one(con: duckdb.DuckDBPyConnection, q: str, params: list | None = None):  # type: ignore[no-untyped-def]
    return con.execute(q, params or []).fetchone()[0]


def test_every_style_and_group_present_with_sensible_shares(con: duckdb.DuckDBPyConnection) -> None:
    styles = dict(con.execute("SELECT operation_style, count(DISTINCT network_id) FROM truth "
                              "WHERE network_id <> '0' GROUP BY 1").fetchall())
    assert set(styles) == set(STYLES)
    op_share = one(con, "SELECT avg((network_id <> '0')::INT) FROM truth")
    assert 0.01 < op_share < 0.10  # "a few %" of accounts (small sets round networks up to 5 members)
    sizes = [r[0] for r in con.execute("SELECT count(*) FROM truth WHERE network_id <> '0' GROUP BY network_id").fetchall()]
    assert min(sizes) >= 5 and max(sizes) <= 200
    groups = {g for (gs,) in con.execute("SELECT DISTINCT negative_group FROM truth").fetchall() if gs
              for g in gs.split(";")}
    assert groups == {"news_event", "viral_repost", "common_phrase", "fan_community", "automated_benign",
                      "local_community", "outlet_template"}
    assert one(con, "SELECT count(*) FROM truth WHERE negative_group <> '' AND network_id <> '0'") == 0
    assert 0.05 < one(con, "SELECT avg((platform <> 'twitter')::INT) FROM accounts") < 0.3


def test_news_event_url_shared_by_many_strangers_within_minutes(con: duckdb.DuckDBPyConnection) -> None:
    n = one(con, """
        SELECT max(c) FROM (
          SELECT u, count(DISTINCT account_id) FILTER (WHERE time < t0 + INTERVAL 10 MINUTE) c
          FROM (SELECT u, account_id, time, min(time) OVER (PARTITION BY u) t0 FROM
                (SELECT unnest(urls) u, account_id, time FROM p
                 WHERE network_id = 0 AND list_contains(string_split(negative_group, ';'), 'news_event')))
          GROUP BY u)""")
    assert n >= 15  # tens of strangers at this small size; thousands at 1M posts
    # many of them use the headline verbatim as text
    assert one(con, """SELECT max(c) FROM (SELECT text, count(DISTINCT account_id) c FROM p
                       WHERE network_id = 0 AND len(urls) = 1 AND repost_of_post IS NULL GROUP BY ALL)""") >= 15


def test_viral_post_reposted_by_many_in_first_minutes(con: duckdb.DuckDBPyConnection) -> None:
    n = one(con, """
        SELECT max(c) FROM (SELECT r.repost_of_post, count(DISTINCT r.account_id) c
          FROM p r JOIN posts o ON o.post_id = r.repost_of_post
          WHERE r.network_id = 0 AND r.time < o.time + INTERVAL 5 MINUTE GROUP BY 1)""")
    assert n >= 15


def test_common_phrases_posted_verbatim_by_strangers(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(DISTINCT account_id) FROM p WHERE network_id = 0 AND text = 'good morning'") >= 20
    assert one(con, "SELECT count(DISTINCT account_id) FROM p WHERE network_id = 0 AND text = 'RT if you agree'") >= 3


def test_fan_community_shares_hashtags_heavily(con: duckdb.DuckDBPyConnection) -> None:
    n = one(con, """SELECT max(c) FROM (SELECT h, count(DISTINCT account_id) c FROM
                    (SELECT unnest(hashtags) h, account_id FROM p WHERE network_id = 0
                     AND negative_group LIKE '%fan_community%') GROUP BY h)""")
    assert n >= 20


def test_local_communities_share_their_city_tags_over_weeks_each_by_their_own_clock(
        con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    # the most shared city tag among local_community members: many accounts, spread over weeks
    city_tags = [t for c in manifest["negatives"]["local_community"] for t in c["hashtags"]]
    tag, accounts, days = con.execute("""
        SELECT h, count(DISTINCT account_id), count(DISTINCT time::DATE) FROM
          (SELECT unnest(hashtags) h, account_id, time FROM p
           WHERE network_id = 0 AND negative_group LIKE '%local_community%')
        WHERE list_contains(?, h) GROUP BY h ORDER BY 2 DESC LIMIT 1""", [city_tags]).fetchone()
    assert accounts >= 10 and days >= 20, (tag, accounts, days)
    # no shared burst: members' posts with that tag do not bunch into the same hour
    busiest = one(con, """SELECT max(c) FROM (SELECT date_trunc('hour', time), count(*) c FROM p, unnest(hashtags) u(h)
                          WHERE h = ? AND network_id = 0 GROUP BY 1)""", [tag])
    assert busiest <= 4
    # each member also has other interests: other hashtags of the crowd in their posts
    other = one(con, """SELECT avg(n) FROM (SELECT account_id, count(DISTINCT h) n FROM p, unnest(hashtags) u(h)
                        WHERE negative_group LIKE '%local_community%' AND h NOT LIKE ? GROUP BY 1)""",
                [f"%{tag[:4]}%"])
    assert other >= 1


def test_outlet_template_feeds_post_their_own_headlines_in_one_house_style_and_disclose(
        con: duckdb.DuckDBPyConnection) -> None:
    from lockstep.ingest.normalize import registered_domain
    from lockstep.networks.disclosed import automation_word, brand, names_brand

    rows = con.execute("""SELECT a.handle, a.display_name, a.bio, p.text, p.urls, p.hashtags
                          FROM p JOIN accounts a USING (platform, account_id)
                          WHERE p.negative_group LIKE '%outlet_template%'""").fetchall()
    assert len({r[0] for r in rows}) >= 9
    template = __import__("re").compile(r"^[^:]+: [^:]+\.\.\.  https://www\.(\w+)\.com/\S+ #\w+$")
    for handle, name, bio, text, urls, tags in rows:
        m = template.match(text)
        assert m and len(urls) == 1 and len(tags) == 1, text
        site = brand(registered_domain(urls[0]))
        assert site == m.group(1) and automation_word(handle, name, bio) and names_brand(site, handle, name, bio)
    # editions post their own stories: most texts are posted by one feed only
    shared = one(con, """SELECT avg((n > 1)::INT) FROM (SELECT text, count(DISTINCT account_id) n FROM p
                         WHERE negative_group LIKE '%outlet_template%' GROUP BY 1)""")
    assert 0 < shared < 0.3


def test_benign_bots_post_on_a_fixed_schedule(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        SELECT account_id, stddev(gap) / avg(gap) FROM (
          SELECT account_id, epoch(time) - lag(epoch(time)) OVER (PARTITION BY account_id ORDER BY time) gap
          FROM p WHERE negative_group LIKE '%automated_benign%' AND repost_of_post IS NULL)
        WHERE gap IS NOT NULL GROUP BY 1""").fetchall()
    assert rows and min(cv for _, cv in rows) < 0.05  # at least one clockwork bot


def _member_texts(con: duckdb.DuckDBPyConnection, style: str) -> list[tuple[int, str, str]]:
    return con.execute("SELECT network_id, account_id, text FROM p WHERE operation_style = ? "
                       "AND repost_of_post IS NULL", [style]).fetchall()


def test_copypasta_members_post_near_duplicates_with_edits(con: duckdb.DuckDBPyConnection) -> None:
    rows = _member_texts(con, "copypasta")
    # the copied messages: texts whose first five words recur across >= 3 members of one network
    by_stem: dict[tuple[int, str], dict[str, str]] = {}
    for net, acc, text in rows:
        by_stem.setdefault((net, " ".join(text.split()[:5]).lower()), {})[acc] = text
    groups = [g for g in by_stem.values() if len(g) >= 3]
    assert groups
    sims, exact = [], 0
    for g in groups:
        texts = list(g.values())
        sets = [set(t.lower().split()) for t in texts]
        sims += [len(a & b) / len(a | b) for i, a in enumerate(sets) for b in sets[i + 1:]]
        exact += len(set(texts)) < len(texts)
    assert np.median(sims) >= 0.6  # near-duplicates
    assert any(len(set(g.values())) > 1 for g in groups)  # ... but edited, not all identical


def test_link_farm_pushes_its_own_domains(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        SELECT d, count(DISTINCT account_id) FILTER (WHERE operation_style = 'link_farm') m,
               count(DISTINCT account_id) FILTER (WHERE network_id = 0) o
        FROM (SELECT unnest(domains) d, account_id, operation_style, network_id FROM p) GROUP BY d""").fetchall()
    farm = [(d, m) for d, m, o in rows if m >= 3 and o == 0]
    assert len(farm) >= 3


def test_repost_ring_amplifies_members_within_minutes(con: duckdb.DuckDBPyConnection) -> None:
    delays = [r[0] for r in con.execute("""
        SELECT epoch(r.time) - epoch(o.time) FROM p r JOIN p o ON o.post_id = r.repost_of_post
        WHERE r.operation_style = 'repost_ring' AND o.network_id = r.network_id""").fetchall()]
    assert len(delays) >= 20
    assert np.median(delays) < 15 * 60


def test_hashtag_campaign_tags_are_the_networks_own(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        SELECT h, count(DISTINCT account_id) FILTER (WHERE operation_style = 'hashtag_campaign'),
               count(DISTINCT account_id) FILTER (WHERE network_id = 0)
        FROM (SELECT unnest(hashtags) h, account_id, operation_style, network_id FROM p) GROUP BY h""").fetchall()
    members = one(con, "SELECT count(*) FROM truth WHERE operation_style = 'hashtag_campaign'")
    assert any(m >= 0.5 * members and o == 0 for _, m, o in rows)


def _ham(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_image_reuse_shares_perceptual_variants(con: duckdb.DuckDBPyConnection) -> None:
    for net, in con.execute("SELECT DISTINCT network_id FROM p WHERE operation_style = 'image_reuse'").fetchall():
        hashes = con.execute("SELECT DISTINCT account_id, unnest(media_hashes) FROM p WHERE network_id = ?",
                             [net]).fetchall()
        close = {(a, b) for a, x in hashes for b, y in hashes if a < b and _ham(x, y) <= 4}
        assert len({a for pair in close for a in pair}) >= 3
        assert any(0 < _ham(x, y) <= 4 for _, x in hashes for _, y in hashes)  # variants, not only copies
        avatars = [r[0] for r in con.execute("SELECT avatar_hash FROM accounts JOIN truth USING (platform, account_id) "
                                              "WHERE network_id = ?", [str(net)]).fetchall()]
        # every member's avatar is a copy or near-copy of another member's
        assert all(any(_ham(a, b) <= 6 for j, b in enumerate(avatars) if j != i) for i, a in enumerate(avatars))


def test_sleepers_created_in_a_burst_and_silent_for_weeks(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        SELECT t.network_id, epoch(max(a.created_at)) - epoch(min(a.created_at)),
               (SELECT epoch(min(time)) FROM p WHERE p.network_id::VARCHAR = t.network_id) - epoch(max(a.created_at))
        FROM accounts a JOIN truth t USING (platform, account_id)
        WHERE t.operation_style = 'sleeper' GROUP BY 1""").fetchall()
    assert rows
    for _, span, silence in rows:
        assert span <= 3 * 86_400
        assert silence >= 21 * 86_400
    organic_span = one(con, "SELECT epoch(max(created_at)) - epoch(min(created_at)) FROM accounts "
                            "JOIN truth USING (platform, account_id) WHERE network_id = '0'")
    assert organic_span > 365 * 86_400


def test_operator_clock_networks_keep_office_hours(con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    clocked = [n for n in manifest["networks"] if n["utc_offset"] is not None]
    assert any(n["style"] == "foreign_clock" for n in clocked)
    assert len(clocked) >= len(manifest["networks"]) // 2
    for n in clocked:
        # originals only: reposts and camouflage posts are placed by the same shift, originals must be in it
        share, wk = con.execute("""
            SELECT avg((hour(lt) BETWEEN 9 AND 18)::INT), avg((isodow(lt) <= 5)::INT) FROM (
              SELECT time + to_microseconds((? * 3600e6)::BIGINT) lt FROM p WHERE network_id = ?)""",
                                [n["utc_offset"], n["network_id"]]).fetchone()
        assert share >= 0.9, n
        assert wk >= 0.9, n
    organic_night = one(con, "SELECT avg((hour(time) NOT BETWEEN 9 AND 18)::INT) FROM p WHERE network_id = 0")
    assert organic_night > 0.3


def _url_spreads(con: duckdb.DuckDBPyConnection, style: str) -> list[float]:
    """Time from first to last share of each URL pushed by >= 3 members, on domains organic users never use."""
    return [r[0] for r in con.execute("""
        WITH s AS (SELECT unnest(urls) u, unnest(domains) d, time, account_id, network_id, operation_style FROM p),
             organic_domains AS (SELECT DISTINCT d FROM s WHERE network_id = 0)
        SELECT epoch(max(time)) - epoch(min(time)) FROM s
        WHERE operation_style = ? AND d NOT IN (SELECT d FROM organic_domains)
        GROUP BY u HAVING count(DISTINCT account_id) >= 3""", [style]).fetchall()]


def test_low_and_slow_spreads_the_same_action_over_hours(con: duckdb.DuckDBPyConnection) -> None:
    slow, farm = _url_spreads(con, "low_and_slow"), _url_spreads(con, "link_farm")
    assert slow and farm
    assert np.median(slow) > 3600
    assert np.median(farm) < 3600 < np.median(slow)


@pytest.mark.parametrize("difficulty", ["easy", "hard"])
def test_camouflage_share_follows_difficulty(difficulty: str) -> None:
    from lockstep.synth import preset
    from lockstep.testing.synth import planted_network

    pl = planted_network(seed=4, posts=20_000, difficulty=difficulty)
    want = preset(difficulty).camouflage_share
    link_members = {a for _, a in pl.members("link_farm")}
    farm_domains = {d for n in pl.manifest["networks"] if n["style"] == "link_farm" for d in n["domains"]}
    rows = [r for r in pl.posts.select(["account_id", "domains"]).to_pylist() if r["account_id"] in link_members]
    pushed = sum(1 for r in rows if set(r["domains"]) & farm_domains)
    assert abs((1 - pushed / len(rows)) - want) < 0.12


def test_profiles_alone_do_not_give_networks_away(con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    plain = [n["network_id"] for n in manifest["networks"] if not n["profile_tells"] and n["style"] != "sleeper"]
    assert plain, "every network got profile tells"
    for net in plain:
        digits = one(con, "SELECT avg(regexp_matches(handle, '[0-9]{6,}')::INT) FROM accounts "
                          "JOIN truth USING (platform, account_id) WHERE network_id = ?", [str(net)])
        assert digits < 0.5
