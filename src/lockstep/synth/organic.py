"""The organic background: ordinary accounts posting, reposting and replying.

Modelled on what is known of microblog activity: per-account activity is heavy-tailed (lognormal),
popularity of URLs, domains and hashtags is Zipf-like, each account posts by a daily rhythm in its own
time zone, and reposts follow their target with a heavy-tailed delay (most within the hour).
"""

from __future__ import annotations

import numpy as np

from lockstep.synth import words as W
from lockstep.synth.accounts import organic_profiles
from lockstep.synth.clock import local_rhythm, sample_offsets, zipf_weights
from lockstep.synth.skeleton import DERIVED, ORIGINAL, POLITICAL, REPLY, REPLY_WORDS, REPOST, WORDS
from lockstep.synth.world import World


def make_accounts(w: World, n: int) -> None:
    """Create ``n`` organic accounts spread over platforms and real-world time zones."""
    rng = w.rng
    p_other = w.profile.other_platform_share
    platform = rng.choice(3, size=n, p=[1 - p_other, p_other * 0.55, p_other * 0.45])
    offsets = sample_offsets(rng, n)
    ids = w.book.extend(**organic_profiles(rng, platform, offsets, w.start_s))
    w.organic = ids
    w.activity = np.exp(rng.normal(0.0, w.profile.activity_sigma, n))
    w.shift_h = rng.normal(0.0, 1.2, n)


def make_pools(w: World) -> dict[str, int | np.ndarray]:
    """URL, domain and hashtag pools with Zipf popularity; sizes grow with the dataset."""
    rng = w.rng
    n_dom = max(300, w.posts // 400)
    n_url = max(2000, w.posts // 25)
    n_tag = max(500, w.posts // 250)
    stems = rng.integers(0, len(W.NOUNS), (n_dom, 2))
    tlds = rng.integers(0, len(W.TLDS), n_dom)
    domains = [f"{W.NOUNS[a]}{W.NOUNS[b]}{i}.{W.TLDS[t]}" if i >= 40 else f"{W.NOUNS[a]}{W.NOUNS[b]}.{W.TLDS[t]}"
               for i, ((a, b), t) in enumerate(zip(stems.tolist(), tlds.tolist(), strict=True))]
    url_dom = rng.choice(n_dom, size=n_url, p=zipf_weights(n_dom, 1.0))
    sect = rng.integers(0, len(W.SECTIONS), n_url)
    urls = [f"https://www.{domains[d]}/{W.SECTIONS[s]}/{i:07d}" for i, (d, s) in
            enumerate(zip(url_dom.tolist(), sect.tolist(), strict=True))]
    url_base = w.pools.add_urls(urls, [domains[d] for d in url_dom.tolist()])
    a = rng.integers(0, len(W.NOUNS), n_tag)
    b = rng.integers(0, len(W.TOPIC_WORDS), n_tag)
    tags = [f"{W.NOUNS[x]}{W.TOPIC_WORDS[y]}{i}" if i >= 200 else f"{W.TOPIC_WORDS[y]}{W.NOUNS[x]}"
            for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True))]
    tags = list(dict.fromkeys(tags))
    tag_base = w.pools.add_tags(tags)
    return {"url_base": url_base, "n_url": n_url, "tag_base": tag_base, "n_tag": len(tags)}


def decorate(w: World, n: int, pools: dict, url_share: float, tag_share: float,
             media_share: float) -> dict[str, np.ndarray]:
    """URL, hashtag and media columns for ``n`` organic-looking originals."""
    rng = w.rng
    url = np.where(rng.random(n) < url_share,
                   pools["url_base"] + rng.choice(pools["n_url"], size=n, p=_zipf(pools["n_url"])), -1)
    ntag = np.where(rng.random(n) < tag_share, rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1]), 0)
    tagp = _zipf(pools["n_tag"])
    tags: dict[str, np.ndarray] = {}
    for k in range(3):
        pick = pools["tag_base"] + rng.choice(pools["n_tag"], size=n, p=tagp)
        dup = np.zeros(n, bool)
        for prev in tags.values():
            dup |= prev == pick
        tags[f"tag{k}"] = np.where((ntag > k) & ~dup, pick, -1)
    has_media = rng.random(n) < media_share
    meme = rng.random(n) < 0.15  # organic meme reuse: the same image from strangers
    memes = rng.integers(0, 2**62, 200)
    media = np.where(meme, memes[rng.choice(200, size=n, p=zipf_weights(200, 1.2))],
                     rng.integers(0, 2**62, n))
    return {"url": url, "media": np.where(has_media, media, -1), **tags}


_ZIPF: dict[int, np.ndarray] = {}


def _zipf(n: int) -> np.ndarray:
    if n not in _ZIPF:
        _ZIPF.clear()
        _ZIPF[n] = zipf_weights(n, 1.05)
    return _ZIPF[n]


def make_posts(w: World, n_posts: int, pools: dict) -> None:
    """``n_posts`` organic posts: every account posts at least once, the rest by activity."""
    if n_posts <= 0:
        return
    rng, prof = w.rng, w.profile
    n_acc = len(w.organic)
    extra = max(0, n_posts - n_acc)
    who = np.concatenate([np.arange(min(n_acc, n_posts)),
                          rng.choice(n_acc, size=extra, p=w.activity / w.activity.sum())])
    kind = rng.choice(3, size=n_posts, p=[1 - prof.repost_share - prof.reply_share,
                                           prof.repost_share, prof.reply_share]).astype(np.int8)
    acct = w.organic[who]
    offs = np.asarray(w.book.cols["offset_h"], float)[acct]
    t = local_rhythm(rng, offs, w.shift_h[who], w.days, w.start_s)
    orig = np.flatnonzero(kind == ORIGINAL)
    deco = decorate(w, len(orig), pools, prof.url_share, prof.hashtag_share, prof.media_share)
    # a few percent of organic originals are political chatter worded like the operations' messages
    text_kind = np.where(rng.random(len(orig)) < 0.06, POLITICAL, WORDS)
    start = w.sk.add(acct[orig], w.us(t[orig]), kind=ORIGINAL, text_kind=text_kind,
                     text_a=w.seeds(len(orig)), **deco)
    orig_rows = start + np.arange(len(orig))
    # Virality of an original: heavy-tailed, larger for active (visible) authors.
    virality = np.exp(rng.normal(0, 1.6, len(orig))) * w.activity[who[orig]] ** 0.5
    p = virality / virality.sum()
    orig_t = t[orig]
    for k, median_s, tk in ((REPOST, 1800.0, DERIVED), (REPLY, 1200.0, REPLY_WORDS)):
        rows = np.flatnonzero(kind == k)
        if len(rows) == 0 or len(orig) == 0:
            continue
        tgt = rng.choice(len(orig), size=len(rows), p=p)
        delay = np.minimum(np.exp(rng.normal(np.log(median_s), 1.5, len(rows))), 5 * 86_400)
        w.sk.add(acct[rows], w.us(orig_t[tgt] + 5 + delay.astype(np.int64)), kind=k,
                 target=orig_rows[tgt], text_kind=tk, text_a=w.seeds(len(rows)))
    top = np.argsort(-virality)[: max(50, len(orig) // 500)]
    w.popular_originals = np.concatenate([w.popular_originals, orig_rows[top]])
