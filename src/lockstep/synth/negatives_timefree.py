"""Hard negatives for time-free traces: honest accounts that look alike over weeks, not minutes.

Similarity over the whole period (account x hashtag / domain TF-IDF vectors, house-style templates)
catches operations that never act at the same minute, and it also meets honest look-alikes. Two
groups of them, recorded in truth as ``negative_group``:

* ``local_community`` -- people of one city who use their city's and their team's hashtags over
  weeks (``#denver``, ``#denvernews``, ``#gotigers``). Each member posts by their own clock (the
  city's time zone plus a personal shift), uses a personal subset of the community's tags, and has
  other interests (other hashtags and links of the crowd). Nobody acts together; they share a rare
  vocabulary because they share a place.
* ``outlet_template`` -- an outlet's city editions (``dailyherald_denver``), each posting its own
  headlines in the outlet's one house template (``Headline: lede...  <link to the outlet's site>
  #section``, the double space included) and the outlet's few section tags, some stories
  syndicated to other editions minutes to hours later. Their profiles say what they are ("Automated
  headlines from dailyherald.com for Denver"), as ``networks/disclosed.py`` expects of legitimate
  automation: if they are linked, the network should be set aside, not flagged.

These draw from their own random stream (spawned from the world's), so the other groups and the
planted operations stay as they were for a seed; only the organic filler shrinks by their posts.
"""

from __future__ import annotations

import numpy as np

from lockstep.synth import words as W
from lockstep.synth.accounts import organic_profiles
from lockstep.synth.clock import HOURLY, local_rhythm
from lockstep.synth.skeleton import FIXED, ORIGINAL, WORDS
from lockstep.synth.world import World

SECTIONS = ("local", "crime", "sports", "politics", "business", "weather")
LEDE_OPENERS = ("Officials said on", "Residents gathered on", "The council confirmed on", "Police said on",
                "Organisers announced on", "The club confirmed on", "Witnesses reported on")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _compact(city: str) -> str:
    return "".join(ch for ch in city.split(",")[0].lower() if ch.isalpha())


def _us(rng: np.random.Generator, seconds: np.ndarray) -> np.ndarray:
    s = np.asarray(seconds, np.int64)
    return s * 1_000_000 + rng.integers(0, 1_000_000, len(s))


def local_communities(w: World, rng: np.random.Generator, pools: dict, count: int) -> list[dict]:
    """``count`` city communities sharing their city's and team's hashtags over the whole window."""
    out: list[dict] = []
    if count == 0 or len(w.organic) == 0:
        return out
    offsets = np.asarray(w.book.cols["offset_h"], float)[w.organic]
    cities = [(off, c) for off, cs in sorted(W.CITIES.items()) for c in cs if off in (-8.0, -6.0, -5.0, 0.0, 1.0)]
    picks = rng.choice(len(cities), size=min(count, len(cities)), replace=False)
    for j, k in enumerate(picks.tolist()):
        off, city = cities[k]
        team = W.NOUNS[(k * 11 + 5) % len(W.NOUNS)]
        base = _compact(city)
        tags = [base, f"{base}news", f"go{team}s", f"{team}s{base}", f"{base}life"]
        tb = w.pools.add_tags(tags)
        local = np.flatnonzero(offsets == off)
        pool = local if len(local) >= 40 else np.arange(len(w.organic))
        m = int(min(w.profile.local_community_max, max(15, len(pool) * rng.uniform(0.03, 0.08))))
        act = w.activity[pool]
        members_pos = pool[rng.choice(len(pool), size=min(m, len(pool)), replace=False, p=act / act.sum())]
        members = w.organic[members_pos]
        k_posts = 2 + rng.poisson(5, len(members))
        who = np.repeat(members, k_posts)
        pos = np.repeat(members_pos, k_posts)
        n = len(who)
        t = local_rhythm(rng, offsets[pos], w.shift_h[pos], w.days, w.start_s)
        # each member's own favourite tags: a personal order of the community's tags
        fav = np.argsort(rng.random((len(members), len(tags))), axis=1)
        row_fav = np.repeat(fav, k_posts, axis=0)
        ntag = rng.choice([1, 2, 3], size=n, p=[0.55, 0.35, 0.1])
        slot = np.minimum(rng.geometric(0.6, (n, 3)) - 1, len(tags) - 1)
        cols = {f"tag{i}": np.where(ntag > i, tb + row_fav[np.arange(n), slot[:, i]], -1) for i in range(3)}
        cols["tag1"] = np.where(cols["tag1"] == cols["tag0"], -1, cols["tag1"])
        cols["tag2"] = np.where((cols["tag2"] == cols["tag0"]) | (cols["tag2"] == cols["tag1"]), -1, cols["tag2"])
        other = rng.random(n) < 0.3  # other interests: a crowd hashtag in the last slot
        cols["tag2"] = np.where(other, pools["tag_base"] + rng.integers(0, pools["n_tag"], n), cols["tag2"])
        url = np.where(rng.random(n) < w.profile.url_share,
                       pools["url_base"] + rng.integers(0, pools["n_url"], n), -1)
        w.sk.add(who, _us(rng, t), kind=ORIGINAL, text_kind=WORDS, text_a=rng.integers(0, 2**62, n, dtype=np.int64),
                 url=url, **cols)
        w.book.mark(members, "local_community")
        out.append({"city": city, "hashtags": tags, "accounts": len(members), "posts": int(n), "community": j})
    return out


