"""Type stubs of the native module (python/src/lib.rs). Options are the JSON document
``wacost._options`` writes; tables cross as Arrow streams (``__arrow_c_stream__``)."""

from typing import Any

__version__: str

class InputError(Exception):
    """A log, rate card or scenario that cannot be read or priced."""

    file: str | None
    line: int | None
    reason: str

class ArrowStream:
    """A stream of record batches, read once (pyarrow.RecordBatchReader.from_stream)."""

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...

def replay(
    sources: list[tuple[str, str, Any]], options: str, lines: bool
) -> tuple[str, ArrowStream, ArrowStream | None]: ...
def summary_json(doc: str) -> str: ...
def summary_text(doc: str) -> str: ...
def quote(
    options: str,
    to: str,
    category: str,
    at: str | None = None,
    in_service_window: bool = False,
    in_free_entry_point: bool = False,
) -> str: ...
def rates(options: str, at: str | None = None, market: str | None = None) -> str: ...
def simulate(
    options: str,
    text: str,
    origin: str,
    runs: int,
    seed: int | None = None,
    strategies: list[str] = ...,
) -> str: ...
def compare_log(options: str, providers: str, logs: list[str]) -> str: ...
def compare_scenario(
    options: str, providers: str, text: str, origin: str, runs: int, seed: int | None = None
) -> str: ...

class EventParser:
    def __init__(self, options: str, files: str) -> None: ...
    def parse(self, batch: Any) -> ArrowStream: ...
    def finish(self) -> ArrowStream: ...

class PartitionClassifier:
    def __init__(self, options: str, lines: bool) -> None: ...
    @staticmethod
    def columns() -> list[tuple[str, str]]: ...
    def push(self, batch: Any) -> ArrowStream: ...
    def finish(self) -> ArrowStream: ...

def settle(
    options: str, candidates: list[str], volumes: list[tuple[str, int]]
) -> tuple[ArrowStream, list[str], str]: ...
def summarize(options: str, ledger_rows: list[str], run: str) -> tuple[str, ArrowStream]: ...
