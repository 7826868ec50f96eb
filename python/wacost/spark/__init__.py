"""wacost on Apache Spark: a replay partitioned by (business number, contact).

``wacost.spark.replay(df)`` prices a Spark DataFrame with the canonical columns and gives
the totals of ``wacost replay`` on the same rows, to the last decimal:

1. each input partition's rows are parsed by the core (a narrow ``mapInArrow``): the
   business number and contact as the core normalizes them, the timestamp as the core reads
   it;
2. Spark repartitions the events by (business number, contact), sorts each partition by
   (time, source file, row), and ``mapInArrow`` runs the core's classifier on each: the
   charge lines, and what settlement needs: the partition's ledger rows, its allowance
   candidates (at most the allowance's size per scope and month) and its volume counters;
3. Spark reduces those (the ledger is a Spark aggregation; the candidates of each allowance
   are ranked by the core's precedence and cut to the allowance's size), and the driver
   settles exactly: the adjustment lines one pass would add.

Rate cards and options travel with the functions, as text: nothing reads files on the
executors. Each executor needs the ``wacost`` package (install the wheel as a cluster
library).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, Iterator

import pyarrow as pa

import wacost
from wacost import _native

__all__ = ["replay", "SparkResult"]

#: Canonical columns passed to the executors (any others are dropped before the shuffle).
CANONICAL = (
    "timestamp", "business", "contact", "direction", "message_type", "category", "status",
    "message_id", "entry_point", "waba", "tokens", "template",
)  # fmt: skip


@dataclass
class SparkResult:
    """A log priced on Spark: ``lines`` (a DataFrame of charge lines, or None when
    ``lines=False``), ``ledger`` (a DataFrame of ledger rows), ``summary`` (the document
    ``wacost replay --format json`` prints) and ``total`` (exact)."""

    total: Decimal
    summary: dict
    ledger: Any
    lines: Any
    _cached: Any = None

    def unpersist(self) -> None:
        """Frees the classified partitions Spark keeps for ``lines``."""
        if self._cached is not None:
            self._cached.unpersist()
            self._cached = None


# ---------------------------------------------------------------------------------------
# Schemas: the native module says its columns; Spark and pyarrow get them from here.

_SPARK_TYPES = {
    "text": "string",
    "int": "bigint",
    "bool": "boolean",
    "decimal": "decimal(38,10)",
    "date": "date",
    "time": "timestamp",
}

_ARROW_TYPES = {
    "text": pa.string(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "decimal": pa.decimal128(38, 10),
    "date": pa.date32(),
    "time": pa.timestamp("us", tz="UTC"),
}

_EVENT_COLUMNS = [
    ("_record", "text"), ("_time", "int"), ("_file", "int"), ("_row", "int"),
    ("business", "text"), ("waba", "text"), ("contact", "int"), ("direction", "int"),
    ("kind", "int"), ("status", "int"), ("message_id", "text"), ("entry_point", "int"),
    ("tokens", "int"), ("template", "text"), ("_row_end", "int"), ("_time_end", "int"),
    ("_in_order", "bool"), ("_error", "text"),
    ("_reason", "text"), ("_raw", "text"),
]  # fmt: skip


def _ddl(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"`{n}` {_SPARK_TYPES[k]}" for n, k in columns)


def _arrow_schema(columns: list[tuple[str, str]]) -> pa.Schema:
    return pa.schema([pa.field(n, _ARROW_TYPES[k]) for n, k in columns])


def _output_columns() -> list[tuple[str, str]]:
    return list(_native.PartitionClassifier.columns())


def _batches(stream: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    for b in pa.RecordBatchReader.from_stream(stream):
        if b.num_rows:
            yield pa.RecordBatch.from_arrays(
                [c.cast(schema.field(i).type) for i, c in enumerate(b.columns)], schema=schema
            )


# ---------------------------------------------------------------------------------------
# The functions Spark runs on the executors (module-level, so that they pickle by name).


def _parse_task(options: str, files: str, batches: Iterator[pa.RecordBatch]):
    schema = _arrow_schema(_EVENT_COLUMNS)
    parser = _native.EventParser(options, files)
    for b in batches:
        yield from _batches(parser.parse(pa.Table.from_batches([b])), schema)
    yield from _batches(parser.finish(), schema)


def _classify_task(options: str, keep_lines: bool, batches: Iterator[pa.RecordBatch]):
    columns = _output_columns()
    schema = _arrow_schema(columns)
    classifier = _native.PartitionClassifier(options, keep_lines)
    for b in batches:
        yield from _batches(classifier.push(pa.Table.from_batches([b])), schema)
    yield from _batches(classifier.finish(), schema)


# ---------------------------------------------------------------------------------------
# Errors raised on an executor come back inside Spark's exception, as text.

_INPUT_ERROR = re.compile(r"InputError: (.+)")
_PLACE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<reason>.*)$")


def _input_error(message: str) -> wacost.InputError:
    err = wacost.InputError(message)
    m = _PLACE.match(message)
    err.file = m.group("file") if m else None
    err.line = int(m.group("line")) if m else None
    err.reason = m.group("reason") if m else message
    return err


def _run(action):
    """Runs a Spark action; an InputError raised on an executor is raised here again."""
    try:
        return action()
    except Exception as e:  # Spark wraps what the executor raised
        found = _INPUT_ERROR.findall(str(e))
        if found and not isinstance(e, wacost.InputError):
            raise _input_error(found[-1].strip()) from None
        raise


def _rows(df) -> list[dict]:
    """A small DataFrame's rows as dicts (through Arrow when this Spark has it)."""
    if hasattr(df, "toArrow"):
        return df.toArrow().to_pylist()
    return [r.asDict() for r in df.collect()]


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


