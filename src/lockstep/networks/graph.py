"""The multiplex coordination graph: one node per account ``(platform, account_id)``, one edge per
account pair that at least one trace found significant.

Each layer (trace) keeps its own edges in the store; for clustering, the layers are collapsed into
one weighted graph whose edge weight is the sum over traces of the rarity-weighted evidence. A
pair seen by several traces thus weighs more, which is what an analyst would expect.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa


def load_igraph() -> ModuleType:
    """``igraph``, imported without its matplotlib drawing backend where nothing has loaded
    matplotlib yet. Why: igraph imports ``matplotlib.pyplot`` when it is installed (about 0.5 s of
    every ``lockstep detect``'s start) for plotting that Lockstep never asks igraph for; the
    report draws its charts with matplotlib directly. A ``None`` entry in ``sys.modules`` makes
    igraph's optional import fail as if matplotlib were absent, and is removed right after."""
    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        return importlib.import_module("igraph")
    sys.modules["matplotlib"] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("igraph")
    finally:
        del sys.modules["matplotlib"]


if TYPE_CHECKING:
    import igraph as ig
else:
    ig = load_igraph()

Account = tuple[str, str]


@dataclass
class CoordinationGraph:
    """The collapsed graph plus what each pair is made of."""

    graph: ig.Graph
    accounts: list[Account]
    #: one row per (pair, trace): a, b (node indices), trace, weight, count, expected, q_value
    layers: pd.DataFrame = field(default_factory=pd.DataFrame)


def build_graph(edges: pa.Table) -> CoordinationGraph:
    """Collapse the significant edges of all traces into one weighted undirected graph."""
    if edges.num_rows == 0:
        return CoordinationGraph(ig.Graph(), [], pd.DataFrame())
    df = edges.select(["platform_a", "account_a", "platform_b", "account_b", "trace", "weight", "count",
                       "expected", "q_value"]).to_pandas()
    a_keys = list(zip(df["platform_a"], df["account_a"], strict=True))
    b_keys = list(zip(df["platform_b"], df["account_b"], strict=True))
    accounts = sorted(set(a_keys) | set(b_keys))
    index = {acc: i for i, acc in enumerate(accounts)}
    df["a"] = np.array([index[k] for k in a_keys], dtype=np.int64)
    df["b"] = np.array([index[k] for k in b_keys], dtype=np.int64)
    pairs = df.groupby(["a", "b"], sort=True).agg(weight=("weight", "sum")).reset_index()
    g = ig.Graph(n=len(accounts), edges=list(zip(pairs["a"], pairs["b"], strict=True)), directed=False)
    g.es["weight"] = pairs["weight"].astype(float).clip(lower=1e-6).tolist()
    layers = df[["a", "b", "trace", "weight", "count", "expected", "q_value"]]
    return CoordinationGraph(g, accounts, layers)
