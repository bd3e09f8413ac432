"""Names a package exports but imports only when first asked for (PEP 562).

A command that never evaluates a rule (`rules check`) or never fetches from East Money
must not pay for importing pandas or akshare just because it imported the package.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(module: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The `__getattr__` of package `module`: each name of `homes` (name -> the module
    that defines it) is imported on first use and kept in the package from then on."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        vars(sys.modules[module])[name] = value  # past any __setattr__ of the package
        return value

    return __getattr__
