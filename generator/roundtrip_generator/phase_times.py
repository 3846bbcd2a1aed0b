"""Wall seconds per phase of one case's generation, for the worker's reply (never for golden files, which must not
depend on the machine's speed)."""

from __future__ import annotations

import time
from contextlib import contextmanager


class PhaseTimes:
    """Named wall-clock durations; a phase entered twice adds up."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}
        self.child_cpu_seconds = 0.0
        """CPU seconds of the case's child processes (the reload checks), which the process's own clock leaves out."""

    @contextmanager
    def phase(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[name] = self._seconds.get(name, 0.0) + time.perf_counter() - started

    def as_dict(self) -> dict[str, float]:
        return {name: round(seconds, 3) for name, seconds in self._seconds.items()}
