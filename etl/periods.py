"""Financial years as the warehouse writes them: '2011-12' (the snapshot is 31 March 2012)."""
from __future__ import annotations

import re
from functools import lru_cache

_PATTERNS = [
    re.compile(r"(?<!\d)(?P<start>(19|20)\d{2})\s*(?:-|/|_|\u2013| to )\s*(?P<end>(19|20)?\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<start>(19|20)\d{2})(?P<end>\d{2})(?!\d)"),
]


@lru_cache(maxsize=4096, typed=True)   # a long file repeats a handful of years on every row
def normalise_period(text: object) -> str | None:
    """'2011/12', '2011-2012', '2011 to 2012', '201112' -> '2011-12'; None if no year pair."""
    raw = " ".join(str(text or "").split())
    for pattern in _PATTERNS:
        for match in pattern.finditer(raw):
            start = int(match["start"])
            end = int(match["end"][-2:])
            if end == (start + 1) % 100:
                return f"{start}-{end:02d}"
    return None
