"""Errors that reach users.

Every error raised for bad input names the offending field (or path) and says what was expected, so
that a user can fix it without reading a stack trace.
"""

from __future__ import annotations


class ToolfoundryError(Exception):
    """Base class of every error toolfoundry raises on purpose."""


class InputError(ToolfoundryError, ValueError):
    """Bad user input: a config field, a data path, a model path, a record.

    ``where`` names the field or path, ``expected`` says what would have been accepted.
    """

    def __init__(self, where: str, problem: str, expected: str | None = None):
        self.where = where
        self.problem = problem
        self.expected = expected
        message = f"{where}: {problem}"
        if expected:
            message += f" (expected {expected})"
        super().__init__(message)

    def __reduce__(self):  # errors cross process boundaries (Ray workers): rebuild from the three parts
        return (type(self), (self.where, self.problem, self.expected))
