"""A start-up cache: the knowledge base, the answer engine and the compiled catalogues, ready to use.

Building them from YAML and .po files takes most of a start; ``mailbot ask`` must answer faster than
python-telegram-bot imports. The cache is a pickle in ``BOT_DATA_DIR/cache`` whose name is a fingerprint
of every file it was built from (knowledge, catalogues, and the code that builds them), so any edit
makes a new one. It holds nothing that cannot be rebuilt: an unreadable cache is ignored and replaced,
and a folder that cannot be written just means no cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_CODE = Path(__file__).resolve().parents[1]  # the bot package
_KEEP = 3  # older caches kept, for a rollback, before they are removed


def _files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            yield Path(root, name)


def fingerprint(*folders: Path) -> str:
    """A short hash of the names, sizes and modification times of every file below ``folders``."""
    digest = hashlib.sha256()
    # The code whose objects the cache holds: the knowledge base's and the answer engine's.
    for folder in (*folders, _CODE / "knowledge", _CODE / "answering"):
        for path in _files(folder):
            if path.suffix in (".pyc",):
                continue
            stat = path.stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for module in ("i18n.py", "knowledge/cache.py"):
        stat = (_CODE / module).stat()
        digest.update(f"{module}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def cached(cache_dir: Path, key: str, build: Callable[[], Any]) -> Any:
    """The value stored under ``key``, or ``build()``'s, stored for next time when possible."""
    path = cache_dir / f"core-{key}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        pass
    except Exception as exc:  # a cache from an older version, or a torn file: rebuild it
        log.info("ignoring unreadable start-up cache %s (%s)", path, type(exc).__name__)
    value = build()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".core-", delete=False) as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)
        _prune(cache_dir)
    except OSError as exc:
        log.debug("start-up cache not written to %s: %s", cache_dir, exc)
    return value


def _prune(cache_dir: Path) -> None:
    caches = sorted(cache_dir.glob("core-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in caches[_KEEP:]:
        old.unlink(missing_ok=True)
