"""Where the heavy set work runs. Detectors see only the :class:`~lockstep.engine.base.Engine`
protocol, so the same detector runs in-process on DuckDB or on Apache Spark; ``factory`` chooses."""

from lockstep.engine.base import Engine

__all__ = ["Engine"]
