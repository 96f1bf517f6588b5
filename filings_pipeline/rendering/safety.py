"""A guard that rendered HTML carries no active markup (the escaping check's core)."""

from __future__ import annotations

import lxml.html


def unsafe_markup(html: str) -> str | None:
    """Describe the first script element, on* attribute or javascript: URL in `html`, or None."""
    if not html.strip():
        return None
    doc = lxml.html.document_fromstring(html)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() == "script":
            return "script element"
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                return f"{name} attribute on <{el.tag}>"
            if name.lower() in ("href", "src") and value.strip().lower().startswith("javascript:"):
                return f"javascript: URL in {name}"
    return None
