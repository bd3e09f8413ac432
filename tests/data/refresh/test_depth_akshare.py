"""Years of daily bars kept without re-fetching them, through the fake East Money.

akshare's `stock_zh_a_hist` carries the start as `beg=`; its closes are forward-
adjusted, so a new dividend rescales every older close and the whole series must
come again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from screener.data.provider import DEFAULT_PRICE_YEARS, EASTMONEY_SOURCE, years_before
from screener.data.refresh import refresh
from screener.data.refresh.depth import OVERLAP_DAYS
from screener.data.store import Store
from tests.data.akshare.helpers import QUICK, quick_provider
from tests.fake_eastmoney import END_DATE, FakeEastMoney
from tests.fake_eastmoney.builder import Market, default_market
from tests.fake_eastmoney.testing import serve_eastmoney

_FIXTURES = (serve_eastmoney,)

pytestmark = [
    pytest.mark.filterwarnings("ignore:The inplace keyword:Warning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

TICKER, CODE = "600498.SS", "600498"
AS_OF = END_DATE + timedelta(days=5)  # Wednesday: three trading days after END_DATE
NEW_DAYS = 3


@pytest.fixture(autouse=True)
def _akshare_installed() -> None:
    pytest.importorskip("akshare")


@dataclass
class ServedUpTo(Market):
    """A market whose daily bars stop at `upto` (YYYYMMDD): the same series, seen earlier."""

    upto: str = "20500101"

    def kline_rows(self, code: str, fqt: str, klt: str, beg: str, end: str) -> list[str] | None:
        return super().kline_rows(code, fqt, klt, beg, min(end, self.upto))


def market(upto: date, dividend: tuple[date, float] | None = None) -> ServedUpTo:
    base = default_market(as_of=AS_OF)
    companies = tuple(
        replace(c, dividends=(*c.dividends, dividend)) if dividend and c.code == CODE else c
        for c in base.companies
    )
    return ServedUpTo(companies, base.boards, base.as_of, upto=upto.strftime("%Y%m%d"))


def serve(fake: FakeEastMoney, served: Market) -> None:
    """Swap what the running fake serves (and forget the answers it built)."""
    fake.market = served
    fake._replies.clear()
    fake.reset_counts()


def kline_starts(fake: FakeEastMoney) -> list[str]:
    return [r.params.get("beg", "") for r in fake.records if r.endpoint == "kline"]


def run(store: Store, **kw: Any) -> Any:
    return refresh(store, [TICKER], provider=quick_provider(), policy=QUICK, **kw)


def later() -> datetime:
    return datetime.now(UTC) + timedelta(days=4)


def test_a_later_refresh_asks_from_the_last_bar_and_a_dividend_replaces_the_series(
    tmp_path: Path, serve_eastmoney: Any
) -> None:
    fake = serve_eastmoney(market(END_DATE))
    with Store(tmp_path / "ak.db") as store:
        first = run(store)
        assert first.fetched == [TICKER] and not first.failed, first.failed
        deepest = years_before(datetime.now(UTC).date(), DEFAULT_PRICE_YEARS)
        assert kline_starts(fake) == [deepest.strftime("%Y%m%d")]
        cold = store.prices(TICKER)
        assert cold[0]["date"] >= deepest.isoformat() and cold[-1]["date"] == END_DATE.isoformat()
        assert cold[0]["date"] < (deepest + timedelta(days=7)).isoformat()  # listed in 2001

        # three more days, nothing else changed: only they are added
        serve(fake, market(AS_OF))
        second = run(store, now=later())
        assert second.kinds[TICKER] == ["prices"] and not second.failed
        assert kline_starts(fake) == [(END_DATE - timedelta(days=OVERLAP_DAYS)).strftime("%Y%m%d")]
        grown = store.prices(TICKER)
        assert len(grown) == len(cold) + NEW_DAYS and not second.prices_replaced
        assert len({r["date"] for r in grown}) == len(grown)
        assert [r["close"] for r in grown[: len(cold)]] == [r["close"] for r in cold]

        # a dividend goes ex on the last day: every older forward-adjusted close moves
        clock = later() + timedelta(days=1)
        serve(fake, market(AS_OF, dividend=(AS_OF, 1.5)))
        third = run(store, now=clock)
        partial = (AS_OF - timedelta(days=OVERLAP_DAYS)).strftime("%Y%m%d")
        full = years_before(clock.date(), DEFAULT_PRICE_YEARS).strftime("%Y%m%d")
        assert kline_starts(fake) == [partial, full]
        assert TICKER in third.prices_replaced
        replaced = store.prices(TICKER)
        served = fake.market.kline_rows(CODE, "1", "101", full, "20500101")
        assert served is not None
        assert [r["date"] for r in replaced] == [row.split(",")[0] for row in served]
        assert [r["close"] for r in replaced] == [float(row.split(",")[2]) for row in served]
        assert replaced[0]["close"] < grown[0]["close"]  # rescaled for the new dividend
        assert {r["source"] for r in replaced} == {EASTMONEY_SOURCE}
