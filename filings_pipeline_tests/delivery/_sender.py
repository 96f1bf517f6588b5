"""A separate sending process for the crash and concurrency tests: one deliver_digest call.

    python -m filings_pipeline_tests.delivery._sender DB_URL PORT RECIPIENTS_FILE
Prints the report as JSON on its last line.
"""

from __future__ import annotations

import dataclasses
import json
import sys

from filings_pipeline.delivery import deliver_digest
from filings_pipeline.delivery.config import parse_recipients
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.delivery.conftest import DAY, SITE, smtp_config


def main() -> None:
    db_url, port, recipients = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    from pathlib import Path

    config = smtp_config(port, list(parse_recipients(f"@{recipients}")), Path(recipients).parent)
    report = deliver_digest(ContentStore(db_url), DAY, SITE, config, run_id="sender")
    out = dataclasses.asdict(report)
    out["day"] = report.day.isoformat()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
