"""How old each figure is against its row's quote date, and when that is too old to use.

Every figure has a vintage: the date it describes (the quote date, the end of the
statement period, the date of the estimate) and its basis, the kind of date it is.
A rule must not read a figure that is much older than the row's own quote as if it
were current: such a figure is *stale*, and a comparison with it is unknown, exactly
as with a missing one (see `evaluate`). How old is too old depends on the basis:

* quote, 10 days: a price-based figure read on another day than the row's quote. Ten
  calendar days span the longest regular market closures (China's Golden Week and
  Lunar New Year holidays keep the exchanges shut for up to nine days in a row), so
  only a figure from another week's market is stale.
* statement, 300 days: the latest statement period of a company that reports on time
  can end up to about 275 days before its quote: a half-yearly reporter (most of
  Hong Kong and Australia) has a six-month period and up to three months to publish
  it (Hong Kong's Main Board), and an A-share reporter's Q3 period (Sep 30) stays its
  latest until the annual and Q1 reports, due by Apr 30. Past 300 days a company has
  missed a report, or the source has not caught up with it.
* estimate, 120 days: consensus estimates move most after each quarterly report; one
  older than a quarter plus a month predates the last results and the revisions that
  followed them.

A rule file can set its own limits (a `[max_age]` table, see `ruleset`). Ages are
relative to the row's `as_of`, never to today: the bundled sample is old by
construction, and what matters is whether a figure is old *for its row*. Pure: no
I/O, and nothing here knows where the vintages came from. numpy and pandas are imported
where a table is built: the rule files' `[max_age]` limits are checked with `AgeLimits`,
and `rules check` loads no data library.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: the kinds of date a vintage can be, in the order the docs and errors list them
BASES: tuple[str, ...] = ("quote", "statement", "estimate")

#: the largest limit a rule file may set (a century: anything above is a typo)
MAX_LIMIT_DAYS = 36500


@dataclass(frozen=True, slots=True)
class AgeLimits:
    """Days by which a figure may predate its row's quote before it is stale, per basis."""

    quote: int = 10
    statement: int = 300
    estimate: int = 120

    def days(self, basis: str) -> int:
        """The limit for one basis (an unknown basis gets the quote's, the strictest)."""
        return int(getattr(self, basis)) if basis in BASES else self.quote

    def as_dict(self) -> dict[str, int]:
        return {basis: self.days(basis) for basis in BASES}

    def text(self) -> str:
        """'quote 10 d, statement 300 d, estimate 120 d': for legends and explanations."""
        return ", ".join(f"{basis} {days} d" for basis, days in self.as_dict().items())


DEFAULT_AGE_LIMITS = AgeLimits()


class VintageLike(Protocol):
    """What the engine reads of a vintage (`screener.data.provider.Vintage` is one)."""

    date: str
    basis: str
    label: str