def _story(rng: np.random.Generator, city: str) -> tuple[str, str]:
    head = (f"{W.HEADLINE_SUBJECTS[rng.integers(len(W.HEADLINE_SUBJECTS))]} "
            f"{W.HEADLINE_VERBS[rng.integers(len(W.HEADLINE_VERBS))]} "
            f"{W.HEADLINE_OBJECTS[rng.integers(len(W.HEADLINE_OBJECTS))]}")
    lede = (f"{LEDE_OPENERS[rng.integers(len(LEDE_OPENERS))]} {DAYS[rng.integers(7)]} in "
            f"{city.split(',')[0]} that the {W.SUBJECT_TAILS[rng.integers(len(W.SUBJECT_TAILS))]}")
    return head, lede


def outlet_templates(w: World, rng: np.random.Generator, count: int) -> list[dict]:
    """``count`` outlets, each with 3-5 disclosed city-edition feeds posting in one house template."""
    out: list[dict] = []
    outlets = list(W.NEWS_OUTLETS[::-1])[:count]  # the other end of the list from the benign bots
    all_cities = [c for off in (-8.0, -7.0, -6.0, -5.0) for c in W.CITIES[off]]
    for o_i, outlet in enumerate(outlets):
        n_feeds = int(rng.integers(3, 6))
        cities = [all_cities[i] for i in rng.choice(len(all_cities), size=n_feeds, replace=False)]
        prof = organic_profiles(rng, np.zeros(n_feeds, np.int64), np.full(n_feeds, -5.0), w.start_s)
        names = [c.split(",")[0] for c in cities]
        prof["handle"] = [f"{outlet[:10]}_{_compact(c)[:4]}" for c in cities]
        prof["display_name"] = [f"{outlet.title()} {n}" for n in names]
        prof["bio"] = [f"Automated headlines from {outlet}.com for {n}. Tips: news@{outlet}.com" for n in names]
        prof["client"] = [6] * n_feeds  # Hootsuite
        prof["followers"] = np.exp(rng.normal(8.5, 0.8, n_feeds)).astype(np.int64).tolist()
        prof["verified"] = [False] * n_feeds
        ids = w.book.extend(**prof)
        w.book.mark(ids, "outlet_template")
        sections = list(SECTIONS[: int(rng.integers(4, len(SECTIONS) + 1))])
        tb = w.pools.add_tags(sections)
        per_feed = max(10, int(0.004 * w.posts / max(1, count * 4)))
        for f_i, (acc, city) in enumerate(zip(ids.tolist(), cities, strict=True)):
            # a daytime schedule: posts at the city's day hours, every few hours, own stories
            day = rng.integers(0, w.days, per_feed)
            hour = rng.choice(24, size=per_feed, p=HOURLY)
            t = w.start_s + day * 86_400 + hour * 3600 + rng.integers(0, 3600, per_feed) + 5 * 3600
            stories = [_story(rng, city) for _ in range(per_feed)]
            sec = rng.integers(0, len(sections), per_feed)
            # rendered as body, link, hashtag: "Headline: lede...  https://... #section" (the double
            # space after the ellipsis is the house style)
            texts = [f"{h}: {lede}... " for h, lede in stories]
            slugs = [f"https://www.{outlet}.com/{sections[s]}/{_compact(city)}-{h.lower().replace(' ', '-')}-{o_i}{f_i}{i:05d}"
                     for i, ((h, _), s) in enumerate(zip(stories, sec.tolist(), strict=True))]
            fb = w.pools.add_fixed(texts)
            ub = w.pools.add_urls(slugs, [f"{outlet}.com"] * per_feed)
            w.sk.add(np.full(per_feed, acc), _us(rng, t), kind=ORIGINAL, text_kind=FIXED,
                     text_a=fb + np.arange(per_feed), url=ub + np.arange(per_feed), tag0=tb + sec)
            # about one story in six is syndicated to another edition, minutes to hours later
            syn = np.flatnonzero(rng.random(per_feed) < 1 / 6)
            if len(syn) and n_feeds > 1:
                others = [a for a in ids.tolist() if a != acc]
                to = np.asarray(others)[rng.integers(0, len(others), len(syn))]
                lag = np.exp(rng.normal(np.log(1800), 1.0, len(syn))).astype(np.int64)
                w.sk.add(to, _us(rng, t[syn] + lag), kind=ORIGINAL, text_kind=FIXED, text_a=fb + syn, url=ub + syn,
                         tag0=tb + sec[syn])
        out.append({"outlet": outlet, "feeds": n_feeds, "cities": cities, "section_hashtags": sections,
                    "posts_per_feed": per_feed})
    return out
