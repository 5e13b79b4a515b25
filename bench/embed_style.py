"""How well does text style alone separate embedded real accounts from the synthetic crowd?

``lockstep synth --embed`` renders real texts into the generator's vocabulary (synth/restyle.py;
``--restyle-crowd``: the generated texts through the same word mapping too) and gives generated
accounts writing habits (synth/habits.py). This measures what
is left: per account, all its original posts' texts joined and *masked* (URLs -> ``U``, hashtags ->
``#H``, mentions -> ``@M``, digits -> ``0``; words, punctuation, spacing and case kept), character
1-4-gram TF-IDF, logistic regression, stratified 5-fold cross-validated ROC-AUC of "real vs
organic". Reposts (``RT @``) are left out on both sides: the real file's retweets carry no
``RT @user:`` (a property of the data, not of anyone's style).

Real accounts are compared with organic accounts of similar activity (same post-count
distribution, sampled without reuse), all together and per persona (personas with at least 10
accounts, each against as many matched organic accounts). The **baseline** is crowd against crowd:
two disjoint sets of organic accounts matched the same way, which no style tells apart (about 0.5).
An honest embedding brings personas whose members write individually close to that baseline; a
persona with a genuine shared template (NewsFeed) may stay separable, because its members share it.
Printed for the texts as written (what the benchmark uses), for the same real accounts' original
texts, and with the words masked too (``w``/``W``/``WW`` by case shape), which leaves only the house
style: punctuation, spacing, case, emoji, links and tags.

    python bench/embed_style.py                      # week 9, 100k-post crowd
    python bench/embed_style.py --week 2 --posts 300000
    python bench/embed_style.py --restyle-crowd      # generated texts through the same word mapping
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
_MASK = [(re.compile(r"(?:https?://|www\.)\S+", re.I), "U"), (re.compile(r"(?<![\w&])#\w+"), "#H"),
         (re.compile(r"(?<![\w@])@\w+"), "@M"), (re.compile(r"\d"), "0")]


_WORD = re.compile(r"[^\W\d_]+")


def mask(text: str | None) -> str:
    out = text or ""
    for rx, rep in _MASK:
        out = rx.sub(rep, out)
    return out


def shape(text: str | None) -> str:
    """Words masked too (``w``, ``W`` for a capitalised word, ``WW`` for one in capitals): only the
    house style is left (punctuation, spacing, case, emoji, where links and tags go)."""
    def one(m: re.Match[str]) -> str:
        w = m.group(0)
        return "WW" if len(w) > 1 and w.isupper() else ("W" if w[:1].isupper() else "w")
    return _WORD.sub(one, mask(text))


def auc(docs: list[str], y: np.ndarray, seed: int) -> tuple[float, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 4), lowercase=False, min_df=2,
                                          sublinear_tf=True, max_features=200_000),
                          LogisticRegression(max_iter=2000, C=1.0))
    scores = cross_val_score(model, docs, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed), scoring="roc_auc")
    return float(scores.mean()), float(scores.std())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("LOCKSTEP_SHARED_DATA", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--week", type=int, default=9)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-posts", type=int, default=5, help="accounts with fewer posts are left out")
    ap.add_argument("--restyle-crowd", action="store_true",
                    help="render the generated texts through the real texts' word mapping too")
    ap.add_argument("--min-category", type=int, default=10, help="personas with fewer accounts get no row")
    args = ap.parse_args()
    folder = Path(args.data) / "ira_2016h2"
    src = folder / "ira_tweets_2016h2.csv.gz"
    if not src.is_file():
        sys.exit(f"not found: {src} (give --data, the shared data folder)")
    from lockstep.synth import generate, preset, write_dataset
    from lockstep.synth.embed import EmbedSpec, embed

    spec = EmbedSpec(path=src, labels=folder / "authors.csv", week=args.week,
                     restyle_crowd=args.restyle_crowd).validate()
    data = embed(generate(posts=args.posts, seed=args.seed, profile=preset("default")), spec, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="lockstep-style-") as tmp:
        write_dataset(data, Path(tmp), "parquet")
        posts = pd.read_parquet(Path(tmp) / "posts.parquet", columns=["post_id", "account_id", "text"])
        truth = pd.read_csv(Path(tmp) / "truth.csv", dtype=str, keep_default_na=False)
    style = dict(zip(truth["account_id"], truth["operation_style"], strict=True))
    posts["style"] = posts["account_id"].map(style)
    posts = posts[(posts["style"].eq("organic") | posts["style"].str.startswith("ira_"))
                  & ~posts["text"].fillna("").str.startswith("RT @")]
    counts = posts.groupby("account_id").size()
    keep = counts[counts >= args.min_posts].index
    posts = posts[posts["account_id"].isin(keep)]
    real_ids = sorted({a for a in keep if style[a].startswith("ira_")})
    rng = np.random.default_rng(args.seed)
    organic = np.array(sorted(a for a in keep if style[a] == "organic"))
    org_counts = counts[organic].to_numpy()
    used = np.zeros(len(organic), bool)

    def matched() -> list[str]:
        """Organic accounts with a post-count distribution like the real ones' (nearest count, no reuse)."""
        out = []
        for a in rng.permutation(real_ids):
            d = np.abs(org_counts - min(counts[a], org_counts.max())).astype(float)
            d[used] = np.inf
            i = int(np.argmin(d + rng.random(len(d)) * 0.5))
            used[i] = True
            out.append(str(organic[i]))
        return out

    chosen, other = matched(), matched()
    if len(set(other)) < len(real_ids):
        sys.exit("too few organic accounts for two matched sets: give a larger --posts")
    cats = pd.Series({a: style[a].removeprefix("ira_") for a in real_ids})

    def docs(frame: pd.DataFrame, fn: Any) -> pd.Series:
        return frame.assign(m=frame["text"].map(fn)).groupby("account_id")["m"].apply("\n".join)

    def rows(doc: pd.Series) -> list[tuple[str, int, float, float]]:
        """(what, accounts per side, mean AUC, sd): all real, each persona, crowd baseline."""
        out = [("all real", len(real_ids), *auc([doc[a] for a in real_ids + chosen],
                                                 np.array([1] * len(real_ids) + [0] * len(chosen)), args.seed))]
        for cat, group in cats.groupby(cats):
            if len(group) < args.min_category:
                continue
            ids = list(group.index)
            org = list(np.random.default_rng([args.seed, len(ids)]).choice(chosen, len(ids), replace=False))
            out.append((cat, len(ids), *auc([doc[a] for a in ids + org],
                                            np.array([1] * len(ids) + [0] * len(org)), args.seed)))
        out.append(("crowd vs crowd (baseline)", len(other), *auc(
            [doc[a] for a in other + chosen], np.array([1] * len(other) + [0] * len(chosen)), args.seed)))
        return out

    written = rows(docs(posts, mask))
    shaped = rows(docs(posts, shape))
    from lockstep.synth.embed import read_file

    raw, _, _ = read_file(src)
    raw_df = raw.select(["post_id", "account_id", "text"]).to_pandas()
    raw_df = raw_df[raw_df["post_id"].isin(set(posts["post_id"]))]
    raw_acc = docs(raw_df, mask)
    by_acc = docs(posts, mask)
    b_mean, b_sd = auc([raw_acc[a] if a in raw_acc.index else by_acc[a] for a in real_ids]
                       + [by_acc[a] for a in chosen], np.array([1] * len(real_ids) + [0] * len(chosen)), args.seed)
    print(f"week {args.week}, {args.posts:,}-post crowd ({'one word mapping for real and generated texts' if args.restyle_crowd else 'generated texts as generated'}), "
          f"accounts with >= {args.min_posts} original posts: {len(real_ids)} real, organic matched by activity")
    print("char 1-4-gram TF-IDF + logistic regression on masked per-account text, 5-fold CV ROC-AUC "
          "(0.5: style tells nothing; 1.0: style alone separates):")
    print(f"  {'':28} {'accounts':>8}  {'texts as written':>16}  {'words masked too':>16}")
    for (what, n, a_m, a_s), (_, _, c_m, c_s) in zip(written, shaped, strict=True):
        print(f"  {what:28} {n:>8}  {a_m:>8.3f} +- {a_s:.3f}  {c_m:>8.3f} +- {c_s:.3f}")
    print(f"  original real texts, all real (for comparison): {b_mean:.3f} +- {b_sd:.3f}")

if __name__ == "__main__":
    main()
