"""The live side: sources feed ingest in batches, detection re-runs over a sliding window, networks keep
durable ids (``lockstep.networks.lineage``) and alert rules deliver to JSONL files, webhooks and the terminal.

Modules: ``rules`` (which changes become alerts), ``deliver`` (the sinks), ``sources`` (directory,
stdin, Bluesky Jetstream), ``loop`` (the schedule, the transactions, the stop signals).
"""