# ---------------------------------------------------------------------------------------


def _prepared(df, F):
    """The input with only the canonical columns, and `_file`, `_row` for the order of rows
    at one instant: the DataFrame's `source_file` and `row` columns when it has them, else
    the DataFrame's own order."""
    names = {c.lower(): c for c in df.columns}
    keep = [F.col(f"`{names[c]}`").alias(c) for c in CANONICAL if c in names]
    if "_file" in df.columns and "_row" in df.columns:
        order = [F.col("_file").cast("bigint").alias("_file"), F.col("_row").cast("bigint").alias("_row")]
    else:
        file = F.col(f"`{names['source_file']}`") if "source_file" in names else F.lit(0)
        row = (
            F.col(f"`{names['row']}`")
            if "row" in names
            else F.monotonically_increasing_id()
        )
        order = [file.cast("bigint").alias("_file"), row.cast("bigint").alias("_row")]
    return df.select(*keep, *order)


def _in_time_order(segments: list[dict]) -> bool | None:
    """Whether the rows, in (file, row) order, were in time order, from what each input
    partition saw of each file; None when partitions interleave rows (unknown)."""
    segs = sorted(segments, key=lambda s: (s["_file"], s["_row"]))
    latest = None
    last_key = None
    for s in segs:
        if s["_in_order"] is None:
            return None  # the partition held the rows out of their order
        if last_key is not None and (s["_file"], s["_row"]) <= last_key:
            return None
        if not s["_in_order"]:
            return False
        if latest is not None and s["_time"] < latest:
            return False
        latest = s["_time_end"] if latest is None else max(latest, s["_time_end"])
        last_key = (s["_file"], s["_row_end"])
    return True


def _any_late(events, F, Window) -> bool:
    """Whether a row, in (file, row) order, is earlier than one before it, by a window over
    (file, row): for inputs whose partitions interleave rows."""
    w = Window.orderBy("_file", "_row").rowsBetween(Window.unboundedPreceding, -1)
    late = events.filter(F.col("_record") == "event").select(
        (F.max("_time").over(w) > F.col("_time")).alias("late")
    )
    return late.filter(F.col("late")).limit(1).count() > 0


