"""Watchlists: narratives an analyst names by words and/or example posts, and an alert when a
flagged network's share of posts in one rises above that network's own baseline.

A post matches a watch when its embedding is within ``threshold`` (cosine) of the query or of any
example, embedded with the same backend as the post: the model for texts the topic run gave it
(cached), TF-IDF for the rest (each backend has its own default threshold, since their cosine
scales differ). For every network and window the share of matching posts is compared with the
network's pooled earlier windows by a one-sided Fisher exact test; p-values over all watches,
networks and windows are adjusted together (Benjamini-Hochberg). Accounts outside flagged
networks are never tested: organic chatter about a watched topic raises nothing, and neither does
a network that always talked about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockstep.errors import ConfigError, SourceError, StoreError
from lockstep.narratives.tables import ensure_narrative_tables
from lockstep.store import Store

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Cosine similarity a post needs to match a watch, per backend (overridable per watch).
DEFAULT_THRESHOLD = {"minilm": 0.45, "tfidf": 0.35}


@dataclass(frozen=True)
class Watch:
    name: str
    query: str | None
    examples: list[str]
    threshold: float | None

    def prototypes(self) -> list[str]:
        return ([self.query] if self.query else []) + list(self.examples)


def read_examples(path: Path) -> list[str]:
    """Example posts, one per line (blank lines and lines starting with '#' are skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise SourceError(f"The examples file '{path}' does not exist.") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(f"The examples file '{path}' is not UTF-8 text (byte {exc.start}). "
                          "Save it as UTF-8 with one example post per line.") from exc
    out = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not out:
        raise SourceError(f"The examples file '{path}' holds no example posts: write one post per line.")
    return out


def add_watch(store: Store, name: str, *, query: str | None = None, examples: list[str] | None = None,
              threshold: float | None = None, replace: bool = False) -> Watch:
    ensure_narrative_tables(store)
    if not NAME_RE.match(name):
        raise ConfigError(f"Watch names are 1-64 letters, digits, '_', '.' or '-', starting with a letter or "
                          f"digit. Got {name!r}.")
    examples = [e for e in (examples or []) if e.strip()]
    if not (query and query.strip()) and not examples:
        raise ConfigError(f"Watch {name!r} needs --query TEXT, --examples FILE, or both.")
    if threshold is not None and not -1.0 < threshold < 1.0:
        raise ConfigError(f"--threshold is a cosine similarity in (-1, 1). Got {threshold}.")
    exists = store.scalar("SELECT count(*) FROM watches WHERE name = ?", [name])
    if exists and not replace:
        raise ConfigError(f"A watch named {name!r} exists already. Use --replace, or "
                          f"'lockstep watch remove {name}' first.")
    with store.transaction() as con:
        con.execute("DELETE FROM watches WHERE name = ?", [name])
        con.execute("INSERT INTO watches (name, query, examples, threshold) VALUES (?, ?, ?, ?)",
                    [name, query.strip() if query else None, examples, threshold])
    return Watch(name, query, examples, threshold)


def list_watches(store: Store) -> list[Watch]:
    if not store.has_table("watches"):
        return []
    return [Watch(n, q, list(e or []), t) for n, q, e, t in
            store.rows("SELECT name, query, examples, threshold FROM watches ORDER BY name")]


def remove_watch(store: Store, name: str) -> None:
    ensure_narrative_tables(store)
    if not store.scalar("SELECT count(*) FROM watches WHERE name = ?", [name]):
        have = ", ".join(w.name for w in list_watches(store)) or "none"
        raise ConfigError(f"No watch named {name!r} (watches: {have}).")
    store.con.execute("DELETE FROM watches WHERE name = ?", [name])
    store.con.execute("DELETE FROM watch_alerts WHERE watch = ?", [name])


def require_watches(store: Store, names: list[str] | None = None) -> list[Watch]:
    watches = list_watches(store)
    if names:
        missing = sorted(set(names) - {w.name for w in watches})
        if missing:
            raise ConfigError(f"No watch named {', '.join(map(repr, missing))}. See 'lockstep watch list'.")
        watches = [w for w in watches if w.name in names]
    if not watches:
        raise StoreError("No watches defined. Add one with: lockstep watch add NAME --query \"...\"")
    return watches


def watch_summary(w: Watch) -> dict[str, Any]:
    return {"name": w.name, "query": w.query, "examples": len(w.examples), "threshold": w.threshold}
