"""Hard negatives: organic behaviour that looks coordinated to a naive detector.

Each group's accounts are recorded (truth ``negative_group``) so that the false-positive rate can be
read per group. None of these accounts belongs to an operation.

* ``news_event`` -- thousands of strangers share the same fresh URL within minutes, often with
  the headline as text, some reposting the outlet's own post.
* ``viral_repost`` -- one post reposted by many accounts in its first minutes.
* ``common_phrase`` -- "good morning", "RT if you agree" ... posted verbatim by strangers.
* ``fan_community`` -- fans pushing the same hashtags heavily, in bursts around live events.
* ``automated_benign`` -- news feeds and weather bots posting on a fixed schedule (an outlet's
  feeds post the same article at the same second: legitimate automation).
* ``local_community`` and ``outlet_template`` -- look-alikes over weeks rather than minutes, for
  time-free traces: see :mod:`lockstep.synth.negatives_timefree`.
"""

from __future__ import annotations

import numpy as np

from lockstep.synth import negatives_timefree
from lockstep.synth import words as W
from lockstep.synth.accounts import organic_profiles
from lockstep.synth.clock import local_rhythm, zipf_weights
from lockstep.synth.organic import decorate
from lockstep.synth.skeleton import DERIVED, FIXED, ORIGINAL, REPOST, WORDS
from lockstep.synth.world import World


def _scaled(per_100k: float, posts: int, lo: int = 2) -> int:
    return max(lo, round(per_100k * posts / 100_000))


