"""Planted influence operations: networks of 5-200 accounts acting together, in eight styles.

Every network runs *coordinated actions* (one message, link, hashtag set, image or seed post that
a share of its members push within a delay) and *camouflage* (organic-looking posts and reposts of
popular content). Most networks keep an operator's office hours on a foreign clock; large networks
split into sub-teams with their own content and schedule. Difficulty sets delays, edit rates,
participation and camouflage share (see :mod:`lockstep.synth.profile`).
"""

from __future__ import annotations

import numpy as np

from lockstep.synth import words as W
from lockstep.synth.accounts import flip_bits, operation_profiles
from lockstep.synth.clock import OPERATOR_OFFSETS, fold_into_shift, local_rhythm, working_hours
from lockstep.synth.organic import decorate
from lockstep.synth.profile import STYLES
from lockstep.synth.skeleton import DERIVED, FIXED, REPOST, WORDS
from lockstep.synth.world import World

DAY_S = 86_400


def _edit(rng: np.random.Generator, text: str, rate: float) -> str:
    """One copypasta variant: word swaps, a typo, an emoji, a changed hashtag -- each with ``rate``."""
    if rng.random() < rate:
        for a, b in W.SYNONYMS.items():
            if a in text:
                text = text.replace(a, b, 1)
                break
    if rng.random() < rate and len(text) > 10:
        i = int(rng.integers(1, len(text) - 2))
        text = text[:i] + text[i + 1] + text[i] + text[i + 2:] if rng.random() < 0.5 else text[:i] + text[i + 1:]
    if rng.random() < rate:
        text = f"{text} {W.EMOJI[int(rng.integers(len(W.EMOJI)))]}"
    if rng.random() < rate:
        text = f"{text} #{W.TOPIC_WORDS[int(rng.integers(len(W.TOPIC_WORDS)))]}"
    if rng.random() < rate / 2:
        text = text.upper() if rng.random() < 0.2 else text.lower()
    return text


def _message(rng: np.random.Generator) -> str:
    return (f"{W.STANCE[rng.integers(len(W.STANCE))]} the {W.TOPIC_WORDS[rng.integers(len(W.TOPIC_WORDS))]} "
            f"{W.NOUNS[rng.integers(len(W.NOUNS))]} {W.SUBJECT_TAILS[rng.integers(len(W.SUBJECT_TAILS))]}. "
            f"{W.OP_TAILS[rng.integers(len(W.OP_TAILS))]}")


def plan(w: World, networks: int | None) -> list[dict]:
    """Sizes, styles, clocks and sub-teams of each network."""
    rng, prof = w.rng, w.profile
    share = prof.operation_account_share
    target = max(prof.min_network_size, round(share / (1 - share) * len(w.organic)))
    k = networks if networks is not None else max(len(STYLES), round(target / 45))
    styles = [STYLES[i % len(STYLES)] for i in range(k)]
    rng.shuffle(styles)
    med = max(prof.min_network_size, target / max(k, 1))
    sizes = np.clip(np.exp(rng.normal(np.log(med), 0.6, k)), prof.min_network_size, prof.max_network_size)
    out = []
    for i, (style, size) in enumerate(zip(styles, sizes.astype(int).tolist(), strict=True)):
        clock = style == "foreign_clock" or rng.random() < prof.working_clock_share
        offset = float(OPERATOR_OFFSETS[rng.integers(len(OPERATOR_OFFSETS))]) if clock else None
        teams = 1 if size < 30 else int(rng.integers(2, 4))
        out.append({"network_id": i + 1, "style": style, "size": size, "utc_offset": offset, "teams": teams,
                    "profile_tells": bool(rng.random() < prof.profile_tell_prob),
                    "cross_platform": bool(rng.random() < prof.cross_platform_share)})
    return out


def _times(w: World, net: dict, n: int, first_day: int) -> np.ndarray:
    if net["utc_offset"] is not None:
        return working_hours(w.rng, n, net["utc_offset"], w.days, w.start_s, first_day)
    t = local_rhythm(w.rng, np.full(n, -5.0), np.zeros(n), w.days - first_day, w.start_s)
    return t + first_day * DAY_S


