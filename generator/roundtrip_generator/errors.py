"""Exceptions the generator raises on purpose, in one place so callers catch them by class.

Their class names cross to the harness as the ``type`` of a reply's error or of a manifest's ``generateErrors``
entry (DEVELOPERS.md), so they are part of the protocol: renaming one is an incompatible change.
"""

from __future__ import annotations


class GeneratorError(Exception):
    """Base of the generator's own errors."""


class FormatUnavailable(GeneratorError, RuntimeError):  # noqa: N818 (the protocol's name)
    """This environment cannot write the format at all (a converter is not installed): the harness skips its checks."""


class CaseValidationError(GeneratorError, ValueError):
    """Every issue of one case, as ``{path, message}`` entries."""

    def __init__(self, case_id: str | None, issues: list[dict]):
        self.case_id = case_id
        self.issues = issues
        lines = "; ".join(f"{issue['path']}: {issue['message']}" for issue in issues)
        super().__init__(f"case {case_id!r} is invalid: {lines}")