def _bots(w: World) -> dict[str, np.ndarray]:
    """News-feed and weather bots; returns the feed accounts of each outlet."""
    rng, prof = w.rng, w.profile
    nb = min(prof.benign_bots, max(2, w.posts // 40_000))
    if nb == 0:
        return {}
    n_news = max(1, nb * 2 // 3)
    outlets = list(W.NEWS_OUTLETS[: max(1, n_news // 2)])
    kinds = ["news" if i < n_news else "weather" for i in range(nb)]
    feeds = [outlets[i % len(outlets)] if i < n_news else list(W.CITIES[0.0] + W.CITIES[-5.0])[i % 10].split(",")[0]
             for i in range(nb)]
    platform = np.array([1 if k == "news" and j % 3 == 2 else 0 for j, k in enumerate(kinds)])
    prof_cols = organic_profiles(rng, platform, np.zeros(nb), w.start_s)
    prof_cols["handle"] = [f"{f.replace(' ', '').lower()}_{'wx' if k == 'weather' else 'feed'}{j}"
                           for j, (f, k) in enumerate(zip(feeds, kinds, strict=True))]
    prof_cols["bio"] = [f"Automated {'weather updates for' if k == 'weather' else 'headlines from'} {f}"
                        for f, k in zip(feeds, kinds, strict=True)]
    prof_cols["client"] = [5] * nb  # Buffer
    ids = w.book.extend(**prof_cols)
    w.book.mark(ids, "automated_benign")
    per_bot = max(10, int(0.01 * w.posts / nb))
    period = w.days * 86_400 // per_bot
    out: dict[str, list] = {}
    for _j, (acc, f, k) in enumerate(zip(ids.tolist(), feeds, kinds, strict=True)):
        phase = int(rng.integers(0, period))
        t = w.start_s + phase + np.arange(per_bot, dtype=np.int64) * period + rng.integers(0, 3, per_bot)
        if k == "weather":
            temps = rng.integers(-5, 35, per_bot)
            conds = rng.integers(0, len(W.WEATHER), per_bot)
            texts = [f"Weather in {f} at {((tt // 3600) % 24):02d}:00 UTC: {tc}°C, {W.WEATHER[c]}"
                     for tt, tc, c in zip(t.tolist(), temps.tolist(), conds.tolist(), strict=True)]
            base = w.pools.add_fixed(texts)
            w.sk.add(np.full(per_bot, acc), w.us(t), text_kind=FIXED, text_a=base + np.arange(per_bot))
        else:
            out.setdefault(f, []).append(acc)
    per_outlet = max(5, per_bot // 2)
    for outlet, accs in out.items():  # all feeds of an outlet post each article at the same second
        period = w.days * 86_400 // per_outlet
        t = w.start_s + int(rng.integers(0, period)) + np.arange(per_outlet, dtype=np.int64) * period
        heads = [_headline(rng) for _ in range(per_outlet)]
        ub = w.pools.add_urls([f"https://www.{outlet}.com/{W.SECTIONS[i % 10]}/{h.lower().replace(' ', '-')}-a{i}"
                               for i, h in enumerate(heads)], [f"{outlet}.com"] * per_outlet)
        fb = w.pools.add_fixed(heads)
        a = np.asarray(accs)
        idx = np.tile(np.arange(per_outlet), len(a))
        w.sk.add(np.repeat(a, per_outlet), w.us(t[idx] + rng.integers(0, 3, len(idx))), text_kind=FIXED,
                 text_a=fb + idx, url=ub + idx)
    return {k: np.asarray(v) for k, v in out.items()}


def _headline(rng: np.random.Generator) -> str:
    return (f"{W.HEADLINE_SUBJECTS[rng.integers(len(W.HEADLINE_SUBJECTS))]} "
            f"{W.HEADLINE_VERBS[rng.integers(len(W.HEADLINE_VERBS))]} "
            f"{W.HEADLINE_OBJECTS[rng.integers(len(W.HEADLINE_OBJECTS))]}")


def _news(w: World, feeds: dict[str, np.ndarray], events: int) -> list[dict]:
    rng = w.rng
    out = []
    outlets = list(feeds) or list(W.NEWS_OUTLETS[:3])
    pool = w.sub_pool(0.15)  # news sharers: the same people share story after story
    n_pool = len(pool)
    for e in range(events):
        outlet = outlets[e % len(outlets)]
        head = _headline(rng)
        slug = head.lower().replace(" ", "-")
        url = f"https://www.{outlet}.com/news/{slug}-{e:05d}"
        ub = w.pools.add_urls([url], [f"{outlet}.com"])
        fb = w.pools.add_fixed([head, f"BREAKING: {head}", f"{head} 😮", f"{head} (via @{outlet})"])
        t0 = w.start_s + int(rng.integers(3600, w.days * 86_400 - 7200))
        feed_rows = np.zeros(0, np.int64)
        if outlet in feeds:  # the outlet's feeds post first, within seconds of each other
            fa = feeds[outlet]
            start = w.sk.add(fa, w.us(t0 + rng.integers(0, 5, len(fa))), text_kind=FIXED, text_a=fb, url=ub)
            feed_rows = start + np.arange(len(fa))
        m = int(min(w.profile.news_event_max_accounts, max(30, n_pool * rng.uniform(0.08, 0.35))))
        who = w.pick_organic(m, pool=pool)
        fast = rng.random(len(who)) < 0.7
        delay = np.where(fast, rng.exponential(240, len(who)), np.exp(rng.normal(np.log(7200), 1.0, len(who))))
        t = t0 + 10 + delay.astype(np.int64)
        rep = (rng.random(len(who)) < 0.25) & (len(feed_rows) > 0)
        share = ~rep
        text_kind = np.where(rng.random(len(who)) < 0.75, FIXED, WORDS)
        text_a = np.where(text_kind == FIXED, fb + rng.choice(4, size=len(who), p=[0.6, 0.15, 0.1, 0.15]),
                          w.seeds(len(who)))
        w.sk.add(who[share], w.us(t[share]), text_kind=text_kind[share], text_a=text_a[share], url=ub)
        if rep.any():
            tgt = feed_rows[rng.integers(0, len(feed_rows), int(rep.sum()))]
            w.sk.add(who[rep], w.us(t[rep]), kind=REPOST, target=tgt, text_kind=DERIVED)
        w.book.mark(who, "news_event")
        out.append({"url": url, "headline": head, "time": int(t0), "accounts": len(who)})
    return out


def _viral(w: World, pools: dict, count: int) -> list[dict]:
    rng = w.rng
    out = []
    top = w.organic[np.argsort(-w.activity)[: max(20, len(w.organic) // 100)]]
    pool = w.sub_pool(0.25)  # heavy reposters
    n_pool = len(pool)
    for _ in range(count):
        author = top[rng.integers(len(top))]
        t0 = w.start_s + int(rng.integers(0, w.days * 86_400 - 7200))
        deco = decorate(w, 1, pools, 0.3, 0.3, 0.4)
        row = w.sk.add(np.array([author]), w.us(np.array([t0])), text_kind=WORDS, text_a=w.seeds(1), **deco)
        m = int(min(w.profile.viral_max_reposters, max(30, n_pool * rng.uniform(0.05, 0.2))))
        who = w.pick_organic(m, pool=pool)
        who = who[who != author]
        fast = rng.random(len(who)) < 0.6
        delay = np.where(fast, rng.exponential(180, len(who)), np.exp(rng.normal(np.log(3600), 1.2, len(who))))
        w.sk.add(who, w.us(t0 + 3 + delay.astype(np.int64)), kind=REPOST, target=row, text_kind=DERIVED)
        w.book.mark(who, "viral_repost")
        w.popular_originals = np.append(w.popular_originals, row)
        out.append({"row": int(row), "time": int(t0), "reposters": len(who)})
    return out


def _phrases(w: World, n: int) -> dict:
    rng = w.rng
    base = w.pools.add_fixed(list(W.COMMON_PHRASES))
    pid = rng.choice(len(W.COMMON_PHRASES), size=n, p=zipf_weights(len(W.COMMON_PHRASES), 0.8))
    who = w.pick_organic(n, replace=True)
    offs = np.asarray(w.book.cols["offset_h"], float)[who]
    t = local_rhythm(rng, offs, np.zeros(n), w.days, w.start_s)
    morning = pid < 3  # "good morning" phrases at local breakfast time
    t = np.where(morning, (t - (t + (offs * 3600).astype(np.int64)) % 86_400) + rng.integers(6 * 3600, 10 * 3600, n), t)
    w.sk.add(who, w.us(t), text_kind=FIXED, text_a=base + pid)
    w.book.mark(who, "common_phrase")
    return {"posts": int(n), "accounts": len(np.unique(who))}


def _fans(w: World, count: int) -> list[dict]:
    rng = w.rng
    out = []
    n_org = len(w.organic)
    for c in range(count):
        stem = W.NOUNS[(c * 7 + 3) % len(W.NOUNS)]
        tags = [f"team{stem}", f"{stem}4ever", f"{stem}nation", f"vote{stem}"][: int(rng.integers(2, 5))]
        tb = w.pools.add_tags(tags)
        m = int(min(w.profile.fan_community_max, max(20, n_org * rng.uniform(0.005, 0.02))))
        members = w.pick_organic(m)
        k = 1 + rng.poisson(6, len(members))
        who = np.repeat(members, k)
        n = len(who)
        offs = np.asarray(w.book.cols["offset_h"], float)[who]
        t = local_rhythm(rng, offs, np.zeros(n), w.days, w.start_s)
        live = w.start_s + rng.integers(0, w.days * 86_400 - 7200, int(rng.integers(3, 7)))
        at_live = rng.random(n) < 0.5
        moments = live[rng.integers(0, len(live), n)] + rng.integers(0, 7200, n) // 600 * 600
        t = np.where(at_live, moments + rng.exponential(90, n).astype(np.int64), t)
        ntag = rng.integers(1, len(tags) + 1, n)
        first = rng.integers(0, len(tags), n)
        cols = {f"tag{j}": np.where(ntag > j, tb + (first + j) % len(tags), -1) for j in range(3)}
        w.sk.add(who, w.us(t), kind=ORIGINAL, text_kind=WORDS, text_a=w.seeds(n), **cols)
        w.book.mark(members, "fan_community")
        out.append({"hashtags": tags, "accounts": len(np.unique(members)), "posts": int(n)})
    return out


def make_negatives(w: World, pools: dict) -> dict:
    """All hard-negative groups; returns their manifest entries."""
    prof = w.profile
    feeds = _bots(w)
    news = _news(w, feeds, _scaled(prof.news_events_per_100k, w.posts))
    viral = _viral(w, pools, _scaled(prof.viral_posts_per_100k, w.posts))
    phrases = _phrases(w, int(prof.phrase_share * w.posts))
    fans = _fans(w, prof.fan_communities)
    own = w.rng.spawn(1)[0]  # a stream of their own: the groups above and the operations stay as they were
    local = negatives_timefree.local_communities(w, own, pools, prof.local_communities)
    outlets = negatives_timefree.outlet_templates(w, own, prof.template_outlets)
    return {"news_event": news, "viral_repost": viral, "common_phrase": phrases, "fan_community": fans,
            "local_community": local, "outlet_template": outlets}
