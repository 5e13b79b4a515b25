"""The analysts' workspace (``lockstep ui``): review networks in the browser, record verdicts, export.

Pages are rendered on the server (Jinja2) over the DuckDB store, opened read-only per request; users,
sessions, verdicts and the audit log live in the server database shared with ``lockstep serve``
(SQLite by default, PostgreSQL with ``--database-url``), where concurrent writes are safe. See
docs/ui.md.
"""
