"""SQLAlchemy's cache of compiled statements, looked up first by the identity of a
statement's cache key.

SQLAlchemy finds a statement's compiled SQL by hashing its cache key, a nested tuple as
large as the statement: about 3,000 elements for the study queue, whose hash takes about
50 µs. Python does not keep a tuple's hash, so that cost comes again on every
execution. A statement built once (those of
`quizapp.services.statements`) keeps the same cache key object for its life, so its
compiled SQL can be found by that object's identity instead. Any other statement is
looked up by hash in an ordinary LRU cache, as SQLAlchemy does by default.

A key is remembered by identity only when the same object comes back: statements built
anew for each call bring a new key every time and never stay in the identity map.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy.util import LRUCache

# The engine's key: (dialect, statement cache key, column keys, schema map?, executemany?).
Key = tuple[Any, ...]


class IdentityFirstCache:
    """A compiled cache (the `compiled_cache` execution option) for one engine."""

    def __init__(self, size: int = 500, *, identities: int = 1000, recent: int = 128) -> None:
        self._by_hash: LRUCache[Key, Any] = LRUCache(size)
        # id(statement key), rest of the key -> (statement key, dialect, compiled)
        self._by_identity: dict[Key, tuple[Any, Any, Any]] = {}
        self._identities = identities
        # Keys seen once lately, by the same index: one seen again is kept by identity.
        self._seen_once: OrderedDict[Key, Any] = OrderedDict()
        self._recent = recent
        self._lock = threading.Lock()

    @staticmethod
    def _index(key: Key) -> Key:
        return (id(key[1]), *key[2:])

    def get(self, key: Key, default: Any = None) -> Any:
        index = self._index(key)
        kept = self._by_identity.get(index)
        if kept is not None and kept[0] is key[1] and kept[1] is key[0]:
            return kept[2]
        compiled = self._by_hash.get(key)
        if compiled is None:
            return default
        with self._lock:
            if self._seen_once.pop(index, None) is key[1]:
                if len(self._by_identity) < self._identities:
                    self._by_identity[index] = (key[1], key[0], compiled)
            else:
                self._seen_once[index] = key[1]
                if len(self._seen_once) > self._recent:
                    self._seen_once.popitem(last=False)
        return compiled

    def __setitem__(self, key: Key, compiled: Any) -> None:
        self._by_hash[key] = compiled

    def __len__(self) -> int:
        return len(self._by_hash)

    @property
    def kept_by_identity(self) -> int:
        """How many statements are found by identity."""
        return len(self._by_identity)

    def clear(self) -> None:
        with self._lock:
            self._by_hash.clear()
            self._by_identity.clear()
            self._seen_once.clear()
