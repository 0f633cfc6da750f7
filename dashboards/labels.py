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

