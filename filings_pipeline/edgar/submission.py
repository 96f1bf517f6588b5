"""Parse a complete submission `.txt` (SGML header + one <DOCUMENT> block per file), §7."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from filings_pipeline.edgar.items import codes_from_names
from filings_pipeline.edgar.text import document_to_text

_HEADER = re.compile(r"<SEC-HEADER>(.*?)</SEC-HEADER>", re.DOTALL | re.IGNORECASE)
_IMS_HEADER = re.compile(r"<IMS-HEADER>(.*?)</IMS-HEADER>", re.DOTALL | re.IGNORECASE)
_DOCUMENT = re.compile(r"<DOCUMENT>(.*?)</DOCUMENT>", re.DOTALL | re.IGNORECASE)
_TAG_LINE = re.compile(r"^<(TYPE|SEQUENCE|FILENAME|DESCRIPTION)>([^\n<]*)", re.MULTILINE)
_TEXT = re.compile(r"<TEXT>(.*?)(?:</TEXT>|\Z)", re.DOTALL | re.IGNORECASE)
_FIELD = re.compile(r"^\s*([A-Z][A-Z0-9 /()-]*?):[ \t]*(.*?)\s*$")
_ACCEPTANCE = re.compile(r"<ACCEPTANCE-DATETIME>\s*(\d{14})")


class SubmissionParseError(ValueError):
    """The text is not a complete submission file."""


@dataclass
class SubmissionDocument:
    """One <DOCUMENT> block."""

    type: str
    sequence: int | None
    filename: str
    description: str
    body: str  # raw content between <TEXT> and </TEXT>

    @property
    def is_binary(self) -> bool:
        """Uuencoded images, spreadsheets, zips."""
        return self.body.lstrip().startswith("begin ")

    def text(self) -> str:
        """Clean text of this document ("" for binary documents)."""
        return "" if self.is_binary else document_to_text(self.body, self.filename)


@dataclass
class Submission:
    """Header fields (every value of each key, in order) and the documents."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    documents: list[SubmissionDocument] = field(default_factory=list)
    accepted_at: datetime | None = None

    def first(self, key: str) -> str:
        """First value of a header field, or ""."""
        values = self.fields.get(key)
        return values[0] if values else ""

    @property
    def form(self) -> str:
        return self.first("CONFORMED SUBMISSION TYPE")

    @property
    def accession(self) -> str:
        return self.first("ACCESSION NUMBER")

    @property
    def company(self) -> str:
        return self.first("COMPANY CONFORMED NAME")

    @property
    def cik(self) -> int | None:
        value = self.first("CENTRAL INDEX KEY")
        return int(value) if value.isdigit() else None

    @property
    def items(self) -> list[str]:
        """8-K item codes from the `ITEM INFORMATION` names."""
        return codes_from_names(self.fields.get("ITEM INFORMATION", []))

    @property
    def period_of_report(self) -> date | None:
        return _yyyymmdd(self.first("CONFORMED PERIOD OF REPORT"))

    @property
    def filed(self) -> date | None:
        return _yyyymmdd(self.first("FILED AS OF DATE"))

    def primary(self) -> SubmissionDocument | None:
        """Sequence 1 (or the first document)."""
        for doc in self.documents:
            if doc.sequence == 1:
                return doc
        return self.documents[0] if self.documents else None

    def by_filename(self, filename: str) -> SubmissionDocument | None:
        for doc in self.documents:
            if doc.filename.lower() == filename.lower():
                return doc
        return None


def _yyyymmdd(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y%m%d").date() if value else None
    except ValueError:
        return None


def parse_submission(text: str) -> Submission:
    """Parse a complete submission `.txt`; raises SubmissionParseError when it is not one."""
    header = _HEADER.search(text) or _IMS_HEADER.search(text)
    docs = _DOCUMENT.findall(text)
    if header is None and not docs:
        raise SubmissionParseError("not a complete submission file: no <SEC-HEADER> or <DOCUMENT>")
    sub = Submission()
    if header is not None:
        for line in header.group(1).splitlines():
            m = _FIELD.match(line)
            if m and m.group(2):
                sub.fields.setdefault(m.group(1).strip(), []).append(m.group(2))
    acc = _ACCEPTANCE.search(text[:5000])
    if acc:
        sub.accepted_at = datetime.strptime(acc.group(1), "%Y%m%d%H%M%S")
    for block in docs:
        tags = {k.upper(): v.strip() for k, v in _TAG_LINE.findall(block)}
        body = _TEXT.search(block)
        seq = tags.get("SEQUENCE", "")
        sub.documents.append(
            SubmissionDocument(
                type=tags.get("TYPE", ""),
                sequence=int(seq) if seq.isdigit() else None,
                filename=tags.get("FILENAME", ""),
                description=tags.get("DESCRIPTION", ""),
                body=body.group(1) if body else "",
            )
        )
    return sub
