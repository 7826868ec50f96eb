"""wacost.spark.replay on a local[2] Spark gives the CLI's totals to the last decimal: the
same summary, and the same lines (but for CBP conversation numbers, which each partition's
classifier counts itself), however many partitions the log is split in."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import wacost
from conftest import ROOT, cli, cli_json, cli_lines
from test_replay import _projection

pytest.importorskip("pyspark")

from wacost import spark as wspark  # noqa: E402
from wacost.spark.__main__ import main, read_logs  # noqa: E402


def _replay(spark, paths, **kwargs):
    df, files = read_logs(spark, [str(p) for p in paths])
    return wspark.replay(df, files=files, **kwargs)


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_a_log_whose_allowance_runs_out_in_any_number_of_partitions(
    spark, generated_log, partitions
):
    expected = cli_json(str(generated_log))
    # More than 1,000 service messages in November for the first business number: the
    # allowance runs out, and which messages it covers is decided across partitions.
    assert expected["messages_by_pricing_type"]["free_tier"] == 2777
    assert expected["charged"] == 855
    result = _replay(spark, [generated_log], partitions=partitions, lines=False)
    assert result.summary == expected
    assert result.total == Decimal(expected["total"])
    assert result.lines is None


def test_a_small_allowance_runs_out_for_every_number(spark, generated_log):
    expected = cli_json(str(generated_log), "--service-allowance", "100")
    result = _replay(spark, [generated_log], partitions=3, lines=False, service_allowance=100)
    assert result.summary == expected
    by_business = {b: g["amount"] for b, g in expected["by_business"].items()}
    assert all(Decimal(a) > 0 for a in by_business.values())


def test_lines_and_ledger_are_the_cli_lines(spark, generated_log, tmp_path):
    def without_conversation(row):
        p = list(_projection(row))
        p[19] = ""  # conversation_id: numbered per classifier (the CLI's: one for the log)
        return tuple(p)

    expected = sorted(without_conversation(r) for r in cli_lines(tmp_path, str(generated_log)))
    result = _replay(spark, [generated_log], partitions=3)
    try:
        got = sorted(without_conversation(r) for r in wspark._rows(result.lines))
        assert got == expected
        ledger = wspark._rows(result.ledger)
        assert sum((r["amount"] for r in ledger), Decimal(0)) == result.total
        assert sum(r["lines"] for r in ledger) == len(expected)
    finally:
        result.unpersist()


def test_an_out_of_order_log_is_sorted_as_the_cli_sorts(spark, generated_log, tmp_path):
    rows = generated_log.read_text().splitlines()
    path = tmp_path / "shuffled.csv"
    path.write_text("\n".join([rows[0], *reversed(rows[1:])]) + "\n")
    expected = cli_json(str(path))
    assert expected["sorted"] is True
    assert _replay(spark, [path], partitions=3, lines=False).summary == expected


def test_several_files_are_one_log(spark, generated_log, tmp_path):
    rows = generated_log.read_text().splitlines()
    half = len(rows) // 2
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("\n".join(rows[: half]) + "\n")
    b.write_text("\n".join([rows[0], *rows[half:]]) + "\n")
    expected = cli_json(str(a), str(b))
    assert _replay(spark, [a, b], partitions=3, lines=False).summary == expected


def test_the_module_prints_the_cli_summary(spark, capsys):
    expected = cli("replay", "data/sample_log.csv", "--format", "json").stdout
    assert main(["replay", "data/sample_log.csv", "--partitions", "4", "--format", "json"]) == 0
    assert capsys.readouterr().out == expected
    assert json.loads(expected)["total"] == "0.8573"


def test_the_module_reads_parquet_and_writes_a_folder(spark, tmp_path, capsys):
    import pyarrow.parquet as pq

    from test_replay import _canonical_table

    path = tmp_path / "sample.parquet"
    pq.write_table(_canonical_table(ROOT / "data" / "sample_log.csv"), path)
    out = tmp_path / "out"
    code = main(["replay", str(path), "--partitions", "2", "--format", "json", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == cli_json(str(path))
    assert json.loads((out / "summary.json").read_text()) == summary
    lines = pq.read_table(out / "lines")
    assert lines.num_rows == 220
    assert sum(lines.column("amount").to_pylist(), Decimal(0)) == Decimal("0.8573")
    assert pq.read_table(out / "ledger.parquet").num_rows > 0


def test_an_unreadable_row_stops_the_job_with_file_and_line(spark):
    log = "tests/data/bad_rows.csv"
    message = cli("replay", log, check=False).stderr.strip().removeprefix("wacost: ")
    with pytest.raises(wacost.InputError) as e:
        _replay(spark, [log], partitions=2, lines=False)
    assert str(e.value) == message
    assert (e.value.file, e.value.line) == (log, 4)


def test_skipped_rows_are_counted(spark):
    # Spark's CSV reader fills a short row's missing fields, so the short row is skipped for
    # its missing category rather than for its field count: the same rows, the same total.
    log = "tests/data/bad_rows.csv"
    expected = cli_json(log, "--skip-invalid")
    result = _replay(spark, [log], partitions=2, lines=False, skip_invalid=True)
    assert result.total == Decimal(expected["total"]) == Decimal("0.0625")
    assert result.summary["skipped"] == expected["skipped"] == 3
    assert result.summary["skipped_by_reason"] == {"category": 2, "timestamp": 1}


def test_a_dataframe_built_in_spark(spark):
    # A DataFrame the user built (no file, no row column): its own order breaks ties.
    import pandas as pd

    frame = pd.read_csv(ROOT / "data" / "sample_log.csv", dtype=str, keep_default_na=False)
    df = spark.createDataFrame(frame)
    result = wspark.replay(df, partitions=3, lines=False)
    expected = cli_json("data/sample_log.csv")
    assert result.total == Decimal(expected["total"])
    assert result.summary["by_business"] == expected["by_business"]


def test_bad_options_fail_on_the_driver(spark):
    df = spark.createDataFrame([("1770026400", "b", "+5511987654321", "inbound")],
                               "timestamp string, business string, contact string, direction string")
    with pytest.raises(ValueError, match="Mars/Base"):
        wspark.replay(df, timezone="Mars/Base")
    with pytest.raises(ValueError, match="partitions"):
        wspark.replay(df, partitions=-1)


def test_a_dataframe_whose_row_column_orders_it(spark, tmp_path):
    # The rows handed to Spark shuffled, their order given by a `row` column: the log in
    # that order is the sample log, in time order, and prices as the CLI prices it.
    import pandas as pd

    frame = pd.read_csv(ROOT / "data" / "sample_log.csv", dtype=str, keep_default_na=False)
    frame["row"] = range(len(frame))
    shuffled = frame.sample(frac=1, random_state=3)
    df = spark.createDataFrame(shuffled).repartition(3)
    expected = cli_json("data/sample_log.csv")
    assert wspark.replay(df, partitions=2, lines=False).summary == expected
    # Reversed, the same rows are out of time order: sorted, as the CLI sorts them.
    frame["row"] = range(len(frame) - 1, -1, -1)
    backwards = frame.iloc[::-1]
    path = tmp_path / "backwards.csv"
    backwards.drop(columns=["row"]).to_csv(path, index=False)
    expected = cli_json(str(path))
    assert expected["sorted"] is True
    df = spark.createDataFrame(frame.sample(frac=1, random_state=4)).repartition(3)
    assert wspark.replay(df, partitions=2, lines=False).summary == expected


def test_tokens_templates_and_group_recipients_travel_to_the_partitions(spark, tmp_path):
    # Brazil, 2026-11 (USD 2.00 per million tokens): a Business Agent reply of 40,000 tokens
    # (USD 0.08) and one without tokens (the regime's default, 22,500: USD 0.045, estimated),
    # a reaction (free), and a marketing template to a group of three recipients (one row per
    # recipient, one message id): three deliveries at Brazil's marketing rate. Before the
    # columns travelled, a Spark replay priced the first reply at the default tokens too.
    log = tmp_path / "agent_and_group.csv"
    rows = [
        "timestamp,business,contact,direction,message_type,category,status,message_id,"
        "entry_point,tokens,template",
        "2026-11-02T10:00:00Z,15550100001,+5511900000001,inbound,free_form,,delivered,in1,,,",
        "2026-11-02T10:01:00Z,15550100001,+5511900000001,outbound,business_agent,,delivered,"
        "a1,,40000,",
        "2026-11-02T10:02:00Z,15550100001,+5511900000001,outbound,business_agent,,delivered,"
        "a2,,,",
        "2026-11-02T10:03:00Z,15550100001,+5511900000001,outbound,reaction,,delivered,r1,,,",
    ] + [
        f"2026-11-02T11:00:00Z,15550100001,+551190000001{i},outbound,template,group_marketing,"
        f"delivered,g1,,,promo_nov"
        for i in range(3)
    ]
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    expected = cli_json(str(log))
    assert expected["meta_business_agent_replies"] == 2
    assert expected["meta_business_agent_tokens"] == 62500
    assert expected["meta_business_agent_default_tokens"] == 1
    assert expected["by_category"]["business_agent"]["amount"] == "0.1250"
    assert expected["by_category"]["group_marketing"]["lines"] == 3
    assert expected["reactions"] == 1
    for partitions in (1, 3):
        result = _replay(spark, [log], partitions=partitions, lines=False)
        assert result.summary == expected
        assert result.total == Decimal(expected["total"])


def test_volume_tier_exposure_is_gathered_across_partitions(spark, generated_log, tmp_path):
    # With the first volume-tier discount at 5 messages a month (a regimes file of our own),
    # several month × WABA × market × category cells reach it; each partition counts only
    # its contacts, so only the driver's settlement, from every partition's counters, sees
    # them whole. Before, a Spark summary had no exposure at all.
    regimes = tmp_path / "regimes.toml"
    text = (ROOT / "data" / "regimes.toml").read_text(encoding="utf-8")
    assert "first_discount_from = 100000" in text
    regimes.write_text(
        text.replace("first_discount_from = 100000", "first_discount_from = 5"), encoding="utf-8"
    )
    expected = cli_json(str(generated_log), "--regimes", str(regimes))
    exposure = expected["volume_tier_exposure"]
    assert len(exposure) >= 2
    assert all(row["messages"] >= 5 and row["first_discount_from"] == 5 for row in exposure)
    for partitions in (1, 3):
        result = _replay(spark, [generated_log], partitions=partitions, lines=False,
                         regimes=str(regimes))  # fmt: skip
        assert result.summary["volume_tier_exposure"] == exposure
        assert result.summary == expected
