"""Whole corpora: batch analysis into a database, trend reports, exports for annotation.

Nothing here is imported by ``import unspin`` or ``unspin analyze``: SQLAlchemy, Dask,
matplotlib, pyarrow and psycopg load only inside the commands that need them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from unspin.errors import MissingExtraError


def require(module: str, extra: str | None, feature: str) -> ModuleType:
    """Import ``module`` or fail with one line that says which extra installs it.

    ``extra=None`` marks a core dependency (a broken install rather than a missing extra).
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        fix = f"pip install 'unspin[{extra}]'" if extra else f"reinstall unspin (pip install {package})"
        raise MissingExtraError(f"{feature} needs the Python package {package!r}: {fix}") from None


def sqlalchemy() -> ModuleType:
    return require("sqlalchemy", None, "the corpus database")
