"""Helpers for tests of Lockstep and of its plug-ins."""
