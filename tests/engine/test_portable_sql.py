"""Engine-neutral code speaks one SQL: DuckDB's dialect, as far as sqlglot translates it to Spark
correctly. This lint fails on the spellings it does not (they run on DuckDB and then break, or
silently mean something else, on Spark) and names the portable spelling to use instead.

Scanned: every string literal (f-string parts included, docstrings not) of the modules whose SQL
runs on any engine: ``lockstep.traces``, ``lockstep.networks`` and the SQL twin of text
normalization. ``CAST(x AS VARCHAR)`` and ``x::VARCHAR`` are fine: sqlglot writes ``STRING``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "lockstep"
NEUTRAL = sorted([*SRC.joinpath("traces").rglob("*.py"), *SRC.joinpath("networks").rglob("*.py"),
                  SRC / "ingest" / "normalize.py"])
#: In these modules only the named functions build engine SQL (the rest runs on the store's DuckDB).
ONLY = {"normalize.py": {"normalized_text_sql", "_is_rt_sql", "needs_casefold_sql", "_casefold_chain_sql"}}

#: DuckDB-only spelling -> why, and what to write instead.
FORBIDDEN = {
    r"\blen\s*\(": "len() becomes Spark's LENGTH, a string length: use array_length(x) for lists, length(x) "
                   "for strings",
    r"\bhash\s*\(": "hash() becomes Spark's 32-bit hash (collisions): use engine.hash64(expr)",
    r"\bepoch(_us|_ms|_ns)?\s*\(": "epoch functions have no (or another) meaning on Spark: use engine.epoch(col)",
    r"\bquantile(_cont|_disc)?\s*\(": "no Spark twin of this form: use engine.quantile(expr, q)",
    r"\blist_\w+\s*\(": "DuckDB list functions translate only in part: use array_* spellings or the helpers "
                        "engine.set_key / engine.list_key / engine.explode",
    r"\barray_agg\s*\([^)]*\border\s+by\b": "Spark's collect_list has no ORDER BY: sort in a window or after",
    r"\bstruct_pack\s*\(|\bmap_from_entries\s*\(": "no portable spelling: keep such values in Python",
}


def _sql_strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    roots: list[ast.AST] = [tree]
    if path.name in ONLY:
        roots = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in ONLY[path.name]]
        assert len(roots) == len(ONLY[path.name]), f"{path.name}: expected functions {sorted(ONLY[path.name])}"
    out = []
    for node in (n for root in roots for n in ast.walk(root)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            out.append((node.lineno, node.value))
    return out


@pytest.mark.parametrize("path", NEUTRAL, ids=lambda p: str(p.relative_to(SRC)))
def test_no_duckdb_only_spellings(path: Path) -> None:
    found = [f"{path.relative_to(SRC.parent)}:{line}: {m.group(0)!r}: {why}"
             for line, text in _sql_strings(path) for pattern, why in FORBIDDEN.items()
             for m in [re.search(pattern, text, re.IGNORECASE)] if m]
    assert not found, "DuckDB-only SQL in engine-neutral code:\n" + "\n".join(found)


@pytest.mark.parametrize("sql", ["SELECT len(p.urls) FROM p", "SELECT hash(x) FROM t",
                                 "SELECT epoch_us(time) FROM t", "SELECT list_aggregate(x, 'sum') FROM t",
                                 "SELECT array_agg(x ORDER BY y) FROM t"])
def test_the_lint_catches_each_spelling(sql: str) -> None:
    assert any(re.search(p, sql, re.IGNORECASE) for p in FORBIDDEN), sql
