"""wacost.quote, rates, simulate and compare print what the CLI prints with --format json."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import wacost
from conftest import cli


def cli_doc(*args: str) -> dict:
    return json.loads(cli(*args, "--format", "json").stdout)


def test_quote_equals_the_cli():
    expected = cli_doc(
        "quote", "--to", "+5511987654321", "--category", "marketing", "--at",
        "2026-02-02T10:00:00Z",
    )  # fmt: skip
    got = wacost.quote("+5511987654321", "marketing", at="2026-02-02T10:00:00Z")
    assert got == expected
    assert got["amount"] == "0.0625"
    assert got["market"] == "Brazil"


def test_quote_takes_datetimes_and_the_window():
    at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
    expected = cli_doc(
        "quote", "--to", "+919876543210", "--category", "utility", "--at",
        "2026-11-02T09:00:00+00:00", "--in-service-window", "--timezone", "Asia/Kolkata",
    )  # fmt: skip
    got = wacost.quote(
        "+919876543210", "utility", at=at, in_service_window=True, timezone="Asia/Kolkata"
    )
    assert got == expected
    # A naive datetime is WABA time: 14:30 in Kolkata is 09:00 UTC.
    naive = wacost.quote(
        "+919876543210", "utility", at=dt.datetime(2026, 11, 2, 14, 30),
        in_service_window=True, timezone="Asia/Kolkata",
    )  # fmt: skip
    assert naive == expected


def test_quote_errors():
    with pytest.raises(ValueError, match="category"):
        wacost.quote("+5511987654321", "gossip")
    with pytest.raises(ValueError, match="to:"):
        wacost.quote("hello", "marketing")


def test_rates_equal_the_cli():
    expected = cli_doc("rates", "--at", "2026-02-02", "--market", "Brazil")
    assert wacost.rates(at=dt.date(2026, 2, 2), market="Brazil") == expected
    everything = wacost.rates(at="2025-11-01", currency="INR")
    assert everything == cli_doc("rates", "--at", "2025-11-01", "--currency", "INR")


def test_simulate_equals_the_cli():
    expected = cli_doc("simulate", "data/scenarios/shop.toml", "--runs", "4", "--seed", "11")
    got = wacost.simulate("data/scenarios/shop.toml", runs=4, seed=11)
    assert got == expected
    assert got["runs"] == 4 and got["seeds"] == {"first": 11, "last": 14}


def test_simulate_errors():
    with pytest.raises(ValueError, match="runs"):
        wacost.simulate("data/scenarios/shop.toml", runs=0)
    with pytest.raises(ValueError, match="no \\[strategies.nope\\]"):
        wacost.simulate("data/scenarios/shop.toml", runs=1, strategies=["nope"])
    with pytest.raises(FileNotFoundError):
        wacost.simulate("no-such-scenario.toml")


def test_simulation_limits_refuse_and_can_be_raised():
    # 100 runs of the shop need more than 1 MiB: refused before they start, with the way
    # to raise the limits named as Python names it.
    refused = "the limits are 1 MiB and 1.0 h \\(raise them with max_memory= and max_time=\\)"
    with pytest.raises(ValueError, match=refused):
        wacost.simulate("data/scenarios/shop.toml", runs=100, max_memory="1M")
    with pytest.raises(ValueError, match="the limits are 8.0 GiB and 1 s"):
        wacost.compare(scenario="data/scenarios/shop.toml", runs=3, max_time=0.001)
    with pytest.raises(ValueError, match='"lots": give a size such as 512M or 16G'):
        wacost.simulate("data/scenarios/shop.toml", runs=1, max_memory="lots")
    with pytest.raises(ValueError, match="max_time must be more than 0"):
        wacost.simulate("data/scenarios/shop.toml", runs=1, max_time=-5)
    # Raised limits: the same figures as the CLI.
    got = wacost.simulate(
        "data/scenarios/shop.toml", runs=4, seed=11, max_memory="16G", max_time=7200
    )
    assert got == cli_doc("simulate", "data/scenarios/shop.toml", "--runs", "4", "--seed", "11")


def test_compare_a_log_equals_the_cli():
    expected = cli_doc("compare", "--log", "tests/data/providers_log.csv")
    assert wacost.compare("tests/data/providers_log.csv") == expected
    in_euros = cli_doc(
        "compare", "--log", "tests/data/providers_log.csv", "--report-currency", "EUR",
        "--providers", "meta,twilio", "--seats", "3",
    )  # fmt: skip
    got = wacost.compare(
        "tests/data/providers_log.csv", report_currency="EUR", providers=["meta", "twilio"],
        seats=3,
    )  # fmt: skip
    assert got == in_euros


def test_compare_a_scenario_equals_the_cli():
    expected = cli_doc(
        "compare", "--scenario", "data/scenarios/shop.toml", "--runs", "3", "--seed", "5"
    )
    assert wacost.compare(scenario="data/scenarios/shop.toml", runs=3, seed=5) == expected


def test_compare_needs_one_input():
    with pytest.raises(ValueError, match="one of them"):
        wacost.compare()
    with pytest.raises(ValueError, match="unknown|provider"):
        wacost.compare("tests/data/providers_log.csv", providers=["no-such-bsp"])
