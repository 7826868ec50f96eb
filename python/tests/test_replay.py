"""wacost.replay gives what `wacost replay --format json` gives, for every format the CLI
reads and for pandas, polars and pyarrow tables; its lines are the CLI's lines; bad input is
an exception with a file and a line."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import wacost
from conftest import ROOT, cli, cli_json, cli_lines

SAMPLE = ROOT / "data" / "sample_log.csv"
DATA = ROOT / "tests" / "data"

# Every fixture format, with the flags it needs: (log, CLI flags, wacost.replay keywords).
FIXTURES = [
    ("data/sample_log.csv", [], {}),
    ("tests/data/cloudapi_day.json", [], {}),
    ("tests/data/providers_log.csv", [], {}),
    ("tests/data/twilio_export.csv", ["--template-category", "marketing"],
     {"template_category": "marketing"}),
    ("tests/data/twilio_messages.json", ["--template-category", "marketing"],
     {"template_category": "marketing"}),
    ("tests/data/chat_android_en.txt",
     ["--business-name", "Acme Store", "--chat-contact", "+447700900123", "--chat-timezone",
      "Europe/London", "--template-category", "utility"],
     {"business_name": "Acme Store", "chat_contact": "+447700900123",
      "chat_timezone": "Europe/London", "template_category": "utility"}),
    ("tests/data/chat_ios_de.txt",
     ["--business-name", "Acme Store", "--chat-timezone", "Europe/Berlin",
      "--template-category", "utility"],
     {"business_name": "Acme Store", "chat_timezone": "Europe/Berlin",
      "template_category": "utility"}),
    ("tests/data/chat_android_es_12h.txt",
     ["--business-name", "Tienda Acme", "--chat-timezone", "America/Mexico_City",
      "--template-category", "marketing"],
     {"business_name": "Tienda Acme", "chat_timezone": "America/Mexico_City",
      "template_category": "marketing"}),
    # CSV dialects (issue 15): a given separator, a day-first date format, wall-clock times
    # in the WABA's zone across New York's clock change.
    ("tests/data/dialects/pipes.csv", ["--delimiter", "|"], {"delimiter": "|"}),
    ("tests/data/dialects/day_first.csv", ["--date-format", "%d/%m/%Y %H:%M"],
     {"date_format": "%d/%m/%Y %H:%M"}),
    ("tests/data/dialects/new_york_dst.csv", ["--timezone", "America/New_York"],
     {"timezone": "America/New_York"}),
]  # fmt: skip


@pytest.mark.parametrize("log,flags,kwargs", FIXTURES, ids=[f[0] for f in FIXTURES])
def test_every_fixture_format_equals_the_cli(log, flags, kwargs):
    expected = cli_json(log, *flags)
    result = wacost.replay(log, **kwargs)
    assert result.summary == expected
    assert result.total == Decimal(expected["total"])
    # The lines add up to the total, exactly.
    assert sum(result.lines.column("amount").to_pylist(), Decimal(0)) == result.total


def test_a_bad_delimiter_or_date_format_is_a_value_error():
    with pytest.raises(ValueError, match="delimiter: "):
        wacost.replay("data/sample_log.csv", delimiter="::")
    with pytest.raises(ValueError, match="date_format: "):
        wacost.replay("data/sample_log.csv", date_format="%d/%m/%Y")


def test_the_sample_log_total():
    # Hand-checked in the CLI's own tests: 37 charged messages, USD 0.8573.
    result = wacost.replay(SAMPLE)
    assert result.total == Decimal("0.8573")
    assert result.summary["charged"] == 37
    assert result.lines.num_rows == 220
    assert result.ledger.column_names == list(wacost.LEDGER_COLUMNS)
    assert result.lines.column_names == list(wacost.LINE_COLUMNS)
    assert result.lines.schema.field("amount").type == pa.decimal128(38, 10)


def _canonical_table(path: Path) -> pa.Table:
    """A canonical CSV read by pyarrow with every column as text (empty cells stay empty)."""
    names = open(path, encoding="utf-8").readline().strip().split(",")
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        ),
    )


def test_parquet_equals_the_cli(tmp_path):
    # The sample log as Parquet: the CLI reads it with polars, wacost.replay with pyarrow.
    path = tmp_path / "sample.parquet"
    pq.write_table(_canonical_table(SAMPLE), path, row_group_size=50)
    expected = cli_json(str(path))
    assert wacost.replay(path).summary == expected
    assert expected["total"] == "0.8573"


def test_a_folder_of_parquet_files_is_one_log(tmp_path, generated_log):
    # The generated log cut in three files, in name order: one log, as the CSV is.
    table = _canonical_table(generated_log)
    third = table.num_rows // 3
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, (a, b) in enumerate([(0, third), (third, 2 * third), (2 * third, table.num_rows)]):
        pq.write_table(table.slice(a, b - a), folder / f"part-{i}.parquet")
    expected = cli_json(str(generated_log))
    assert wacost.replay(folder).summary == expected
    assert wacost.replay(sorted(folder.iterdir())).summary == expected


def test_pandas_polars_and_pyarrow_tables_equal_the_cli():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    expected = cli_json(str(SAMPLE))
    assert wacost.replay(_canonical_table(SAMPLE)).summary == expected
    assert wacost.replay(pd.read_csv(SAMPLE)).summary == expected
    assert wacost.replay(pl.read_csv(SAMPLE)).summary == expected
    assert wacost.replay(pl.scan_csv(SAMPLE)).summary == expected


def test_typed_columns_read_as_the_cli_reads_text():
    # Timestamps as Arrow timestamps, numbers as integers, categories as pandas
    # categoricals: the same events as the text.
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(SAMPLE, dtype={"contact": "int64"})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["direction"] = frame["direction"].astype("category")
    expected = cli_json(str(SAMPLE))
    assert wacost.replay(frame).summary == expected


def test_out_of_order_tables_are_sorted_as_the_cli_sorts(tmp_path):
    table = _canonical_table(SAMPLE)
    backwards = table.take(list(range(table.num_rows - 1, -1, -1)))
    path = tmp_path / "backwards.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(backwards.column_names)
        w.writerows(zip(*(c.to_pylist() for c in backwards.columns)))
    expected = cli_json(str(path))
    assert expected["sorted"] is True
    assert wacost.replay(backwards).summary == expected
    assert wacost.replay(path).summary == expected


def _projection(row: dict) -> tuple:
    """What a line says, as text, whether it came from lines.csv or from a table."""

    def text(v):
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return str(v.normalize()) if v != 0 else "0"
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    def amount(v):
        d = Decimal(v) if v not in (None, "") else None
        return "" if d is None else text(d)

    return (
        text(row["line_kind"]), text(row["date"]), text(row["business"]), text(row["waba"]),
        text(row["contact"]), text(row["message_id"]), text(row["message_type"]),
        text(row["template_category"]), text(row["status"]), text(row["pricing_model"]),
        text(row["pricing_category"]), text(row["pricing_type"]), text(row["billable"]),
        text(row["market"]), text(row["country"]), amount(row["rate"]), amount(row["amount"]),
        text(row["currency"]), text(row["quantity"]), text(row["conversation_id"]),
        text(row["provenance"]), text(row["card_effective"]), text(row["reason"]),
    )  # fmt: skip


def test_lines_are_the_cli_lines(tmp_path, generated_log):
    expected = sorted(_projection(r) for r in cli_lines(tmp_path, str(generated_log)))
    result = wacost.replay(generated_log)
    got = sorted(_projection(r) for r in result.lines.to_pylist())
    assert got == expected
    # The allowance ran out: allowance lines cover part of the service messages.
    kinds = {r["line_kind"] for r in result.lines.to_pylist()}
    assert "allowance" in kinds


def test_lines_go_to_pandas_and_polars():
    pl = pytest.importorskip("polars")
    result = wacost.replay(SAMPLE)
    frame = result.lines.to_pandas()
    assert sum(frame["amount"], Decimal(0)) == Decimal("0.8573")
    lines = pl.from_arrow(result.lines)
    assert lines.height == 220
    assert str(lines["amount"].sum()) == "0.8573000000"


def test_no_lines_when_not_asked():
    result = wacost.replay(SAMPLE, lines=False)
    assert result.lines is None
    assert result.total == Decimal("0.8573")


@pytest.mark.parametrize("size", [None, 0, 100])
def test_the_service_allowance_equals_the_cli(generated_log, size):
    flags = [] if size is None else ["--service-allowance", str(size)]
    expected = cli_json(str(generated_log), *flags)
    result = wacost.replay(generated_log, service_allowance=size)
    assert result.summary == expected
    if size is None:
        assert expected["messages_by_pricing_type"]["free_tier"] == 2777


def test_rate_cards_and_scope_options_equal_the_cli(generated_log):
    tiers = str(DATA / "meta_tier_pricing_usd.csv")
    expected = cli_json(
        str(generated_log), "--rate-card", tiers, "--allowance-scope", "waba",
        "--timezone", "America/Sao_Paulo",
    )  # fmt: skip
    result = wacost.replay(
        generated_log, rate_card=tiers, allowance_scope="waba", timezone="America/Sao_Paulo"
    )
    assert result.summary == expected


# ---------------------------------------------------------------------------------------
# Errors


def test_an_unreadable_row_is_an_input_error_with_file_and_line():
    log = DATA / "bad_rows.csv"
    message = cli("replay", str(log), check=False).stderr.strip().removeprefix("wacost: ")
    with pytest.raises(wacost.InputError) as e:
        wacost.replay(log)
    assert str(e.value) == message
    assert e.value.file == str(log)
    assert isinstance(e.value.line, int) and e.value.line > 1
    assert message.endswith(e.value.reason)


def test_skip_invalid_counts_as_the_cli_does():
    log = str(DATA / "bad_rows.csv")
    expected = cli_json(log, "--skip-invalid")
    assert wacost.replay(log, skip_invalid=True).summary == expected
    assert expected["skipped"] > 0


def test_a_bad_row_in_a_table_names_the_table_and_row():
    table = _canonical_table(SAMPLE)
    bad = table.set_column(0, "timestamp", pa.array(["soon"] + table.column(0).to_pylist()[1:]))
    with pytest.raises(wacost.InputError) as e:
        wacost.replay(bad)
    assert (e.value.file, e.value.line) == ("<table>", 1)
    assert e.value.reason == (
        'timestamp "soon" is neither RFC 3339 (2026-02-02T10:00:00Z) nor Unix seconds'
    )


def test_a_table_without_a_required_column():
    table = _canonical_table(SAMPLE).drop_columns(["direction"])
    with pytest.raises(wacost.InputError, match='missing required column "direction"'):
        wacost.replay(table)


def test_bad_arguments_are_value_errors():
    with pytest.raises(ValueError, match="Mars/Base"):
        wacost.replay(SAMPLE, timezone="Mars/Base")
    with pytest.raises(ValueError, match="currency"):
        wacost.replay(SAMPLE, currency="dollars")
    with pytest.raises(ValueError, match="allowance_scope"):
        wacost.replay(SAMPLE, allowance_scope="galaxy")
    with pytest.raises(ValueError, match="service_allowance"):
        wacost.replay(SAMPLE, service_allowance=-1)
    with pytest.raises(ValueError, match="business_country"):
        wacost.replay(SAMPLE, auth_international_eligible=True)
    with pytest.raises(TypeError, match="cannot read a log from int"):
        wacost.replay(42)


def test_a_missing_file_is_file_not_found():
    with pytest.raises(FileNotFoundError):
        wacost.replay(ROOT / "no-such-log.csv")


def test_a_bad_rate_card_is_an_input_error(tmp_path):
    card = tmp_path / "card.csv"
    card.write_text("not,a,card\n1,2,3\n")
    message = cli("replay", str(SAMPLE), "--rate-card", str(card), check=False).stderr
    with pytest.raises(wacost.InputError) as e:
        wacost.replay(SAMPLE, rate_card=card)
    assert str(e.value) == message.strip().removeprefix("wacost: ")
    assert e.value.file == str(card)


def test_a_message_before_2023_06_is_an_input_error(tmp_path):
    log = tmp_path / "old.csv"
    log.write_text(
        "timestamp,business,contact,direction,message_type,category\n"
        "2023-05-01T10:00:00Z,15550100001,+5511987654321,outbound,template,marketing\n"
    )
    message = cli("replay", str(log), check=False).stderr.strip().removeprefix("wacost: ")
    with pytest.raises(wacost.InputError) as e:
        wacost.replay(log)
    assert str(e.value) == message


def test_the_summary_renders_as_the_cli_prints_it():
    from wacost import _native

    expected = cli("replay", str(SAMPLE)).stdout
    result = wacost.replay(SAMPLE)
    assert _native.summary_text(json.dumps(result.summary)) == expected
    assert json.loads(_native.summary_json(json.dumps(result.summary))) == result.summary


def test_a_rate_card_with_its_effective_date(tmp_path):
    import datetime as dt

    card = str(DATA / "meta_pricing_usd.csv")
    # That card has no authentication rate for Mexico: the CLI and Python both stop at the
    # log's first such message, with the same message (a missing rate is never priced at 0
    # unless asked).
    out = cli(
        "replay", str(SAMPLE), "--rate-card", card, "--effective", "2026-02-01", check=False
    )
    assert out.returncode == 1
    why = "no authentication rate for Mexico on the USD card of 2026-02-01"
    assert why in out.stderr
    with pytest.raises(wacost.InputError, match=why):
        wacost.replay(SAMPLE, rate_card=card, effective=dt.date(2026, 2, 1))
    with pytest.raises(wacost.InputError, match=why):
        wacost.replay(SAMPLE, rate_card=[card], effective=["2026-02-01"])
    with pytest.raises(ValueError, match="effective given more often"):
        wacost.replay(SAMPLE, effective="2026-02-01")
