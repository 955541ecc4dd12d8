"""Client id parsing shared by the CLI and the dashboard."""

from scoring.errors import UnknownClientError

MAX_ID_DIGITS = 12


def parse_client_id(text: str) -> int:
    """Strictly parse an SK_ID_CURR; raise UnknownClientError with a readable message."""
    cleaned = str(text).strip()
    if not cleaned.isdigit() or len(cleaned) > MAX_ID_DIGITS:
        raise UnknownClientError(f"invalid client id {text!r}: expected a positive whole number")
    return int(cleaned)
