"""pytest fixtures for the fake Yahoo: import them into a test module to use them.

They keep tests off the network (a socket and curl guard), point yfinance's
on-disk caches at a temporary folder and give each test a fresh yfinance
singleton, so one test's cookie or crumb never leaks into the next.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from .server import FakeYahoo


@pytest.fixture(scope="session")
def yf_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One temporary yfinance cache folder for the whole session (yfinance wants it set once)."""
    import yfinance as yf

    path = tmp_path_factory.mktemp("yf-cache")
    yf.set_tz_cache_location(str(path))
    return path


@pytest.fixture(autouse=False)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real connection attempt fails the test loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    try:
        from curl_cffi.requests import Session as CurlSession

        monkeypatch.setattr(CurlSession, "request", refuse)
    except ImportError:  # curl_cffi is optional for yfinance
        pass


def fresh_yfinance() -> None:
    """Forget yfinance's process-wide session, cookie and crumb (its YfData singleton)."""
    from yfinance.data import SingletonMeta, YfData

    with SingletonMeta._lock:
        SingletonMeta._instances.pop(YfData, None)
    YfData.cache_get.cache_clear()


@pytest.fixture
def fake_yahoo(no_network: None, yf_cache_dir: Path) -> Iterator[FakeYahoo]:
    """A fake Yahoo with the committed fixtures, no latency, and a clean yfinance state."""
    import yfinance as yf

    fresh_yfinance()
    yf.cache.get_cookie_cache()  # make sure the cookie table exists before threads race for it
    fake = FakeYahoo()
    yield fake
    fresh_yfinance()


@pytest.fixture
def wired(fake_yahoo: FakeYahoo, yf_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> FakeYahoo:
    """The CLI's Yahoo is the fake one, and it counts as reachable."""
    from screener.data import yahoo

    real = yahoo.YahooProvider

    def provider(*args: object, **kwargs: object) -> object:
        kwargs.setdefault("cache_dir", yf_cache_dir)
        return real(fake_yahoo.session(), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(yahoo, "YahooProvider", provider)
    monkeypatch.setattr(yahoo, "yahoo_reachable", lambda timeout=2.0: (True, ""))
    return fake_yahoo
