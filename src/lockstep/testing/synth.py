"""Planted networks for tests and plug-in authors: a small synthetic dataset with known truth.

>>> planted = planted_network(seed=1, posts=5_000)
>>> planted.members("copypasta")            # doctest: +SKIP
{('twitter', '1000000407'), ...}

The data come from the same generator as ``lockstep synth`` (organic background, hard negatives,
operations in every style), so a detector tested on it meets the same traps as on the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from lockstep.synth import generate, preset, write_dataset
from lockstep.synth.generate import SynthData


@dataclass
class Planted:
    """Posts, accounts and truth of a generated dataset, as Arrow tables."""

    posts: pa.Table
    accounts: pa.Table
    truth: pa.Table
    manifest: dict[str, Any] = field(default_factory=dict)
    data: SynthData | None = None

    def members(self, style: str | None = None) -> set[tuple[str, str]]:
        """(platform, account_id) of operation accounts, optionally of one style."""
        rows = self.truth.to_pylist()
        return {(r["platform"], r["account_id"]) for r in rows
                if r["network_id"] > 0 and (style is None or r["operation_style"] == style)}

    def networks(self) -> dict[int, set[tuple[str, str]]]:
        out: dict[int, set[tuple[str, str]]] = {}
        for r in self.truth.to_pylist():
            if r["network_id"] > 0:
                out.setdefault(r["network_id"], set()).add((r["platform"], r["account_id"]))
        return out

    def write(self, out: Path, fmt: str = "parquet") -> dict[str, Path]:
        """Write the dataset like ``lockstep synth`` does (for ingest round trips)."""
        assert self.data is not None
        return write_dataset(self.data, out, fmt)


def planted_network(*, seed: int = 0, posts: int = 10_000, networks: int | None = None,
                    difficulty: str = "default", days: int | None = None, **overrides: Any) -> Planted:
    """A small synthetic dataset with planted operations; ``overrides`` set profile fields."""
    profile = preset(difficulty)
    if days is not None:
        overrides["days"] = days
    if overrides:
        profile = replace(profile, **overrides)
    data = generate(posts=posts, seed=seed, profile=profile, networks=networks)
    return Planted(posts=data.posts(), accounts=data.accounts, truth=data.truth, manifest=data.manifest, data=data)
