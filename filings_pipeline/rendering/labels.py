"""Plain words for analysis fields, so meaning never depends on colour alone."""

from __future__ import annotations

from urllib.parse import urlsplit

_SENTIMENT = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}
_MATERIALITY = {1: "Minimal", 2: "Low", 3: "Moderate", 4: "High", 5: "Very high"}
_EVENTS = {
    "earnings": "Earnings",
    "m_and_a": "Mergers & acquisitions",
    "leadership_change": "Leadership change",
    "financing": "Financing",
    "restatement": "Restatement",
    "cybersecurity": "Cybersecurity incident",
    "shareholder_vote": "Shareholder vote",
    "periodic_report": "Periodic report",
    "other": "Other",
}

OFFLINE_NOTE = (
    "Offline extractive summary \u2014 sentences selected from the filing by a rule-based "
    "analyzer, not written by an AI model"
)


def sentiment_label(sentiment: str) -> str:
    """'Positive' / 'Neutral' / 'Negative'."""
    return _SENTIMENT.get(sentiment, sentiment.capitalize())


def score_label(score: float) -> str:
    """Signed score with two decimals: '+0.60', '-0.25', '0.00'."""
    return "0.00" if round(score, 2) == 0 else f"{score:+.2f}"


def materiality_label(level: int) -> str:
    """'High' for 4, and so on."""
    return _MATERIALITY.get(int(level), str(level))


def event_label(event_type: str) -> str:
    """'Mergers & acquisitions' for 'm_and_a', and so on."""
    return _EVENTS.get(event_type, event_type.replace("_", " ").capitalize())


def byline(analyzer: str, model: str, prompt_version: str) -> str:
    """Who wrote the article: the offline note, or the model and prompt version."""
    if analyzer == "offline":
        return OFFLINE_NOTE
    return f"Analysis by {model} (prompt {prompt_version})"


def safe_http_url(url: str) -> str:
    """`url` when it is an http(s) URL, else '' (never a javascript: or data: link)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""
