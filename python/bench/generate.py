"""Writes a large generated log as a folder of Parquet files with the canonical columns, in
time order (file after file), for the scale benchmarks.

    .venv/bin/python python/bench/generate.py DIR --messages 100000000 --contacts 5000000

Three months (2026-10-01 to 2026-12-31, the reported service allowance in force), four
business numbers, contacts in four markets; 40 % of rows inbound, the rest business
messages: free-form replies (service messages) and templates of every category, 3 % failed.
Timestamps are Unix seconds (int64), contacts E.164 digits (int64); message ids are left
out (``--ids`` adds them: 100 million distinct strings make the files much larger).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = 1_790_812_800  # 2026-10-01T00:00:00Z
END = 1_798_761_600  # 2027-01-01T00:00:00Z
BUSINESSES = np.array(["15550100001", "15550100002", "15550100003", "447700900004"])
# Calling code and the first digits of a mobile number: Brazil, India, Mexico, Indonesia.
PREFIXES = np.array([55119_0000_0000, 91987_000_0000, 52155_0000_0000, 62812_0000_0000])


def chunk(rng: np.random.Generator, n: int, t0: int, t1: int, contacts: int, ids: int | None):
    """`n` rows between `t0` and `t1`, in time order."""
    t = np.sort(rng.integers(t0, t1, n, dtype=np.int64))
    who = rng.integers(0, contacts, n, dtype=np.int64)
    # A contact always writes to the same business number, and lives in one market.
    business = BUSINESSES[who % len(BUSINESSES)]
    contact = PREFIXES[(who // len(BUSINESSES)) % len(PREFIXES)] + who
    inbound = rng.random(n) < 0.4
    kind = rng.random(n)
    template = ~inbound & (kind < 0.35)
    category = np.where(kind < 0.1, "marketing", np.where(kind < 0.3, "utility", "authentication"))
    status = np.where(rng.random(n) < 0.03, "failed", "delivered")
    columns = {
        "timestamp": pa.array(t),
        "business": pa.array(business),
        "contact": pa.array(contact),
        "direction": pa.array(np.where(inbound, "inbound", "outbound")),
        "message_type": pa.array(np.where(inbound, "", np.where(template, "template", "free_form"))),
        "category": pa.array(np.where(template, category, "")),
        "status": pa.array(np.where(inbound, "", status)),
    }
    if ids is not None:
        columns["message_id"] = pa.array([f"wamid.{ids + i}" for i in range(n)])
    return pa.table(columns)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--messages", type=int, default=100_000_000)
    p.add_argument("--contacts", type=int, default=5_000_000)
    p.add_argument("--files", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ids", action="store_true", help="add a message_id column")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    started = time.monotonic()
    per_file = args.messages // args.files
    span = (END - START) // args.files
    written = 0
    for i in range(args.files):
        n = per_file if i < args.files - 1 else args.messages - written
        t0 = START + i * span
        t1 = END if i == args.files - 1 else t0 + span
        table = chunk(rng, n, t0, t1, args.contacts, written if args.ids else None)
        pq.write_table(table, os.path.join(args.dir, f"part-{i:04d}.parquet"), row_group_size=1 << 20)
        written += n
    size = sum(os.path.getsize(os.path.join(args.dir, f)) for f in os.listdir(args.dir))
    print(
        f"{written} messages, {args.contacts} contacts, {args.files} files, "
        f"{size / 1e9:.2f} GB, in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
