"""Ingest: one adapter per source format turns files into the common post and account tables
(see ``docs/formats.md``). A regular package, not a namespace one, so tools that walk the import
graph (import-linter) see it."""
