"""Plain-English labels for the warehouse's codes, shared by pages, figures and exports."""
from __future__ import annotations

AGE_BANDS = {
    "all": "all adults (18+)",
    "18-64": "adults aged 18-64",
    "under-65": "aged 64 and under",
    "65+": "people aged 65 and over",
    "65-84": "people aged 65-84",
    "85+": "people aged 85 and over",
}

CLIENT_GROUPS = {
    "all": "all client groups",
    "physical": "physical disability or support",
    "sensory": "sensory support",
    "memory_cognition": "support with memory and cognition",
    "learning_disability": "learning disability",
    "mental_health": "mental health",
    "social_support": "social support",
    "substance_misuse": "substance misuse",
    "other_vulnerable": "other vulnerable people",
}


def breakdown_label(age_band: str, client_group: str) -> str:
    """'all'/'all' -> 'All adults (18+)'; '18-64'/'mental_health' -> 'Adults aged 18-64, mental health'."""
    text = AGE_BANDS.get(age_band, age_band)
    if client_group != "all":
        text += f", {CLIENT_GROUPS.get(client_group, client_group)}"
    return text[0].upper() + text[1:]



def flag_codes(quality_flag: object) -> list[str]:
    """'a; b' -> ['a', 'b']; empty, None or NaN -> [] (the warehouse's '; '-separated codes)."""
    if not isinstance(quality_flag, str) or not quality_flag.strip():
        return []
    return [code.strip() for code in quality_flag.split(";") if code.strip()]


def flag_words(quality_flag: object, labels: dict[str, str] | None = None) -> str:
    """The flags' labels from the quality_flags table, most serious first, in lower case for use
    mid-sentence: 'not comparable between councils; self-directed support reported equal to
    direct payments'. A code without a label reads as its words."""
    words = [(labels or {}).get(code) or code.replace("_", " ") for code in flag_codes(quality_flag)]
    return "; ".join(word[0].lower() + word[1:] for word in words)
