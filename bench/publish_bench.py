"""What one day's publish costs as the archive grows (issue 11).

For each archive size (0, 10,000, 100,000 articles) a fresh SQLite content store is seeded
directly (bulk inserts into articles, publications and the site index; no pipeline), as if
those articles had been published to the destination (its manifest rows and site state are
seeded too). One warm-up day of 100 articles is published onto it, so the shared pages exist;
then the measured day of 100 articles is published by `publish_day`, in a child process per
(size, destination), to a local folder and to S3 (a real SeaweedFS server on 127.0.0.1),
`--repeats` times from the same warmed state (the median wall time is reported, every repeat
is kept; peak RSS is the highest of the repeats). Before each measured publish the restored
state is written out (`os.sync()`): without it, at 100,000 articles the publish's file
creations waited behind the writeback of the 700 MB database copy (0.94 ms per `open`
against 0.26 ms after a sync), which is the restore's cost, not the publish's.
The child reports the wall time of the publish, its peak RSS (VmHWM from /proc) and the S3
requests it sent (botocore `before-call` events on the real client).

    python bench/publish_bench.py                 # sizes 0, 10000, 100000, 5 repeats
    python bench/publish_bench.py --sizes 0,2000  # a quick run
    python bench/publish_bench.py --workdir /dev/shm --results bench/results/publish-tmpfs.json

Writes bench/results/publish.json (machine, load average, every figure) and prints the
README table. The seeded articles' own pages are in the manifest but not written (their
count is what matters to a day's publish, which never reads them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "publish.json"

from filings_pipeline_tests.support.seeded_archive import (  # noqa: E402
    DAY_SIZE,
    KEY,
    NEW_DAY,
    WARM_DAY,
)


def seed(url: str, size: int, destinations: list[str]) -> dict[str, float]:
    """Seed the store (filings_pipeline_tests/support/seeded_archive.py) and the two days."""
    from filings_pipeline.store import ContentStore
    from filings_pipeline_tests.support.seeded_archive import rendered_days
    from filings_pipeline_tests.support.seeded_archive import seed as seed_archive

    started = time.perf_counter()
    store = ContentStore(url)
    seed_archive(store, size, destinations)
    seeded = time.perf_counter() - started
    rendered_days(store, size, [WARM_DAY, NEW_DAY])
    return {"seed_s": round(seeded, 1), "total_s": round(time.perf_counter() - started, 1)}


def child(args: argparse.Namespace) -> None:
    """Publish one day in this process and print its figures as JSON."""
    from filings_pipeline.analysis.schema import AnalysisKey
    from filings_pipeline.phases.publish import publish_day
    from filings_pipeline.publishing.local import LocalFolderPublisher
    from filings_pipeline.publishing.s3 import S3Publisher
    from filings_pipeline.rendering.models import SiteConfig
    from filings_pipeline.store import ContentStore

    requests: Counter[str] = Counter()
    if args.target == "local":
        publisher = LocalFolderPublisher(args.site_dir)
    else:
        import boto3

        client = boto3.session.Session().client(
            "s3",
            endpoint_url=args.endpoint,
            aws_access_key_id=args.access_key,
            aws_secret_access_key=args.secret_key,
            region_name="us-east-1",
        )
        client.meta.events.register(
            "before-call.s3", lambda model, **_: requests.update([model.name])
        )
        publisher = S3Publisher(client, args.bucket, args.prefix)
    store = ContentStore(args.db)
    started = time.perf_counter()
    report = publish_day(
        store, date.fromisoformat(args.day), publisher, SiteConfig(), key=AnalysisKey(*KEY)
    )
    wall = time.perf_counter() - started
    assert not report.broken_links and not report.xml_problems, report.broken_links[:5]
    assert not report.full_rebuild and len(report.published) == DAY_SIZE
    hwm = next(
        int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )  # fmt: skip
    print(
        json.dumps(
            {
                "wall_s": round(wall, 3),
                "peak_rss_mb": round(hwm / 1024, 1),
                "s3_requests": sum(requests.values()),
                "s3_by_operation": dict(requests),
                "files_written": len(report.sync.published) + len(report.sync.updated),
                "files_removed": len(report.sync.removed),
                "files_unchanged": report.sync.unchanged,
                "site_articles": report.site_articles,
                "site_files": report.site_files,
            }
        )
    )


def run_child(day: date, target: str, db: str, site_dir: Path, s3: Any, prefix: str) -> dict:
    cmd = [
        sys.executable, __file__, "--child", "--db", db, "--day", day.isoformat(),
        "--target", target, "--site-dir", str(site_dir), "--prefix", prefix,
    ]  # fmt: skip
    if s3 is not None:
        cmd += ["--endpoint", s3.endpoint_url, "--bucket", s3.bucket]
        cmd += ["--access-key", s3.access_key, "--secret-key", s3.secret_key]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def snapshot(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently (the backup API: WAL content included)."""
    target.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "content_store": "SQLite (WAL) on local disk",
        "s3": "SeaweedFS (weed mini) on 127.0.0.1",
    }


