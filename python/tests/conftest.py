"""What the tests share: the ``wacost`` binary they compare with, a generated log whose
service allowance runs out, and one Spark session for the whole suite (Spark starts slowly)."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wacost_bin() -> Path:
    """The CLI the Python results must equal: $WACOST_BIN, else target/debug/wacost (built by
    `cargo build` when missing)."""
    given = os.environ.get("WACOST_BIN")
    if given:
        return Path(given)
    path = ROOT / "target" / "debug" / "wacost"
    if not path.exists():
        subprocess.run(["cargo", "build", "--bin", "wacost"], cwd=ROOT, check=True)
    return path


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the CLI from the repository's root."""
    return subprocess.run(
        [str(wacost_bin()), *args], cwd=ROOT, capture_output=True, text=True, check=check
    )


def cli_json(*args: str) -> dict:
    """`wacost replay ARGS --format json`, parsed."""
    return json.loads(cli("replay", *args, "--format", "json").stdout)


def cli_lines(tmp: Path, *args: str) -> list[dict]:
    """The lines `wacost replay ARGS --out DIR` writes to lines.csv."""
    out = tmp / "cli-out"
    cli("replay", *args, "--out", str(out))
    with open(out / "lines.csv", newline="", encoding="utf-8") as f:
        return [{k: csv_cell(v) for k, v in row.items()} for row in csv.DictReader(f)]


def csv_cell(v: str) -> str:
    """A CSV cell as the value it holds: wacost puts a `'` before text that a spreadsheet
    would read as a formula (`'+55*********21`), which no other output has."""
    if v.startswith("'") and v[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return v[1:]
    return v


# Business numbers of the generated log: the first has most of the traffic, so that its
# 1,000 free service messages of November run out; the others share a WABA.
BUSINESSES = [
    ("+1 555 0100 001", "waba-a"),
    ("+1 555 0100 002", "waba-b"),
    ("+1 555 0100 003", "waba-b"),
    ("+44 7700 900 004", "waba-c"),
]

# Contacts in four markets (Brazil, India, Mexico, Indonesia).
PREFIXES = ["+55119", "+91987", "+52155", "+62812"]


def generate_log(path: Path, *, conversations: int = 1_700, seed: int = 7) -> int:
    """Writes a canonical CSV log of October and November 2026 (the reported service
    allowance: the first 1,000 service messages per business number and month are free):
    users write and businesses answer with free-form messages inside the window (service
    messages), send templates of every category, some from ads, some failed or first `sent`
    then delivered, some rows duplicated; many rows share a second. In time order. Returns
    the rows written."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 30, tzinfo=timezone.utc)
    rows = []
    n = 0

    def at(t: datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    for c in range(conversations):
        b = 0 if rng.random() < 0.7 else rng.randrange(1, len(BUSINESSES))
        business, waba = BUSINESSES[b]
        contact = PREFIXES[c % 4] + f"{c:07d}"
        # Conversations start within five days, at whole minutes: many share a second.
        t = start + timedelta(minutes=rng.randrange(0, 5 * 24 * 60))

        def row(direction, kind="", category="", status="", entry="", same=False):
            nonlocal n, t
            if not same:
                t += timedelta(seconds=rng.choice([0, 0, 1, 30, 600]))
            n += 1
            rows.append(
                [at(t), business, contact, direction, kind, category, status, f"m{n}", entry, waba]
            )
            return rows[-1]

        if rng.random() < 0.25:
            row("outbound", "template", rng.choice(["marketing", "utility", "authentication"]),
                rng.choice(["delivered", "read", "failed"]))  # fmt: skip
        row("inbound", entry="ctwa_ad" if rng.random() < 0.1 else "")
        for _ in range(rng.randrange(1, 4)):
            r = rng.random()
            if r < 0.05:
                sent = row("outbound", "free_form", status="sent")
                # The delivery report, a minute later: one message, delivered.
                report = list(sent)
                report[0] = at(t + timedelta(minutes=1))
                report[6] = "delivered"
                rows.append(report)
            elif r < 0.08:
                dup = row("outbound", "free_form", status="delivered", same=True)
                rows.append(list(dup))
            else:
                row("outbound", "free_form", status=rng.choice(["delivered", "read"]), same=r < 0.3)
        if rng.random() < 0.15:
            row("outbound", "template", "utility", "delivered")
    rows.sort(key=lambda r: r[0])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["timestamp", "business", "contact", "direction", "message_type", "category",
             "status", "message_id", "entry_point", "waba"]
        )  # fmt: skip
        w.writerows(rows)
    return len(rows)


@pytest.fixture(scope="session")
def generated_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "generated.csv"
    generate_log(path)
    return path


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for the suite."""
    pytest.importorskip("pyspark")
    from wacost.spark.__main__ import session

    s = session("local[2]", partitions=8)
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def at_the_root(monkeypatch):
    """Tests run from the repository's root, as the CLI they compare with does (file names
    appear in messages and notes as given)."""
    monkeypatch.chdir(ROOT)
