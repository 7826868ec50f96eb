"""``python -m wacost.spark replay LOG... --partitions N``: the partitioned replay on a local
Spark (``local[2]`` unless ``--master`` says otherwise), for canonical CSV and Parquet logs,
files or folders of them. Prints the summary as ``wacost replay`` does; ``--out DIR`` writes
the lines (``DIR/lines/``, Parquet), the ledger (``DIR/ledger.parquet``) and the summary
(``DIR/summary.json``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import wacost
from wacost import _native


def _logs(paths: list[str]) -> list[str]:
    """The files behind LOG arguments: a folder is its .csv and .parquet files, in name
    order."""
    out: list[str] = []
    for p in paths:
        if not os.path.exists(p):
            raise FileNotFoundError(p)
        if os.path.isdir(p):
            found = wacost._folder(p)
            if found == [p]:
                raise ValueError(f"{p}: no .csv or .parquet files in this folder")
            out.extend(found)
        else:
            out.append(p)
    return out


def session(master: str = "local[2]", partitions: int = 2, memory: str | None = None):
    """A local Spark session for wacost: files read whole (one partition each, rows in
    order), UTC, the executors' Python this one."""
    from pyspark.sql import SparkSession

    # The executors' Python is this one (with wacost installed), whatever the environment.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    builder = (
        SparkSession.builder.master(master)
        .appName("wacost")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.files.maxPartitionBytes", str(1 << 40))
        .config("spark.sql.files.openCostInBytes", str(1 << 40))
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "65536")
    )
    if memory:
        builder = builder.config("spark.driver.memory", memory)
    return builder.getOrCreate()


def read_logs(spark, files: list[str]):
    """The logs as one DataFrame with `_file` (the file's index) and `_row` (the row's index
    in its file): each file is one partition, read in order. Returns the DataFrame and the
    files with the line of their row 0 (2 for CSV, after the header; 1 for Parquet)."""
    from pyspark.sql import functions as F

    frames = []
    named = []
    for i, path in enumerate(files):
        if wacost._is_parquet(path):
            df = spark.read.parquet(os.path.abspath(path))
            first = 1
        else:
            df = (
                spark.read.option("header", True)
                .option("inferSchema", False)
                .option("multiLine", True)
                .option("escape", '"')
                .csv(os.path.abspath(path))
            )
            first = 2
        row = F.monotonically_increasing_id() - F.shiftleft(
            F.spark_partition_id().cast("bigint"), 33
        )
        df = df.select(
            *[F.col(f"`{c}`").cast("string").alias(c.strip().lower()) for c in df.columns]
        )
        frames.append(df.withColumn("_file", F.lit(i).cast("bigint")).withColumn("_row", row))
        named.append((path, first))
    df = frames[0]
    for f in frames[1:]:
        df = df.unionByName(f, allowMissingColumns=True)
    return df, named


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m wacost.spark",
        description="Price message logs on Spark, partitioned by (business number, contact).",
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("replay", help="price canonical CSV or Parquet logs (files or folders)")
    r.add_argument("logs", nargs="+", metavar="LOG")
    r.add_argument("--partitions", type=int, default=None, help="partitions to classify in")
    r.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    r.add_argument("--driver-memory", default=None)
    r.add_argument("--format", choices=["table", "json"], default="table")
    r.add_argument("--out", metavar="DIR", help="write lines/, ledger.parquet, summary.json")
    r.add_argument("--timezone", default="UTC")
    r.add_argument("--currency", default="USD")
    r.add_argument("--service-allowance", type=int, default=None)
    r.add_argument("--allowance-scope", choices=["number", "waba"], default=None)
    r.add_argument("--rate-card", action="append", default=[])
    r.add_argument("--effective", action="append", default=[])
    r.add_argument("--regimes", default=None)
    r.add_argument("--business-country", default=None)
    r.add_argument("--auth-international-eligible", action="store_true")
    r.add_argument("--skip-invalid", action="store_true")
    r.add_argument("--show-contacts", action="store_true")
    r.add_argument("--timings", action="store_true", help="print the time taken to stderr")
    args = p.parse_args(argv)
    try:
        files = _logs(args.logs)
    except (OSError, ValueError) as e:
        print(f"wacost: {e}", file=sys.stderr)
        return 2
    partitions = args.partitions or 2
    started = time.monotonic()
    from pyspark.sql import SparkSession

    # A session already running (a test suite's, a notebook's) is used, and left running.
    ours = SparkSession.getActiveSession() is None
    spark = session(args.master, partitions, args.driver_memory)
    if ours:
        spark.sparkContext.setLogLevel("ERROR")
    try:
        df, named = read_logs(spark, files)
        from wacost import spark as wspark

        result = wspark.replay(
            df,
            partitions=partitions,
            lines=args.out is not None,
            files=named,
            timezone=args.timezone,
            currency=args.currency,
            service_allowance=args.service_allowance,
            allowance_scope=args.allowance_scope,
            rate_card=args.rate_card or None,
            effective=args.effective or None,
            regimes=args.regimes,
            business_country=args.business_country,
            auth_international_eligible=args.auth_international_eligible,
            skip_invalid=args.skip_invalid,
            show_contacts=args.show_contacts,
        )
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            result.lines.write.mode("overwrite").parquet(os.path.join(args.out, "lines"))
            import pyarrow.parquet as pq

            ledger = wspark._rows(result.ledger)
            import pyarrow as pa

            pq.write_table(pa.Table.from_pylist(ledger), os.path.join(args.out, "ledger.parquet"))
            with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
                f.write(json.dumps(result.summary, indent=2) + "\n")
        doc = json.dumps(result.summary)
        if args.format == "json":
            print(_native.summary_json(doc))
        else:
            print(_native.summary_text(doc), end="")
    except wacost.InputError as e:
        print(f"wacost: {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"wacost: {e}", file=sys.stderr)
        return 2
    finally:
        if args.timings:
            print(f"wacost: {time.monotonic() - started:.1f} s", file=sys.stderr)
        if ours:
            spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