def table(doc: dict[str, Any]) -> str:
    lines = [
        "| articles on the site | destination | publish wall s | peak RSS MB | files written "
        "| files removed | S3 requests |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in doc["runs"]:
        lines.append(
            f"| {r['size']:,} | {r['target']} | {r['wall_s']:.2f} | {r['peak_rss_mb']:.0f} "
            f"| {r['files_written']} | {r['files_removed']} "
            f"| {r['s3_requests'] if r['target'] == 's3' else '–'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--repeats", type=int, default=5, help="measured publishes per size")
    parser.add_argument(
        "--workdir",
        default=None,
        help="where the store and the site folder live (default: the system's temp folder; "
        "/dev/shm takes the disk's latency out and leaves the code's cost)",
    )
    parser.add_argument("--results", default=str(RESULTS), help="the JSON file to write")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    for name in ("db", "day", "target", "site-dir", "endpoint", "bucket", "prefix"):
        parser.add_argument(f"--{name}", default="", help=argparse.SUPPRESS)
    parser.add_argument("--access-key", default="", help=argparse.SUPPRESS)
    parser.add_argument("--secret-key", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from filings_pipeline_tests.support.seaweed import seaweed_s3

    sizes = [int(s) for s in args.sizes.split(",")]
    doc: dict[str, Any] = {
        "what": "one day of 100 articles published onto an archive of N seeded articles",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_before": os.getloadavg(),
        "runs": [],
        "seeding": {},
    }
    doc["workdir"] = args.workdir or tempfile.gettempdir()
    temp = tempfile.TemporaryDirectory(prefix="publish-bench-", dir=args.workdir)
    with temp as tmp, seaweed_s3() as s3:
        for size in sizes:
            work = Path(tmp) / str(size)
            work.mkdir()
            db = f"sqlite:///{work / 'content.db'}"
            prefix = f"bench-{size}"
            s3_dest = f"s3://{s3.bucket}/{prefix}"
            doc["seeding"][size] = seed(db, size, [str(work / "site"), s3_dest])
            print(f"seeded {size:,}: {doc['seeding'][size]}", flush=True)
            # Both destinations show the one site of this store: warm both, then measure.
            targets = [("local", None), ("s3", s3)]
            for target, s3_arg in targets:
                run_child(WARM_DAY, target, db, work / "site", s3_arg, prefix)
            snapshot(work / "content.db", work / "warm.db")
            shutil.copytree(work / "site", work / "warm-site")
            repeats: dict[str, list[dict]] = {t: [] for t, _ in targets}
            for _ in range(args.repeats):
                # Back to the warmed state (the store, its manifests and the folder; the bucket
                # keeps the last repeat's objects, which the restored manifest does not know,
                # so each repeat writes the same files).
                snapshot(work / "warm.db", work / "content.db")
                shutil.rmtree(work / "site")
                shutil.copytree(work / "warm-site", work / "site")
                for target, s3_arg in targets:
                    # The restore just rewrote the database (700 MB at 100,000 articles): let
                    # the kernel write it out first, or the publish's file creations and
                    # fsyncs queue behind that writeback and the bench measures the restore.
                    os.sync()
                    load = os.getloadavg()[0]
                    row = run_child(NEW_DAY, target, db, work / "site", s3_arg, prefix)
                    row.update({"size": size, "target": target, "load_1min": load})
                    repeats[target].append(row)
                    print(json.dumps(row), flush=True)
            for rows in repeats.values():
                walls = [r["wall_s"] for r in rows]
                median = rows[walls.index(statistics.median_low(walls))]
                doc["runs"].append(
                    {**median, "wall_s": statistics.median(walls), "wall_s_repeats": walls,
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in rows)}
                )  # fmt: skip
    walls = {(r["size"], r["target"]): r["wall_s"] for r in doc["runs"]}
    doc["ratio_to_empty"] = {
        f"{t} {n}": round(walls[(n, t)] / walls[(sizes[0], t)], 2)
        for (n, t) in walls
        if n != sizes[0] and (sizes[0], t) in walls
    }  # time at N over time at the first size (target: <= 1.5 at 100,000)
    doc["load_after"] = os.getloadavg()
    doc["machine"]["shared"] = max(doc["load_before"][0], doc["load_after"][0]) > 2
    doc["table"] = table(doc)
    results = Path(args.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    print(doc["table"])
    print("time over time at the first size:", doc["ratio_to_empty"])
    print(f"wrote {results}")


if __name__ == "__main__":
    main()
