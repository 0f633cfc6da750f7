"""One module per URL; each exposes `layout(**query)` and registers its callbacks."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    """Every module in this package, imported (so each has registered its callbacks and chart
    builders): the pages are found here, never listed elsewhere."""
    return [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