def _accounts(w: World, net: dict, first_day: int) -> np.ndarray:
    rng = w.rng
    n = net["size"]
    platform = np.zeros(n, np.int64)
    if net["cross_platform"]:
        other = rng.random(n) < 0.3
        platform[other] = rng.integers(1, 3, int(other.sum()))
    burst = None
    if net["style"] == "sleeper":
        burst = w.start_s + first_day * DAY_S - int(rng.integers(28, 70)) * DAY_S
    elif net["profile_tells"]:
        burst = w.start_s - int(rng.integers(30, 700)) * DAY_S
    prof = operation_profiles(rng, platform, net["network_id"], net["style"], net["profile_tells"], burst,
                              w.start_s, claimed_offset=float(rng.choice([-5.0, -6.0, -8.0])))
    net["created_burst"] = burst
    return w.book.extend(**prof)


def _delays(w: World, style: str, n: int) -> np.ndarray:
    rng, prof = w.rng, w.profile
    if style == "low_and_slow":
        return rng.uniform(0, prof.slow_spread_h * 3600, n)
    if style == "link_farm":
        return rng.uniform(0, 12 * prof.delay_median_s, n)
    scale = 3.0 if style == "foreign_clock" else 1.0
    return np.exp(rng.normal(np.log(prof.delay_median_s * scale), 0.8, n))


def _team_actions(w: World, net: dict, team: np.ndarray, first_day: int) -> int:
    """Coordinated actions of one (sub-)team; returns the number of posts made."""
    rng, prof = w.rng, w.profile
    style = net["style"]
    n_actions = max(3, round(prof.coordinated_posts_per_member / prof.participation))
    t_actions = _times(w, net, n_actions, first_day)
    templates = [_message(rng) for _ in range(int(rng.integers(3, 8)))]
    variants = [[_edit(rng, t, prof.edit_rate) for _ in range(20)] for t in templates]
    vbase = w.pools.add_fixed([v for vs in variants for v in vs])
    domains = net.setdefault("domains", [f"{W.NOUNS[rng.integers(40)]}-{W.TOPIC_WORDS[rng.integers(20)]}"
                                         f"{rng.integers(10, 99)}.{W.TLDS[rng.integers(len(W.TLDS))]}"
                                         for _ in range(int(rng.integers(3, 8)))])
    tags = net.setdefault("hashtags", [f"{W.TOPIC_WORDS[rng.integers(20)]}truth{rng.integers(10, 99)}",
                                       f"stop{W.TOPIC_WORDS[rng.integers(20)]}{net['network_id']}"])
    tag_base = net.setdefault("_tag_base", w.pools.add_tags(tags))
    images = rng.integers(0, 2**62, 6)
    made = 0
    for a, t0 in enumerate(t_actions.tolist()):
        m = max(2, round(len(team) * prof.participation * rng.uniform(0.7, 1.3)))
        who = rng.choice(team, size=min(m, len(team)), replace=False)
        n = len(who)
        t = t0 + _delays(w, style, n).astype(np.int64)
        if net["utc_offset"] is not None:
            t = fold_into_shift(t, net["utc_offset"])
        cols: dict = {"text_kind": WORDS, "text_a": w.seeds(n)}
        kind = style if style not in ("sleeper", "foreign_clock", "low_and_slow") else \
            ("copypasta", "link_farm", "hashtag_campaign")[a % 3]
        if kind == "copypasta":
            tp = int(rng.integers(len(templates)))
            cols = {"text_kind": FIXED, "text_a": vbase + tp * 20 + rng.integers(0, 20, n)}
        elif kind == "link_farm":
            d = domains[a % len(domains)]
            ub = w.pools.add_urls([f"https://{d}/{W.TOPIC_WORDS[rng.integers(20)]}/{rng.integers(10**6, 10**7)}"], [d])
            cols["url"] = ub
        elif kind == "hashtag_campaign":
            cols["tag0"] = tag_base + rng.integers(0, len(tags), n)
            cols["tag1"] = np.where(rng.random(n) < 0.5, tag_base + (cols["tag0"] - tag_base + 1) % len(tags), -1)
            # hijack a trending organic hashtag now and then
            cols["tag2"] = np.where(rng.random(n) < 0.3, net["_trending"], -1)
        elif kind == "image_reuse":
            img = np.full(n, images[a % len(images)], np.int64)
            cols["media"] = flip_bits(rng, img, 4)
        elif kind == "repost_ring":
            seed = team[a % min(3, len(team))]
            tp = int(rng.integers(len(templates)))
            row = w.sk.add(np.array([seed]), w.us(np.array([t0])), text_kind=FIXED, text_a=np.array([vbase + tp * 20]),
                           url=-1 if rng.random() < 0.5 else w.pools.add_urls(
                               [f"https://{domains[0]}/p/{rng.integers(10**6, 10**7)}"], [domains[0]]))
            who = who[who != seed]
            w.sk.add(who, w.us(t[: len(who)] + 2), kind=REPOST, target=row, text_kind=DERIVED)
            made += len(who) + 1
            continue
        w.sk.add(who, w.us(t), **cols)
        made += n
    return made