@dataclass(frozen=True)
class FigureAges:
    """Each figure's vintage, one cell per (ticker, metric), aligned with a frame's rows.

    `dates`, `basis` and `labels` hold the vintage (None where the figure has none:
    it is missing); `days` is how many days the vintage date lies before the row's
    `as_of` (NaN where either date is unknown; negative for a date after the quote).
    """

    dates: pd.DataFrame
    basis: pd.DataFrame
    labels: pd.DataFrame
    days: pd.DataFrame
    #: per cell the position of its basis in a list of the distinct ones (-1: none), and
    #: that list, when whoever built the tables knows them (`vintages.figure_ages`)
    basis_codes: tuple[np.ndarray, list[Any]] | None = field(
        default=None, compare=False, repr=False
    )

    @classmethod
    def build(
        cls,
        vintages: Mapping[str, Mapping[str, VintageLike]],
        as_of: pd.Series,
        metrics: Iterable[str],
    ) -> FigureAges:
        """From ticker -> metric -> vintage, for the rows (and row dates) of `as_of`."""
        import pandas as pd

        columns = list(dict.fromkeys(metrics))
        index = as_of.index

        def table(part: str) -> pd.DataFrame:
            data = {
                m: [_part(vintages.get(str(t), {}).get(m), part) for t in index] for m in columns
            }
            return pd.DataFrame(data, index=index, columns=columns, dtype=object)

        return cls.from_tables(table("date"), table("basis"), table("label"), as_of)

    @classmethod
    def from_tables(
        cls, dates: pd.DataFrame, basis: pd.DataFrame, labels: pd.DataFrame, as_of: pd.Series
    ) -> FigureAges:
        """From the three vintage tables (object cells, None where there is none) and the
        rows' quote dates; each distinct date is read once (a run has few of them)."""
        import pandas as pd

        values = dates.to_numpy(dtype=object)
        codes, distinct = pd.factorize(pd.Series(values.ravel(), dtype=object))
        # code -1 (no date) reads the None appended last
        gap = days_before(as_of, codes.reshape(values.shape), [*distinct, None])
        days = pd.DataFrame(gap, index=dates.index, columns=dates.columns, dtype="float64")
        return cls(dates=dates, basis=basis, labels=labels, days=days)

    def stale(self, limits: AgeLimits = DEFAULT_AGE_LIMITS) -> pd.DataFrame:
        """Bool per cell: the figure predates its row's quote by more than its basis allows."""
        import numpy as np
        import pandas as pd

        codes, uniques = self._basis_codes
        days = np.array([limits.days(b) if b else np.nan for b in uniques] + [np.nan])
        limit = days[codes]  # code -1 (no basis) reads the NaN at the end
        over = self.days.to_numpy(dtype="float64") > limit
        return pd.DataFrame(over, index=self.days.index, columns=self.days.columns)

    @cached_property
    def _basis_codes(self) -> tuple[np.ndarray, list[Any]]:
        """Per cell the code of its basis among the distinct ones (-1: none), found once:
        every view asks `stale` of the same table, and a run has a few bases in 100,000s
        of cells."""
        import pandas as pd

        if self.basis_codes is not None:
            return self.basis_codes
        basis = self.basis.to_numpy(dtype=object)
        codes, uniques = pd.factorize(pd.Series(basis.ravel(), dtype=object))
        return codes.reshape(basis.shape), list(uniques)

    def reindex(self, index: pd.Index) -> FigureAges:
        """The same table for another set of rows (cells of unknown rows are None / NaN)."""
        if index.equals(self.dates.index):  # the same rows: the table as it is
            return self
        return FigureAges(
            dates=self.dates.reindex(index),
            basis=self.basis.reindex(index),
            labels=self.labels.reindex(index),
            days=self.days.reindex(index),
        )

    def vintage(self, ticker: str, metric: str) -> dict[str, Any] | None:
        """One figure's vintage as plain data ({date, basis, label}), or None."""
        if metric not in self.dates.columns or ticker not in self.dates.index:
            return None
        date = self.dates.at[ticker, metric]
        if not isinstance(date, str):
            return None
        return {
            "date": date,
            "basis": self.basis.at[ticker, metric],
            "label": self.labels.at[ticker, metric] or date,
        }

    def of_row(self, ticker: str) -> dict[str, dict[str, Any]]:
        """One row's vintages as plain data, metric -> {date, basis, label} (JSON output)."""
        out: dict[str, dict[str, Any]] = {}
        for metric in self.dates.columns:
            found = self.vintage(ticker, str(metric))
            if found is not None:
                out[str(metric)] = found
        return out

    def of_rows(self, tickers: Iterable[str]) -> list[dict[str, dict[str, Any]]]:
        """`of_row` for many rows at once, read a column at a time (JSON of thousands);
        equal vintages are one shared dict, not to be changed."""
        wanted = list(tickers)
        known = self.dates.index.isin(wanted)
        rows = self.dates.index[known].tolist()  # str objects: an Index iterates slowly
        parts = [
            (
                str(metric),
                self.dates.loc[known, metric].tolist(),
                self.basis.loc[known, metric].tolist(),
                self.labels.loc[known, metric].tolist(),
            )
            for metric in self.dates.columns
        ]
        found: dict[str, dict[str, dict[str, Any]]] = {str(t): {} for t in rows}
        # Thousands of rows share a few vintages: one dict each (read-only, as JSON).
        shared: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
        for metric, dates, basis, labels in parts:
            for ticker, date, base, label in zip(rows, dates, basis, labels, strict=True):
                if isinstance(date, str):
                    key = (date, base, label)
                    vintage = shared.get(key)
                    if vintage is None:
                        vintage = {"date": date, "basis": base, "label": label or date}
                        shared[key] = vintage
                    found[str(ticker)][metric] = vintage
        return [dict(found.get(str(t), {})) for t in wanted]

    def label(self, ticker: str, metric: str) -> str | None:
        """How a person reads one figure's vintage ('TTM to 2024-09'), or None."""
        found = self.vintage(ticker, metric)
        return None if found is None else str(found["label"])

    def age(self, ticker: str, metric: str) -> float | None:
        """Days the figure predates its row's quote, or None when unknown."""
        if metric not in self.days.columns or ticker not in self.days.index:
            return None
        value = float(self.days.at[ticker, metric])
        return None if math.isnan(value) else value


def days_before(as_of: pd.Series, codes: np.ndarray, code_dates: Sequence[Any]) -> np.ndarray:
    """Whole days each cell's date lies before its row's quote date (NaN where either is
    missing or unreadable): `codes` (rows x figures) index `code_dates`, the distinct date
    texts (None: no date). The one reckoning of a figure's age in days.

    Each distinct date is parsed once, in the order the cells first show them (a format
    is inferred from the first); rows share a few quote dates, so the days of each
    (quote date, figure date) pair are reckoned once, then picked per cell.
    """
    import numpy as np
    import pandas as pd

    seen = pd.unique(codes.ravel())  # codes in the order of the cells, row by row
    texts = list(dict.fromkeys(code_dates[c] for c in seen if code_dates[c] is not None))
    parsed = timestamps(np.array(texts, dtype=object))
    at = {text: i for i, text in enumerate(texts)}
    stamp_of = np.array(
        [parsed[at[d]] if d in at else np.datetime64("NaT") for d in code_dates],
        dtype="datetime64[ns]",
    )
    quote_codes, quotes = pd.factorize(pd.Series(as_of.to_numpy(dtype=object), dtype=object))
    # a row without a quote date (code -1) reads the NaT appended last
    quote = np.append(timestamps(np.asarray(quotes, dtype=object)), np.datetime64("NaT", "ns"))
    with np.errstate(invalid="ignore"):
        table = np.floor((quote[:, None] - stamp_of[None, :]) / np.timedelta64(1, "D"))
    return table[quote_codes[:, None], codes]  # type: ignore[no-any-return]


def timestamps(values: np.ndarray) -> np.ndarray:
    """Date texts -> datetime64[ns] (NaT where missing or unreadable), each distinct one
    parsed once (in the order they first appear: the format is inferred from the first)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    if len(uniques) == 0:
        return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(
        dtype="datetime64[ns]"
    )
    out = parsed[codes]
    out[codes < 0] = np.datetime64("NaT")
    return out


def _part(vintage: VintageLike | None, part: str) -> str | None:
    if vintage is None:
        return None
    value = getattr(vintage, part, None)
    return value if isinstance(value, str) and value else None
