"""The bundled offline sample: real, dated figures read from public pages, shipped unaltered.

`SampleProvider` reads the three CSV files of `screener/data/snapshot/` (copied
byte for byte from the project's sample snapshot) and turns each company into a
`FetchBundle`, so the sample travels through the same store and frame as live
data. No figure is changed: columns are only renamed to catalogue names. Where
the snapshot lacks a growth or margin figure that the income-statement file has,
that figure is used and its provenance recorded per field; where both have one
and they differ, the snapshot wins and the other is kept visible in `extra`.

Every figure gets a vintage (`FetchBundle.vintages`), the date it describes:

* price-based figures of snapshot.csv: the row's `as_of`, basis "quote";
* estimates (forward P/E, PEG): the row's `as_of`, basis "estimate" (the page's
  consensus on that day);
* figures of growth_margins.csv: the end of its `period` ("TTM 2024-09" ->
  2024-09-30, label "TTM to 2024-09"; "FY2025" -> the fiscal year end the notes name,
  else December), basis "statement";
* the row's second page (`supplement_fields`): the period its notes state ("TTM to
  Sep 2025"), else the supplement's date with basis "quote";
* snapshot.csv's own statement figures (revenue, margins, ROE, D/E): the statistics
  pages print them without their period, so their vintage is the page's date, basis
  "quote", labelled "period not stated". Claiming a period the page does not state
  would be inventing one; the page's date is what it vouches for.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
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
    Vintage,
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

#: snapshot.csv figures that are a consensus estimate read on the row's date
ESTIMATE_FIGURES: frozenset[str] = frozenset({"pe_fwd", "peg"})
#: snapshot.csv figures from the statements, printed without their period
UNDATED_STATEMENT_FIGURES: frozenset[str] = frozenset(
    {
        "revenue_ttm",
        "revenue_growth",
        "gross_margin",
        "operating_margin",
        "net_margin",
        "roe",
        "debt_to_equity",
    }
)

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
#: how the files become bundles; part of the fingerprint, so a store reloads the sample
#: when this changes even though the files did not (2: vintages)
BUNDLE_FORMAT = "2"

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_RE = "(" + "|".join(calendar.month_abbr[1:]) + ")"
_TTM_RE = re.compile(r"TTM (\d{4})-(\d{2})")
_FY_RE = re.compile(r"FY ?(\d{4})")
_FY_MONTH_RES = (
    re.compile(rf"FY ?\d{{4}}\s*\(?\s*{_MONTH_RE}"),  # "FY2024 Dec '24", "FY 2025 (Dec 31"
    re.compile(rf"FY ends {_MONTH_RE}"),  # "FY ends Jun"
)
_NOTES_TTM_RE = re.compile(rf"TTM to {_MONTH_RE} (\d{{4}})")  # "TTM to Sep 2025"


def _month_end(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def period_vintage(period: str, notes: str = "") -> Vintage | None:
    """The vintage of a statement period as growth_margins.csv writes it, or None.

    "TTM 2024-09" -> 2024-09-30, "TTM to 2024-09"; "FY2025" -> the fiscal year end the
    notes name ("FY ends Jun", "FY 2025 Jun 30"), December when they name none.
    """
    if match := _TTM_RE.fullmatch(period.strip()):
        year, month = int(match.group(1)), int(match.group(2))
        return Vintage(_month_end(year, month), "statement", f"TTM to {year:04d}-{month:02d}")
    if match := _FY_RE.fullmatch(period.strip()):
        year = int(match.group(1))
        month = 12
        for pattern in _FY_MONTH_RES:
            if found := pattern.search(notes):
                month = _MONTHS[found.group(1).lower()]
                break
        label = f"FY{year} (to {year:04d}-{month:02d})"
        return Vintage(_month_end(year, month), "statement", label)
    return None


def notes_period(notes: str) -> Vintage | None:
    """The statement period a row's notes give its second page ("TTM to Sep 2025")."""
    match = _NOTES_TTM_RE.search(notes)
    if match is None:
        return None
    month, year = _MONTHS[match.group(1).lower()], int(match.group(2))
    return Vintage(_month_end(year, month), "statement", f"TTM to {year:04d}-{month:02d}")


def snapshot_vintage(metric: str, as_of: str) -> Vintage:
    """The vintage of one of snapshot.csv's own figures (see the module docstring)."""
    if metric in ESTIMATE_FIGURES:
        return Vintage(as_of, "estimate", f"estimate of {as_of}")
    if metric in UNDATED_STATEMENT_FIGURES:
        return Vintage(as_of, "quote", f"page of {as_of}, period not stated")
    return Vintage(as_of, "quote", f"quote of {as_of}")


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

        digest = hashlib.sha256(BUNDLE_FORMAT.encode())
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

    def fetch_one(
        self,
        ticker: str,
        kinds: Iterable[DataKind] = ALL_KINDS,
        *,
        price_start: date | None = None,
    ) -> FetchBundle:
        """The snapshot's bundle for `ticker` (whatever `kinds` and `price_start` ask: it is
        one file, without daily bars), or NotFoundError for a ticker the sample does not hold."""
        row = self._snapshot.get(ticker)
        if row is None:
            raise NotFoundError(f"{ticker}: not in the bundled sample")
        return self._bundle(row, datetime.now(UTC).isoformat(timespec="seconds"))

    def thread_requests(self) -> int:
        """Always 0: the sample is read from package files, never over the network."""
        return 0

    def sources_asked(self, ticker: str) -> tuple[str, ...]:
        """One source: this one."""
        return (self.name,)

    def _bundle(self, row: dict[str, str], fetched_at: str) -> FetchBundle:
        ticker = row["ticker"]
        as_of = row["as_of"]
        metrics: dict[str, float] = {}
        vintages: dict[str, Vintage] = {}
        for column, metric in SNAPSHOT_COLUMNS.items():
            value = _number(row.get(column, ""))
            if value is not None:
                metrics[metric] = value
                vintages[metric] = snapshot_vintage(metric, as_of)
        extra: dict[str, Any] = {}
        field_sources: dict[str, str] = {}
        if row.get("supplement_source_url"):
            when = row["supplement_as_of"]
            supplement = notes_period(row.get("notes") or "") or Vintage(
                when, "quote", f"page of {when}, period not stated"
            )
            for column in filter(None, row.get("supplement_fields", "").split(";")):
                metric = SNAPSHOT_COLUMNS.get(column.strip())
                if metric:
                    field_sources[metric] = (
                        f"{row['supplement_source_url']} (as of {row['supplement_as_of']})"
                    )
                    if metric in metrics:
                        vintages[metric] = supplement
        statement = self._statements.get(ticker)
        if statement is not None:
            where = f"{statement['source_url']} ({statement['period']}, as of {statement['as_of']})"
            period = period_vintage(statement["period"], statement.get("notes") or "") or Vintage(
                statement["as_of"], "quote", f"page of {statement['as_of']}, period not stated"
            )
            disagreements: dict[str, dict[str, float]] = {}
            for column, metric in STATEMENT_FRACTIONS.items():
                value = _number(statement.get(column, ""))
                if value is None:
                    continue
                if metric not in metrics:
                    metrics[metric] = value
                    vintages[metric] = period
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
            as_of=as_of,
            fetched_at=fetched_at,
            currency=row["currency"] or None,
            financial_currency=None,
            metrics=metrics,
            source_url=row["source_url"],
            notes=row["notes"] or None,
            profile={},
            history=history,
            extra=extra,
            vintages=vintages,
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
