class VeilleError(Exception):
    """A user-facing problem (bad input file, bad columns, ...): reported as one line, no traceback."""
