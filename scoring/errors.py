"""Errors that carry a one-line message meant for a person, never a traceback."""


class ScoringError(Exception):
    """Base class: the message is complete and user-facing."""


class DataError(ScoringError):
    """Input data is unreadable or does not follow the Home Credit schema."""


class ArtifactError(ScoringError):
    """Model artifacts are missing, corrupt or incompatible."""


class UnknownClientError(ScoringError):
    """A client id that is not in the portfolio."""
