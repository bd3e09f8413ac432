"""pytest fixtures for the fake East Money: import them into a test module to use them.

`fake_eastmoney` starts the local server on the default market, routes requests to
it and refuses every other host, sets TQDM_DISABLE=1 (akshare's paged calls print
tqdm bars otherwise; tqdm reads the variable when it is first imported, which
`import akshare` does) and forgets akshare's process-wide cache of the concept
board list, so no test sees another's boards. Nothing here imports akshare.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import pytest

from .builder import Market, default_market
from .server import FakeEastMoney


@lru_cache(maxsize=1)
def shared_market() -> Market:
    """The default market, built once per process (its series are cached inside)."""
    return default_market()


def forget_akshare_caches() -> None:
    """Clear akshare's lru_cache of the concept board list, if akshare is loaded.

    stock_board_concept_em.py caches `__stock_board_concept_name_em()` for the life of
    the process (stock_board_concept_name_em and stock_board_concept_cons_em by name
    both read it), so a second fake with other boards would otherwise see the first's.
    """
    module = sys.modules.get("akshare.stock.stock_board_concept_em")
    if module is None:
        return
    cached = getattr(module, "__stock_board_concept_name_em", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


def quiet_akshare() -> None:
    """Keep akshare's progress bars off stderr (must run before tqdm is first imported)."""
    os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture
def fake_eastmoney(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEastMoney]:
    """A running fake East Money on the default market, intercepting requests."""
    monkeypatch.setenv("TQDM_DISABLE", "1")
    forget_akshare_caches()
    with FakeEastMoney(shared_market()) as fake, fake.intercept():
        yield fake
    forget_akshare_caches()


@pytest.fixture
def serve_eastmoney(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., FakeEastMoney]]:
    """A factory: `serve_eastmoney(market=None, **options)` starts and wires one fake
    (FakeEastMoney's options: latency, page_cap, rate_limit ...). One at a time."""
    monkeypatch.setenv("TQDM_DISABLE", "1")
    forget_akshare_caches()
    with contextlib.ExitStack() as stack:

        def serve(market: Market | None = None, **options: Any) -> FakeEastMoney:
            fake = stack.enter_context(FakeEastMoney(market or shared_market(), **options))
            stack.enter_context(fake.intercept())
            return fake

        yield serve
    forget_akshare_caches()
