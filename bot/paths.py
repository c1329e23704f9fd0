"""Where the knowledge base and the catalogues are found.

In a source checkout (and an editable install) they are the top-level ``knowledge/`` and ``locales/``
folders; an installed wheel carries a copy under ``bot/_data``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` ("knowledge" or "locales"): the checkout's own, else the packaged copy."""
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "_data" / name
