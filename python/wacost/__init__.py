"""What WhatsApp Business messaging costs, exactly: wacost for Python.

``wacost.replay`` prices a message log (a file in any format the ``wacost`` command reads, a
folder or list of them, or a pyarrow, polars or pandas table with the canonical columns) and
gives the same totals as ``wacost replay``; ``wacost.quote``, ``wacost.rates``,
``wacost.simulate`` and ``wacost.compare`` mirror the other commands. ``wacost.spark.replay``
prices a Spark DataFrame on a cluster.

Amounts are ``decimal.Decimal`` (Decimal128 in tables): never floats.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence, Union

import pyarrow as pa

from . import _native
from ._native import InputError

__all__ = [
    "InputError",
    "Result",
    "replay",
    "quote",
    "rates",
    "simulate",
    "compare",
    "LINE_COLUMNS",
    "LEDGER_COLUMNS",
]

__version__ = _native.__version__

PathLike = Union[str, "os.PathLike[str]"]

#: The columns of ``Result.lines`` (those of ``wacost replay --out``'s ``lines.csv``).
LINE_COLUMNS = (
    "line_kind", "time", "date", "business", "waba", "contact", "message_id",
    "message_type", "template_category", "status", "pricing_model", "pricing_category",
    "pricing_type", "billable", "market", "country", "rate", "amount", "currency",
    "quantity", "conversation_id", "provenance", "card_effective", "reason",
    "meta_pricing_type", "meta_category", "meta_billable",
)  # fmt: skip

#: The columns of ``Result.ledger`` (those of ``ledger.parquet``).
LEDGER_COLUMNS = (
    "date", "month", "business", "market", "country", "category", "pricing_type",
    "line_kind", "currency", "lines", "quantity", "billed", "estimated", "amount",
)  # fmt: skip


@dataclass(frozen=True)
class Result:
    """A priced log.

    ``total`` is the exact sum of every line; ``summary`` is the document
    ``wacost replay --format json`` prints; ``ledger`` and ``lines`` are pyarrow tables
    (amounts as Decimal128(38, 10)), ``lines`` is None when ``lines=False`` was given.
    """

    total: Decimal
    summary: dict
    ledger: pa.Table
    lines: pa.Table | None

    def __repr__(self) -> str:
        lines = "not kept" if self.lines is None else f"{self.lines.num_rows} lines"
        return (
            f"wacost.Result(total={self.summary['currency']} {self.total}, "
            f"messages={self.summary['messages']}, {lines})"
        )


# ---------------------------------------------------------------------------------------
# Options: the command line's flags as keyword arguments, data files read here (so that the
# same options travel to Spark's executors, where nothing reads files).


def _read_text(path: PathLike) -> str:
    with open(os.fspath(path), encoding="utf-8") as f:
        return f.read()


def _data_file(path: PathLike, effective: str | None = None) -> dict:
    return {"name": os.fspath(path), "text": _read_text(path), "effective": effective}


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike, _dt.date)):
        return [value]
    return list(value)


def _date_text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        raise ValueError(f"{what}: give a date, not a date and time")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise ValueError(f"{what}: give a date such as '2026-01-01'")


def _options(
    *,
    timezone: str = "UTC",
    currency: str = "USD",
    service_allowance: int | None = None,
    allowance_scope: str | None = None,
    rate_card: PathLike | Sequence[PathLike] | None = None,
    effective: Any = None,
    regimes: PathLike | None = None,
    business_country: str | None = None,
    auth_international_eligible: bool = False,
    skip_invalid: bool = False,
    show_contacts: bool = False,
    input_format: str | None = None,
    template_category: str | None = None,
    template_map: PathLike | None = None,
    business_name: str | None = None,
    business_number: str | None = None,
    chat_contact: str | None = None,
    chat_timezone: str | None = None,
    delimiter: str | None = None,
    date_format: str | None = None,
) -> dict:
    """The options document the native module takes (see ``python/src/options.rs``)."""
    if service_allowance is not None:
        if isinstance(service_allowance, bool) or not isinstance(service_allowance, int):
            raise ValueError("service_allowance: give a whole number of messages")
        if service_allowance < 0:
            raise ValueError("service_allowance: give a number of messages, 0 or more")
    cards = _as_list(rate_card)
    dates = [_date_text(d, "effective") for d in _as_list(effective)]
    if len(dates) > len(cards):
        raise ValueError(
            "effective given more often than rate_card: each date belongs to one card, in order"
        )
    for name, value in (("timezone", timezone), ("currency", currency)):
        if not isinstance(value, str):
            raise ValueError(f"{name}: give a string such as {'UTC' if name == 'timezone' else 'USD'!r}")
    return {
        "timezone": timezone,
        "currency": currency,
        "business_country": business_country,
        "auth_international_eligible": bool(auth_international_eligible),
        "service_allowance": service_allowance,
        "allowance_scope": allowance_scope,
        "rate_cards": [
            _data_file(c, dates[i] if i < len(dates) else None) for i, c in enumerate(cards)
        ],
        "regimes": None if regimes is None else _data_file(regimes),
        "skip_invalid": bool(skip_invalid),
        "show_contacts": bool(show_contacts),
        "input_format": input_format,
        "template_category": template_category,
        "template_map": None if template_map is None else _data_file(template_map),
        "business_name": business_name,
        "business_number": business_number,
        "chat_contact": chat_contact,
        "chat_timezone": chat_timezone,
        "delimiter": delimiter,
        "date_format": date_format,
    }


# ---------------------------------------------------------------------------------------
# Sources: files the core reads itself, Parquet files read by pyarrow, and tables.

#: The file names a folder is read as, when it holds any: one log, in name order. A folder
#: of anything else is handed to the core as it is (a folder of Cloud API webhook archives).
_FOLDER_SUFFIXES = (".parquet", ".csv")

#: Rows per batch when pyarrow reads a Parquet file.
_PARQUET_BATCH = 65_536


def _is_parquet(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PAR1"
    except OSError:
        return False


class _ParquetFile:
    """A Parquet log read by pyarrow, batch after batch, as an Arrow stream; readable again
    (the core reads an out-of-order log a second time, to sort it)."""

    def __init__(self, path: str):
        self.path = path

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        import pyarrow.parquet as pq

        f = pq.ParquetFile(self.path)
        schema = _plain_schema(f.schema_arrow)
        batches = (_plain_batch(b, schema) for b in f.iter_batches(batch_size=_PARQUET_BATCH))
        reader = pa.RecordBatchReader.from_batches(schema, batches)
        return reader.__arrow_c_stream__(requested_schema)


def _plain_type(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, _plain_type(f.type)) for f in schema])


def _plain_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    if batch.schema.equals(schema):
        return batch
    return pa.RecordBatch.from_arrays(
        [c.cast(schema.field(i).type) for i, c in enumerate(batch.columns)], schema=schema
    )


def _as_table(obj: Any) -> pa.Table:
    """An Arrow table of any table-like object: pyarrow, polars, pandas, or anything with
    ``__arrow_c_stream__``. Dictionary-encoded columns (pandas categoricals) are decoded."""
    table: pa.Table
    if isinstance(obj, pa.Table):
        table = obj
    elif isinstance(obj, pa.RecordBatch):
        table = pa.Table.from_batches([obj])
    elif isinstance(obj, pa.RecordBatchReader):
        table = obj.read_all()
    elif type(obj).__module__.startswith("pandas") and hasattr(obj, "columns"):
        table = pa.Table.from_pandas(obj, preserve_index=False)
    elif type(obj).__module__.startswith("polars") and hasattr(obj, "collect"):
        table = obj.collect().to_arrow()
    elif type(obj).__module__.startswith("polars") and hasattr(obj, "to_arrow"):
        table = obj.to_arrow()
    elif hasattr(obj, "__arrow_c_stream__"):
        table = pa.RecordBatchReader.from_stream(obj).read_all()
    else:
        raise TypeError(
            f"cannot read a log from {type(obj).__name__}: give a path, a list of paths, or a "
            "pyarrow, polars or pandas table with the canonical columns"
        )
    if any(pa.types.is_dictionary(f.type) for f in table.schema):
        table = table.cast(_plain_schema(table.schema))
    return table


def _folder(path: str) -> list[str]:
    names = sorted(os.listdir(path))
    logs = [
        os.path.join(path, n)
        for n in names
        if n.lower().endswith(_FOLDER_SUFFIXES) and os.path.isfile(os.path.join(path, n))
    ]
    return logs or [path]


def _sources(source: Any) -> list[tuple[str, str, Any]]:
    """The sources the native replay takes: ``(kind, name, arrow source or None)``."""
    if isinstance(source, (str, os.PathLike)):
        items = [source]
    elif isinstance(source, (list, tuple)):
        items = list(source)
        if not items:
            raise ValueError("no log given: the list is empty")
    else:
        items = [source]
    out: list[tuple[str, str, Any]] = []
    tables = sum(1 for i in items if not isinstance(i, (str, os.PathLike)))
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if not os.path.exists(path):
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
            for p in _folder(path) if os.path.isdir(path) else [path]:
                arrow = _ParquetFile(p) if os.path.isfile(p) and _is_parquet(p) else None
                out.append(("path", p, arrow))
        else:
            n = sum(1 for k, _, _ in out if k == "table") + 1
            name = "<table>" if tables == 1 else f"<table {n}>"
            out.append(("table", name, _as_table(item)))
    return out


def _table(stream: Any) -> pa.Table:
    return pa.RecordBatchReader.from_stream(stream).read_all()


def replay(
    source: Any,
    *,
    timezone: str = "UTC",
    currency: str = "USD",
    service_allowance: int | None = None,
    allowance_scope: str | None = None,
    rate_card: PathLike | Sequence[PathLike] | None = None,
    effective: Any = None,
    regimes: PathLike | None = None,
    business_country: str | None = None,
    auth_international_eligible: bool = False,
    skip_invalid: bool = False,
    show_contacts: bool = False,
    input_format: str | None = None,
    template_category: str | None = None,
    template_map: PathLike | None = None,
    business_name: str | None = None,
    business_number: str | None = None,
    chat_contact: str | None = None,
    chat_timezone: str | None = None,
    delimiter: str | None = None,
    date_format: str | None = None,
    lines: bool = True,
) -> Result:
    """Prices a message log exactly, as ``wacost replay`` does.

    ``source`` is a path (any format the command reads: canonical CSV, Cloud API webhooks,
    Twilio, chat exports, Parquet), a folder (its ``.parquet`` and ``.csv`` files in name
    order, or a folder of webhook archives), a list of those (several logs are one log), or
    a pyarrow, polars or pandas table with the canonical columns (``timestamp``,
    ``business``, ``contact``, ``direction``, ``message_type``, ``category``, ``status``,
    ``message_id``, ``entry_point``, ``waba``).

    The keyword arguments are the command's flags (``service_allowance`` is
    ``--service-allowance``, ``rate_card`` one path or a list, ``effective`` their dates…).
    ``lines=False`` keeps no charge lines (a log of billions of messages). ``delimiter``
    and ``date_format`` are ``--delimiter`` and ``--date-format`` (CSV logs).

    Raises ``wacost.InputError`` (with ``file``, ``line`` and ``reason``) for a log, rate
    card or scenario that cannot be read or priced, ``ValueError`` for a bad argument and
    ``FileNotFoundError`` for a missing file.
    """
    options = _options(
        timezone=timezone,
        currency=currency,
        service_allowance=service_allowance,
        allowance_scope=allowance_scope,
        rate_card=rate_card,
        effective=effective,
        regimes=regimes,
        business_country=business_country,
        auth_international_eligible=auth_international_eligible,
        skip_invalid=skip_invalid,
        show_contacts=show_contacts,
        input_format=input_format,
        template_category=template_category,
        template_map=template_map,
        business_name=business_name,
        business_number=business_number,
        chat_contact=chat_contact,
        chat_timezone=chat_timezone,
        delimiter=delimiter,
        date_format=date_format,
    )
    summary, ledger, kept = _native.replay(_sources(source), json.dumps(options), bool(lines))
    summary = json.loads(summary)
    return Result(
        total=Decimal(summary["total"]),
        summary=summary,
        ledger=_table(ledger),
        lines=None if kept is None else _table(kept),
    )


# ---------------------------------------------------------------------------------------
# The other commands.

#: The options of the rate book and the business, shared by quote, rates, simulate, compare.
_BOOK_OPTIONS = (
    "timezone", "currency", "service_allowance", "allowance_scope", "rate_card", "effective",
    "regimes", "business_country", "auth_international_eligible",
)  # fmt: skip


def _instant_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise ValueError("at: give a datetime, a date or a string such as '2026-02-02T10:00:00Z'")


def quote(
    to: str,
    category: str,
    *,
    at: Any = None,
    in_service_window: bool = False,
    in_free_entry_point: bool = False,
    **options: Any,
) -> dict:
    """The price of one delivered message, with the rule that decided it, as
    ``wacost quote --format json`` prints it. ``category`` is ``marketing``, ``utility``,
    ``authentication``, ``authentication_international`` or ``service``; ``at`` a datetime
    (naive: in the WABA's time zone), a date or a string (default: now). The other keyword
    arguments are the rate book's and the business's (``timezone=``, ``currency=``,
    ``rate_card=``…). Amounts are strings of exact decimals."""
    opts = _options(**options)
    return json.loads(
        _native.quote(
            json.dumps(opts), to, category, _instant_text(at),
            bool(in_service_window), bool(in_free_entry_point),
        )
    )  # fmt: skip


def rates(*, at: Any = None, market: str | None = None, **options: Any) -> dict:
    """The rate card in force on a date (default: today in the WABA's time zone), with the
    provenance of every rate, as ``wacost rates --format json`` prints it."""
    opts = _options(**options)
    return json.loads(_native.rates(json.dumps(opts), _date_text(at, "at"), market))


def _scenario_text(scenario: PathLike) -> tuple[str, str]:
    path = os.fspath(scenario)
    return _read_text(path), path


def simulate(
    scenario: PathLike,
    *,
    runs: int = 100,
    seed: int | None = None,
    strategies: Iterable[str] | None = None,
    max_memory: int | str | None = None,
    max_time: float | str | None = None,
    **options: Any,
) -> dict:
    """Simulates a scenario (TOML) ``runs`` times, seeds ``seed``, ``seed + 1``…, and
    compares its strategies with the same seeds, as ``wacost simulate --format json``
    prints it: P5, P50, P95 and mean of spend, by category, and each strategy's difference
    from the base.

    A simulation estimated to need more than ``max_memory`` (bytes, or ``"16G"``; default
    8 GiB) or ``max_time`` (seconds, or ``"2h"``; default one hour) is refused before it
    starts, as with ``--max-memory`` and ``--max-time``."""
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError("runs must be at least 1")
    text, origin = _scenario_text(scenario)
    opts = _options(**options)
    return json.loads(
        _native.simulate(
            json.dumps(opts), text, origin, runs, seed, list(strategies or []),
            _limit(max_memory, "max_memory"), _limit(max_time, "max_time"),
        )  # fmt: skip
    )


def _limit(value: Any, what: str) -> str | None:
    """A limit as the native module reads it: a number (bytes or seconds) or a text such
    as ``"16G"`` or ``"2h"``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what} must be a number or a text such as '16G' or '2h'")
    if isinstance(value, (int, float)) and not value > 0:
        raise ValueError(f"{what} must be more than 0")
    return str(value)


def compare(
    log: Any = None,
    *,
    scenario: PathLike | None = None,
    runs: int = 100,
    seed: int | None = None,
    providers: Iterable[str] | None = None,
    providers_file: PathLike | None = None,
    fx: PathLike | None = None,
    seats: int = 1,
    numbers: int | None = None,
    report_currency: str = "USD",
    max_memory: int | str | None = None,
    max_time: float | str | None = None,
    **options: Any,
) -> dict:
    """What a log (a path or list of paths), or a scenario's simulated traffic
    (``scenario=``, over ``runs`` runs), would cost with each provider (BSP), Meta's fees
    and the provider's own, in ``report_currency``, cheapest first: the document
    ``wacost compare --format json`` prints. ``max_memory`` and ``max_time`` bound a
    scenario's simulation (see :func:`simulate`)."""
    if (log is None) == (scenario is None):
        raise ValueError("give a log or a scenario (one of them)")
    provider_options = json.dumps(
        {
            "providers": list(providers or []),
            "providers_file": None if providers_file is None else _data_file(providers_file),
            "fx": None if fx is None else _data_file(fx),
            "seats": int(seats),
            "numbers": numbers,
            "report_currency": report_currency,
        }
    )
    opts = json.dumps(_options(**options))
    if scenario is not None:
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
            raise ValueError("runs must be at least 1")
        text, origin = _scenario_text(scenario)
        return json.loads(
            _native.compare_scenario(
                opts, provider_options, text, origin, runs, seed,
                _limit(max_memory, "max_memory"), _limit(max_time, "max_time"),
            )  # fmt: skip
        )
    paths = []
    for kind, name, _ in _sources(log):
        if kind != "path":
            raise ValueError("compare reads logs from files: give a path or a list of paths")
        paths.append(name)
    return json.loads(_native.compare_log(opts, provider_options, paths))
