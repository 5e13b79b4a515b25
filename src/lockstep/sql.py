"""SQL quoting: the one place where a value or a name is written into the text of a SQL statement.

Prefer parameters (``?`` or ``$name``): DuckDB binds them and nothing needs quoting. Some places
cannot take one: a view's definition is stored as text (``CREATE VIEW ... WHERE dataset = '...'``),
``COPY ... TO 'file'`` and file arguments of table functions inside such text, and regular
expressions, which DuckDB compiles once per query only when they are literals. There, and only
there, values go through :func:`literal` and names through :func:`identifier`, so a quote in a
dataset name, a file path, a platform or a CSV header can never end the string early.
"""

from __future__ import annotations


def literal(value: str) -> str:
    """``value`` as a SQL string literal: in single quotes, each single quote doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (a column or table name): in double quotes, each double
    quote doubled, so any name a file's header holds refers to exactly that column."""
    return '"' + str(name).replace('"', '""') + '"'
