"""Lockstep: find coordinated inauthentic behaviour in social-media data, explain it, share it."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
