"""Errors that say what went wrong and what to do, in Korean and English."""
from __future__ import annotations


class FtkitError(Exception):
    """Base class: the message holds a Korean line, then the same in English."""

    def __init__(self, ko: str, en: str):
        self.ko, self.en = ko, en
        super().__init__(f"{ko}\n{en}")


class DataError(FtkitError, ValueError):
    """The data is malformed: wrong columns, unknown labels, nothing left after cleaning."""


class MissingDataError(FtkitError, FileNotFoundError):
    """An expected data file does not exist."""


class ModelNotAvailableError(FtkitError, LookupError):
    """A model id cannot be resolved (e.g. offline and not in the offline registry)."""


class ConfigError(FtkitError, ValueError):
    """An unknown profile, notebook, parameter or an impossible setting (fp16 without a GPU)."""


class ResultError(FtkitError, ValueError):
    """A result that must not be recorded: a NaN or infinite metric, logits or parameter."""


class WriteError(FtkitError, OSError):
    """A result or model file cannot be written (disk full, no permission, read-only folder)."""
