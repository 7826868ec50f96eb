"""The scale benchmarks: a folder of Parquet logs (python/bench/generate.py) replayed on one
machine (``wacost.replay``, streamed: memory grows with contacts, not messages) and on a
local Spark (``wacost.spark.replay``), with throughput and peak memory.

    .venv/bin/python python/bench/replay.py single DIR
    .venv/bin/python python/bench/replay.py spark DIR --partitions 8 [--master local[2]]

Prints one JSON line: messages, seconds, messages per second, the total, and the peak
resident memory of this process (single) or of the Python workers and the driver (Spark:
the JVM's own is not counted; see the README for how it was measured).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import pyarrow.parquet as pq


def rows(folder: str) -> int:
    return sum(
        pq.ParquetFile(os.path.join(folder, f)).metadata.num_rows
        for f in sorted(os.listdir(folder))
        if f.endswith(".parquet")
    )


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def single(folder: str) -> dict:
    import wacost

    started = time.monotonic()
    result = wacost.replay(folder, lines=False)
    seconds = time.monotonic() - started
    return {
        "path": "single machine (wacost.replay, streamed)",
        "seconds": round(seconds, 1),
        "total": str(result.total),
        "contacts": result.summary["contacts"],
        "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
    }


def spark(folder: str, partitions: int, master: str, memory: str) -> dict:
    from wacost import spark as wspark
    from wacost.spark.__main__ import read_logs, session

    files = [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".parquet")]
    s = session(master, partitions, memory)
    s.sparkContext.setLogLevel("ERROR")
    try:
        started = time.monotonic()
        df, named = read_logs(s, files)
        result = wspark.replay(df, partitions=partitions, lines=False, files=named)
        seconds = time.monotonic() - started
    finally:
        s.stop()
    return {
        "path": f"Spark {master}, {partitions} partitions (wacost.spark.replay)",
        "seconds": round(seconds, 1),
        "total": str(result.total),
        "contacts": result.summary["contacts"],
        "peak_rss_mb_driver_python": round(peak_mb(resource.RUSAGE_SELF)),
        "peak_rss_mb_python_workers": round(peak_mb(resource.RUSAGE_CHILDREN)),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("how", choices=["single", "spark"])
    p.add_argument("dir")
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--master", default="local[2]")
    p.add_argument("--driver-memory", default="8g")
    args = p.parse_args()
    n = rows(args.dir)
    if args.how == "single":
        out = single(args.dir)
    else:
        out = spark(args.dir, args.partitions, args.master, args.driver_memory)
    out["messages"] = n
    out["messages_per_second"] = round(n / out["seconds"])
    out["load_1min_at_end"] = os.getloadavg()[0]
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
