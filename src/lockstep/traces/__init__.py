"""Trace detectors: each turns posts into weighted, significance-tested account pairs for one
behaviour (co-reposting, co-linking, copypasta...). See ``docs/detection.md``."""
