from __future__ import annotations

import igraph as ig
import numpy as np
import pyarrow as pa

from lockstep.networks.cluster import leiden, subclusters
from lockstep.networks.explain import _bound
from lockstep.networks.graph import build_graph
from lockstep.networks.score import NetworkFigures, coordination_score, member_scores


def _two_cliques() -> ig.Graph:
    edges = [(a, b) for a in range(5) for b in range(a + 1, 5)] + \
            [(a, b) for a in range(5, 10) for b in range(a + 1, 10)] + [(4, 5)]
    g = ig.Graph(n=10, edges=edges)
    g.es["weight"] = [1.0] * len(edges)
    return g


def test_leiden_separates_two_cliques_and_is_seeded() -> None:
    g = _two_cliques()
    m = leiden(g, seed=3)
    assert len(set(m[:5])) == 1 and len(set(m[5:])) == 1 and m[0] != m[9]
    assert (leiden(g, seed=3) == m).all()


def test_a_clique_is_one_subcluster_and_a_barbell_two() -> None:
    g = _two_cliques()
    assert len(set(subclusters(g, list(range(5))))) == 1
    assert len(set(subclusters(g, list(range(10))))) == 2


def test_score_rises_with_strength_traces_and_density() -> None:
    base = NetworkFigures(size=10, edges=20, strength=50.0, traces=1, span_days=3)
    assert coordination_score(NetworkFigures(10, 20, 500.0, 1, 3)) > coordination_score(base)
    assert coordination_score(NetworkFigures(10, 20, 50.0, 3, 3)) > coordination_score(base)
    assert coordination_score(NetworkFigures(10, 45, 50.0, 1, 3)) > coordination_score(base)
    assert 0 <= coordination_score(base) < 1
    assert member_scores(0.8, [1.0, 4.0]) == [0.2, 0.8]


def test_graph_sums_weights_over_traces() -> None:
    edges = pa.table({"platform_a": ["x", "x"], "account_a": ["a", "a"], "platform_b": ["x", "x"],
                      "account_b": ["b", "b"], "trace": ["co_link", "co_text"], "weight": [2.0, 3.0],
                      "count": [3, 4], "expected": [0.1, 0.2], "q_value": [1e-5, 1e-6]})
    cg = build_graph(edges)
    assert cg.accounts == [("x", "a"), ("x", "b")]
    assert cg.graph.ecount() == 1 and np.isclose(cg.graph.es["weight"][0], 5.0)
    assert len(cg.layers) == 2


def test_q_bound_is_a_true_round_figure() -> None:
    assert _bound(3.4e-7) == "1e-06" and _bound(0.5) == "1" and _bound(1e-3) == "1e-03"


def test_leiden_ends_on_weights_that_differ_in_their_last_bits() -> None:
    # A 5-account network of real IRA accounts (synth --embed, week 2) on which leidenalg moved nodes
    # back and forth forever. Run in a child process so that a hang fails the test instead of the suite.
    import subprocess
    import sys

    code = (
        "import igraph as ig\n"
        "from lockstep.networks.cluster import leiden\n"
        "g = ig.Graph(n=5, edges=[(0, 2), (1, 2), (0, 3), (2, 3), (0, 4), (2, 4), (3, 4)])\n"
        "g.es['weight'] = [16.309666223021676, 12.138401221974757] + [16.309666223021676] * 5\n"
        "print(sorted(set(leiden(g).tolist())))\n"
    )
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    except subprocess.TimeoutExpired:
        raise AssertionError("Leiden did not finish on a 5-vertex graph within 60 s") from None
    assert out.stdout.strip() == "[0]"  # one dense group
