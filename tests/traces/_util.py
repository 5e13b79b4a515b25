"""Helpers for the per-trace tests: run a detector on posts, read back its significant pairs."""

from __future__ import annotations

from lockstep.model import Post
from lockstep.testing.checks import run_on, significant_pairs
from lockstep.traces.base import Example


def significant(detector: object, posts: list[Post], fdr: float = 0.01) -> set:
    return significant_pairs(run_on(detector, Example(posts).table()), fdr)


def accounts_in(pairs: set) -> set[str]:
    return {acc for pair in pairs for _, acc in pair}
