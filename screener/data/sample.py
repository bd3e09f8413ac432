"""The bundled offline sample: real, dated figures read from public pages, shipped unaltered.

`SampleProvider` reads the three CSV files of `screener/data/snapshot/` (copied
byte for byte from the project's sample snapshot) and turns each company into a
`FetchBundle`, so the sample travels through the same store and frame as live
data. No figure is changed: columns are only renamed to catalogue names. Where
the snapshot lacks a growth or margin figure that the income-statement file has,
that figure is used and its provenance recorded per field; where both have one
and they differ, the snapshot wins and the other is kept visible in `extra`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from screener.data.provider import (
    ALL_KINDS,
    SAMPLE_SOURCE,
    DataKind,
    FetchBundle,
    FxRate,
    HistoryPoint,
    NotFoundError,
    RequestGate,
)

#: snapshot.csv column -> catalogue metric (identity where the names agree)
SNAPSHOT_COLUMNS: dict[str, str] = {
    "price": "price",
    "market_cap": "market_cap",
    "enterprise_value": "enterprise_value",
    "pe_ttm": "pe_ttm",
    "pe_forward": "pe_fwd",
    "peg": "peg",
    "ps_ttm": "ps_ttm",
    "pb": "pb",
    "ev_ebitda": "ev_ebitda",
    "revenue_ttm": "revenue_ttm",
    "revenue_growth_yoy": "revenue_growth",
    "gross_margin": "gross_margin",
    "operating_margin": "operating_margin",
    "net_margin": "net_margin",
    "roe": "roe",
    "debt_to_equity": "debt_to_equity",
    "beta": "beta",
    "change_52w": "ret_12m",
}

#: growth_margins.csv column -> catalogue metric; only currency-free fractions are
#: taken, since that file's amounts are sometimes in another currency or listing.
STATEMENT_FRACTIONS: dict[str, str] = {
    "revenue_growth_yoy": "revenue_growth",
    "gross_margin": "gross_margin",
    "operating_margin": "operating_margin",
    "net_margin": "net_margin",
    "eps_growth_yoy": "earnings_growth",
}

#: valuation_history.csv column -> catalogue metric
HISTORY_COLUMNS: dict[str, str] = {
    "pe": "pe_ttm",
    "ps": "ps_ttm",
    "pb": "pb",
    "ev_ebitda": "ev_ebitda",
}

SAMPLE_PACKAGE = "screener.data"
SAMPLE_FOLDER = "snapshot"


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files(SAMPLE_PACKAGE).joinpath(SAMPLE_FOLDER, name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    return float(text)


class SampleProvider:
    """Serves the bundled snapshot as if it were a data source (the full `Provider` protocol).

    It makes no requests, so its counts stay 0 and a gate attached to it is never
    consulted; every fetch returns every kind the snapshot has.
    """

    name = SAMPLE_SOURCE
    requests_made = 0

    def __init__(self) -> None:
        self.gate: RequestGate | None = None
        self._snapshot = {row["ticker"]: row for row in _read_csv("snapshot.csv")}
        self._statements = {row["ticker"]: row for row in _read_csv("growth_margins.csv")}
        self._history: dict[str, list[dict[str, str]]] = {}
        for row in _read_csv("valuation_history.csv"):
            self._history.setdefault(row["ticker"], []).append(row)

    @staticmethod
    def fingerprint() -> str:
        """A hash of the bundled files: the store reloads the sample only when they change."""
        import hashlib

        digest = hashlib.sha256()
        for name in ("snapshot.csv", "growth_margins.csv", "valuation_history.csv", "fx_rates.csv"):
            digest.update(
                resources.files(SAMPLE_PACKAGE).joinpath(SAMPLE_FOLDER, name).read_bytes()
            )
        return digest.hexdigest()[:16]

    def fetch(self, tickers: Iterable[str] | None = None) -> Iterator[FetchBundle]:
        """One bundle per ticker the snapshot has (all of them when `tickers` is None)."""
        wanted = list(self._snapshot) if tickers is None else list(tickers)
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        for ticker in wanted:
            row = self._snapshot.get(ticker)
            if row is not None:
                yield self._bundle(row, fetched_at)

    def fetch_one(self, ticker: str, kinds: Iterable[DataKind] = ALL_KINDS) -> FetchBundle:
        """The snapshot's bundle for `ticker` (whatever `kinds` asks: it is one file), or
        NotFoundError for a ticker the sample does not hold."""
        row = self._snapshot.get(ticker)
        if row is None:
            raise NotFoundError(f"{ticker}: not in the bundled sample")
        return self._bundle(row, datetime.now(UTC).isoformat(timespec="seconds"))

    def thread_requests(self) -> int:
        """Always 0: the sample is read from package files, never over the network."""
        return 0

    def _bundle(self, row: dict[str, str], fetched_at: str) -> FetchBundle:
        ticker = row["ticker"]
        metrics: dict[str, float] = {}
        for column, metric in SNAPSHOT_COLUMNS.items():
            value = _number(row.get(column, ""))
            if value is not None:
                metrics[metric] = value
        extra: dict[str, Any] = {}
        field_sources: dict[str, str] = {}
        if row.get("supplement_source_url"):
            for column in filter(None, row.get("supplement_fields", "").split(";")):
                metric = SNAPSHOT_COLUMNS.get(column.strip())
                if metric:
                    field_sources[metric] = (
                        f"{row['supplement_source_url']} (as of {row['supplement_as_of']})"
                    )
        statement = self._statements.get(ticker)
        if statement is not None:
            where = f"{statement['source_url']} ({statement['period']}, as of {statement['as_of']})"
            disagreements: dict[str, dict[str, float]] = {}
            for column, metric in STATEMENT_FRACTIONS.items():
                value = _number(statement.get(column, ""))
                if value is None:
                    continue
                if metric not in metrics:
                    metrics[metric] = value
                    field_sources[metric] = where
                elif metrics[metric] != value:
                    disagreements[metric] = {"snapshot": metrics[metric], "statement": value}
            extra["income_statement"] = {
                "period": statement["period"],
                "revenue": _number(statement["revenue"]),
                "as_of": statement["as_of"],
                "source_url": statement["source_url"],
                "notes": statement["notes"],
            }
            if disagreements:
                extra["disagreements"] = disagreements
        if field_sources:
            extra["field_sources"] = field_sources
        history = tuple(
            HistoryPoint(metric=metric, date=point["period_end"], value=value)
            for point in self._history.get(ticker, [])
            if point["fiscal_year"] != "Current"  # the current value is the snapshot's own
            for column, metric in HISTORY_COLUMNS.items()
            if (value := _number(point.get(column, ""))) is not None
        )
        return FetchBundle(
            ticker=ticker,
            source=SAMPLE_SOURCE,
            as_of=row["as_of"],
            fetched_at=fetched_at,
            currency=row["currency"] or None,
            financial_currency=None,
            metrics=metrics,
            source_url=row["source_url"],
            notes=row["notes"] or None,
            profile={},
            history=history,
            extra=extra,
        )

    def fx_rates(self) -> list[FxRate]:
        """The dated rates shipped beside the snapshot (empty if the table is absent)."""
        try:
            rows = _read_csv("fx_rates.csv")
        except FileNotFoundError:
            return []
        return [
            FxRate(
                currency=row["currency"],
                date=row["date"],
                units_per_usd=float(row["units_per_usd"]),
                source=row["source_url"],
                note=row.get("note", ""),
            )
            for row in rows
        ]