def make_operations(w: World, networks: int | None, pools: dict) -> tuple[list[dict], list[tuple]]:
    """Plant every network; returns the manifest entries and camouflage reposts still to place."""
    rng, prof = w.rng, w.profile
    nets = plan(w, networks)
    pending: list[tuple] = []
    for net in nets:
        quiet = w.profile.quiet_days  # crowd history first; the operations act over the days after it
        first_day = quiet + (int((w.days - quiet) * 0.45) if net["style"] == "sleeper" else 0)
        net["_trending"] = int(pools["tag_base"]) + int(rng.integers(0, 5))
        members = _accounts(w, net, first_day)
        teams = np.array_split(rng.permutation(members), net["teams"])
        made = sum(_team_actions(w, net, team, first_day) for team in teams if len(team) >= 2)
        camo = int(made * prof.camouflage_share / max(1e-9, 1 - prof.camouflage_share))
        who = members[rng.integers(0, len(members), camo)]
        t = _times(w, net, camo, first_day)
        reposts = rng.random(camo) < 0.5
        o = ~reposts
        deco = decorate(w, int(o.sum()), pools, prof.url_share, prof.hashtag_share, prof.media_share)
        w.sk.add(who[o], w.us(t[o]), text_kind=WORDS, text_a=w.seeds(int(o.sum())), **deco)
        pending.append((who[reposts], t[reposts]))
        net["coordinated_posts"] = made
        net["camouflage_posts"] = camo
        net["activation_day"] = first_day
        net.pop("_tag_base", None)
        net.pop("_trending", None)
    return nets, pending


def place_camouflage_reposts(w: World, pending: list[tuple]) -> None:
    """Camouflage reposts of popular organic posts made shortly before (placed once those exist)."""
    if not pending or len(w.popular_originals) == 0:
        return
    rng = w.rng
    who = np.concatenate([p[0] for p in pending])
    t = np.concatenate([p[1] for p in pending])
    rows = w.popular_originals
    rt = w.sk.column("t")[rows] // 1_000_000
    order = np.argsort(rt)
    rows, rt = rows[order], rt[order]
    hi = np.searchsorted(rt, t)  # targets posted before the repost
    lo = np.searchsorted(rt, t - 2 * DAY_S)
    pick = np.where(hi > lo, lo + (rng.random(len(t)) * (hi - lo)).astype(np.int64), np.maximum(hi - 1, 0))
    # A repost planned before the first popular post goes just after it (keeps the post count exact).
    t = np.where(hi > 0, t, rt[0] + 60 + rng.integers(0, 3600, len(t)))
    w.sk.add(who, w.us(t), kind=REPOST, target=rows[pick], text_kind=DERIVED)
