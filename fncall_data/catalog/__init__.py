"""A bundled catalog of tools with deterministic fake backends, for generating training data.

Each domain lives in its own module; importing this package loads none of them, so it stays quick.
:func:`catalog_tools` imports the domains and returns the decorated model classes. Every class is a
Pydantic model made a tool with ``@tool``; its ``run()`` returns the same result for the same
arguments, and its class attributes tell the generator how people ask for it:

- ``__phrasings__``: query templates. ``{param}`` states a value; ``[...]`` is a segment that may be
  dropped (with the values inside it), which is how optional arguments, and missing required ones,
  are written.
- ``__answers__``: answer templates, filled from the arguments and the fields of the result.
- ``__say__``: how a value is spoken (``{"sort": {"price_asc": "cheapest first"}}``), or for an
  object or a list of objects, a template for one item (``{"items": "{quantity} {product}"}``).
- ``__pools__``: realistic values for a parameter, when the shared pools do not fit.
- ``__ask__``: the question the assistant asks when a required value is missing.

Example:
    >>> from fncall_data.catalog import catalog_tools
    >>> len(catalog_tools()) >= 40
    True
"""

from __future__ import annotations

import importlib

from pydantic import BaseModel

__all__ = ["DOMAINS", "catalog_tools", "domain_of"]

#: Domain name -> module holding its tools.
DOMAINS: dict[str, str] = {
    "weather": "fncall_data.catalog.weather",
    "finance": "fncall_data.catalog.finance",
    "calendar": "fncall_data.catalog.schedule",
    "math_units": "fncall_data.catalog.math_units",
    "travel": "fncall_data.catalog.travel",
    "shopping": "fncall_data.catalog.shopping",
    "messaging": "fncall_data.catalog.messaging",
    "notes_files": "fncall_data.catalog.notes",
    "places": "fncall_data.catalog.places",
}


def catalog_tools(domains: list[str] | None = None) -> list[type[BaseModel]]:
    """The catalog's tool classes, domain by domain, in a fixed order.

    Example:
        >>> [cls.__name__ for cls in catalog_tools(["weather"])][0]
        'GetCurrentWeather'
    """
    out: list[type[BaseModel]] = []
    for name in domains or list(DOMAINS):
        module = importlib.import_module(DOMAINS[name])
        out.extend(module.TOOLS)
    return out


def domain_of(cls: type) -> str:
    """The catalog domain a tool class belongs to ("" for a tool from elsewhere)."""
    return next((name for name, module in DOMAINS.items() if cls.__module__ == module), "")
