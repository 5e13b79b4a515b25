"""Account signals: per-account evidence that accounts are not what they claim to be.

One plug-in module per signal (``lockstep.signals`` entry-point group, see ``registry.py``);
:mod:`lockstep.signals.apply` runs them all and re-ranks detected networks;
:mod:`lockstep.signals.network` aggregates them per network with attribution hints.
"""
