"""A registry: the one place a kind of thing (architectures, datasets) is listed by name."""
from __future__ import annotations

from typing import Generic, TypeVar

from core.config.fields import ConfigError, quoted

T = TypeVar("T")


class Registry(dict[str, T], Generic[T]):
    """Entries by name, in the order registered; `field` is how settings and links name one."""

    def __init__(self, what: str, field: str) -> None:
        super().__init__()
        self.what, self.field = what, field

    def register(self, entry: T) -> T:
        """Add an entry (anything with a `name`); its name must be new."""
        if entry.name in self:
            raise ValueError(f"{self.what} named {entry.name!r} is registered already")
        self[entry.name] = entry
        return entry

    def named(self, name: str) -> T:
        """The entry called `name`; anything else is a ConfigError listing the choices."""
        if not isinstance(name, str) or name not in self:
            raise ConfigError(f"{self.field} must be one of {sorted(self)}, got {quoted(name)}")
        return self[name]
