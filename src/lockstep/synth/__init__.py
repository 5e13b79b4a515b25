"""The synthetic benchmark: organic background, hard negatives and planted operations with truth.

``generate`` builds a dataset in memory for one seed; ``write_dataset`` writes it in Lockstep's own
format with ``truth.csv`` and ``manifest.json``. See docs/benchmark.md for the model and its limits.
"""

from lockstep.synth.generate import SynthData, generate
from lockstep.synth.profile import NEGATIVE_GROUPS, PRESETS, STYLES, SynthProfile, load_profile, preset
from lockstep.synth.writer import FORMATS, write_dataset

__all__ = ["FORMATS", "NEGATIVE_GROUPS", "PRESETS", "STYLES", "SynthData", "SynthProfile", "generate",
           "load_profile", "preset", "write_dataset"]
