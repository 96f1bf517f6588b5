"""Independent, minimal readers of EDGAR's real formats, used to check generated files.

Each reader is first checked against the real fixture files (when ../shared is present), so a
generated file that these read is one a parser written for the real files reads too.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / ".." / "shared" / "fixtures" / "edgar"
SKIP_REASON = "../shared/fixtures/edgar not present (a user's clone has no ../shared)"

# edgar.md section 2: the right-to-left row regex.
ROW_RE = re.compile(
    r"^(?P<left>.+?)\s+(?P<cik>\d{1,10})\s+(?P<date>\d{8}|\d{4}-\d{2}-\d{2})\s+"
    r"(?P<path>edgar/data/\d+/[\d-]+\.txt)\s*$"
)


def data_lines(text: str) -> list[str]:
    """Lines after the first line that starts with -----."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("-----"):
            return [ln for ln in lines[i + 1 :] if ln.strip()]
    raise ValueError("no ----- line")


def parse_form_index(raw: bytes) -> tuple[list[dict], list[str]]:
    """Rows of a form.*.idx (right-to-left regex) and the lines that did not parse."""
    rows, bad = [], []
    for line in data_lines(raw.decode("latin-1")):
        m = ROW_RE.match(line)
        if not m:
            bad.append(line)
            continue
        left = m["left"]
        rows.append({
            "form": left[:12].strip(), "company": left[12:].strip(), "cik": int(m["cik"]),
            "date": m["date"], "path": m["path"], "accession": m["path"][-24:-4],
        })  # fmt: skip
    return rows, bad


def parse_master_index(raw: bytes) -> tuple[list[dict], list[str]]:
    """Rows of a master.*.idx (5 pipe fields) and the lines that did not parse."""
    rows, bad = [], []
    for line in data_lines(raw.decode("latin-1")):
        parts = line.split("|")
        if len(parts) != 5 or not parts[0].isdigit():
            bad.append(line)
            continue
        cik, company, form, date, path = parts
        rows.append({"cik": int(cik), "company": company, "form": form, "date": date,
                     "path": path, "accession": path[-24:-4]})  # fmt: skip
    return rows, bad


def parse_index_page(html: bytes | str) -> dict:
    """The facts a fetcher takes from a real ``-index.html`` page."""
    soup = BeautifulSoup(html, "lxml")
    info: dict[str, object] = {}
    for head in soup.select("div.infoHead"):
        value = head.find_next_sibling("div", class_="info")
        if value is None:
            continue
        if head.get_text(strip=True) == "Items":
            info["Items"] = [s.strip() for s in value.get_text("\n").split("\n") if s.strip()]
        else:
            info[head.get_text(strip=True)] = value.get_text(strip=True)
    table = soup.select_one('table.tableFile[summary="Document Format Files"]')
    docs = []
    for tr in table.find_all("tr")[1:]:
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        link = tr.find("a")
        docs.append(
            {
                "seq": cells[0].replace("\xa0", "").strip(),
                "description": cells[1],
                "document": link.get_text(strip=True) if link else "",
                "href": link["href"] if link else "",
                "type": cells[3].replace("\xa0", "").strip(),
                "size": cells[4],
            }
        )
    company = soup.select_one("span.companyName").get_text(" ", strip=True)
    m = re.search(r"^(?P<name>.*?) \(Filer\).*?CIK\s*:\s*(?P<cik>\d{10})", company)
    return {
        "info": info,
        "documents": docs,
        "company": m["name"] if m else None,
        "cik": int(m["cik"]) if m else None,
        "item_codes": [
            re.match(r"Item (\d\.\d\d):", s)[1]
            for s in info.get("Items", [])  # type: ignore
        ],
    }


def document_text(html: bytes) -> str:
    """Visible text of an HTML/iXBRL document (hidden ix:header removed), whitespace folded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(["ix:header", "script", "style"]):
        tag.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" ").replace("\xa0", " ")).strip()
