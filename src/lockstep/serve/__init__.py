"""The sharing server: TAXII 2.1 over SQLAlchemy (SQLite by default, PostgreSQL when deployed).

Entry point: :func:`lockstep.serve.app.create_app`. Administration (organisations, keys,
collections, audit) lives in :mod:`lockstep.serve.admin`; the CLI wraps both.
"""
