"""The generic name → implementation registry; each stage package owns one instance.

Names are the strings users type. A typo gets the list of known names and the closest match; a heavy
implementation registers as a lazy "module:attr" string so nothing is imported until it is used.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Name → implementation for one extension point."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}
        self._lazy: dict[str, str] = {}

    def register(self, name: str, *, lazy: str | None = None) -> Callable[[T], T]:
        """Decorator registering `name`; with `lazy="pkg.mod:Attr"` registers without importing."""
        if name in self._items or name in self._lazy:
            existing = self._lazy.get(name) or repr(self._items[name])
            raise ValueError(f"{self.what} {name!r} is already registered (to {existing})")
        if lazy is not None:
            if ":" not in lazy:
                raise ValueError(f"lazy target must look like 'package.module:attr', got {lazy!r}")
            self._lazy[name] = lazy

        def add(item: T) -> T:
            self._lazy.pop(name, None)
            self._items[name] = item
            return item

        return add

    def get(self, name: str) -> T:
        if name in self._items:
            return self._items[name]
        if name in self._lazy:
            module, attr = self._lazy[name].split(":")
            item = getattr(importlib.import_module(module), attr)
            self._items[name] = item
            return item
        raise KeyError(self._unknown(name))

    def check(self, name: str, key: str) -> str:
        """`name` when registered (nothing is imported), else a ValueError naming the config `key` — so a
        config field holding a registered name is validated against the registry, never a copied list."""
        if name not in self:
            raise ValueError(f"{key}: {self._unknown(name)}")
        return name

    def _unknown(self, name: str) -> str:
        known = self.names()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"no {self.what} {name!r}; known: {', '.join(known) or '(none)'}{hint}"

    def names(self) -> list[str]:
        return sorted({*self._items, *self._lazy})

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._lazy
