"""Numbers in what clients send (page numbers, ids, revision numbers)."""


def parse_number(raw, digits=9):
    """``raw`` as a whole number if it is ASCII digits only and at most
    ``digits`` long, else None. "²" and "¹" are digits to ``str.isdigit()`` but
    not to ``int()``; "٣" is a digit to both but no address we make."""
    raw = raw or ""
    if raw.isascii() and raw.isdigit() and len(raw) <= digits:
        return int(raw)
    return None