def replay(
    df,
    *,
    partitions: int | None = None,
    lines: bool = True,
    files: list[tuple[str, int]] | None = None,
    **options: Any,
) -> SparkResult:
    """Prices a Spark DataFrame with the canonical columns, partitioned by (business number,
    contact), with the totals of ``wacost replay`` on the same rows.

    ``partitions`` is how many partitions to classify in (default: Spark's default
    parallelism). Rows at one instant keep the order of the DataFrame's ``source_file`` and
    ``row`` columns when it has them (integers), else the DataFrame's own order.
    ``lines=False`` hands back no charge lines (the ledger and summary only). ``files`` names
    the ``source_file`` indexes in messages, with the line of each file's row 0. The other
    keyword arguments are ``wacost.replay``'s (``service_allowance=``, ``rate_card=``…).

    The classified partitions are cached (``persist``) so that ``lines`` is not classified
    again; ``SparkResult.unpersist()`` frees them.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    opts = json.dumps(wacost._options(**options))
    files_json = json.dumps([{"name": n, "first_line": int(first)} for n, first in files or []])
    spark = df.sparkSession
    n = int(partitions or spark.sparkContext.defaultParallelism)
    if n < 1:
        raise ValueError("partitions: give 1 or more")
    # Bad options and rate cards fail here, on the driver, before any task starts: settling
    # nothing builds the rate book and checks every option the executors will use.
    _native.settle(opts, [], [])
    events = _prepared(df, F).mapInArrow(
        partial(_parse_task, opts, files_json), _ddl(_EVENT_COLUMNS)
    )
    out_columns = _output_columns()
    classified = (
        events.repartition(n, "business", "contact")
        .sortWithinPartitions("_time", "_file", "_row")
        .mapInArrow(partial(_classify_task, opts, bool(lines)), _ddl(out_columns))
        .persist()
    )
    state = classified.filter(F.col("_record") != "line")

    small = _run(
        lambda: _rows(
            state.filter(F.col("_record").isin("stats", "segment")).select(
                "_record", "_payload", "_file", "_row", "_row_end", "_time", "_time_end",
                "_in_order",
            )
        )
    )  # fmt: skip
    counts: dict = {}
    facts: list = []
    activity: list = []
    for r in small:
        if r["_record"] == "stats":
            for k, v in json.loads(r["_payload"]).items():
                if k == "facts":
                    # What the rules of 2026 did, merged by the core on the driver.
                    facts.append(v)
                elif k == "activity":
                    # Contacts and conversations by month and market, added up there too.
                    activity.append(v)
                else:
                    counts[k] = counts.get(k, 0) + v
    segments = [r for r in small if r["_record"] == "segment"]
    in_order = _in_time_order(segments)
    if in_order is None:
        in_order = not _run(lambda: _any_late(events, F, Window))

    skipped: dict = {}
    if options.get("skip_invalid"):
        for r in _run(
            lambda: _rows(
                state.filter(F.col("_record") == "error").groupBy("_reason").count()
            )
        ):
            skipped[r["_reason"]] = r["count"]

    # The allowance candidates: each allowance's earliest `size`, by the core's precedence
    # (time, business number by name, contact, position), then settled by the core.
    rank = Window.partitionBy("_scope", "_month", "category").orderBy(
        "_time", "business", "_contact", "_position"
    )
    candidates = _run(
        lambda: _rows(
            state.filter(F.col("_record") == "candidate")
            .withColumn("_rank", F.row_number().over(rank))
            .filter(F.col("_rank") <= F.col("_size"))
            .select("_payload")
        )
    )
    volumes = _run(
        lambda: _rows(
            state.filter(F.col("_record") == "volume")
            .groupBy("_payload")
            .agg(F.sum("_count").alias("_count"))
        )
    )
    keys = ["date", "business", "market", "country", "category", "pricing_type", "line_kind"]
    ledger_rows = _run(
        lambda: _rows(
            state.filter(F.col("_record") == "ledger")
            .groupBy(*keys)
            .agg(
                F.sum("lines").alias("lines"),
                F.sum("quantity").alias("quantity"),
                F.sum("billed").alias("billed"),
                F.sum("estimated").alias("estimated"),
                F.sum("amount").alias("amount"),
                F.max("_scale").alias("_scale"),
            )
        )
    )
    adjustments, adjustment_rows, notes = _native.settle(
        opts,
        [r["_payload"] for r in candidates],
        [(r["_payload"], int(r["_count"])) for r in volumes],
    )
    run = {
        "counts": {
            k: int(counts.get(k, 0))
            for k in (
                "events", "inbound", "outbound", "duplicates", "late_status",
                "rejected_free_form", "missing_rate", "estimated_rates_used", "contacts",
            )
        },
        "facts": facts,
        "activity": activity,
        "notes": json.loads(notes),
        "skipped": skipped,
        "sorted": not in_order,
    }  # fmt: skip
    summary, ledger = _native.summarize(
        opts, [_json(r) for r in ledger_rows] + list(adjustment_rows), json.dumps(run)
    )
    summary = json.loads(summary)
    ledger_table = pa.RecordBatchReader.from_stream(ledger).read_all()
    ledger_df = _dataframe(spark, ledger_table)
    lines_df = None
    if lines:
        adjustment_table = pa.RecordBatchReader.from_stream(adjustments).read_all()
        names = list(wacost.LINE_COLUMNS)
        lines_df = (
            classified.filter(F.col("_record") == "line")
            .select(*names)
            .unionByName(_dataframe(spark, adjustment_table))
        )
    else:
        classified.unpersist()
    return SparkResult(
        total=Decimal(summary["total"]),
        summary=summary,
        ledger=ledger_df,
        lines=lines_df,
        _cached=classified if lines else None,
    )


def _dataframe(spark, table: pa.Table):
    """A small Arrow table as a Spark DataFrame (timestamps in microseconds, as Spark's)."""
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_timestamp(t):
            t = pa.timestamp("us", tz="UTC")
        fields.append(pa.field(f.name, t))
    table = table.cast(pa.schema(fields))
    ddl = ", ".join(f"`{f.name}` {_spark_type(f.type)}" for f in table.schema)
    if table.num_rows == 0:
        return spark.createDataFrame([], ddl)
    try:
        return spark.createDataFrame(table, schema=ddl)
    except TypeError:  # a Spark that takes no Arrow tables
        return spark.createDataFrame(table.to_pandas(), schema=ddl)


def _spark_type(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_int64(t):
        return "bigint"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_date32(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    raise TypeError(f"no Spark type for {t}")
