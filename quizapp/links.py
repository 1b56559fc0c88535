"""The links templates build, each built once.

A page builds a dozen links (the stylesheet, the navigation, its forms' actions) at
about 10 µs each with Werkzeug's URL builder, on every request. The same endpoint and
arguments under the same script root always give the same relative URL, so templates'
`url_for` keeps what it built.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Flask, has_request_context, request


def cache_template_links(app: Flask, size: int = 4096) -> None:
    """Give the app's templates a `url_for` that keeps up to `size` links it built."""
    build = app.url_for

    @lru_cache(maxsize=size)
    def cached(_script_root: str, endpoint: str, values: tuple[tuple[str, Any], ...]) -> str:
        return build(endpoint, **dict(values))

    def url_for(endpoint: str, **values: Any) -> str:
        # Blueprint-relative names depend on the page, "_external" and the like on more,
        # and a link built outside a request on the app's configured server.
        if (
            endpoint.startswith(".")
            or any(name.startswith("_") for name in values)
            or not has_request_context()
        ):
            return build(endpoint, **values)
        try:
            return cached(request.script_root, endpoint, tuple(values.items()))
        except TypeError:  # a value that cannot be a key, such as a list
            return build(endpoint, **values)

    app.jinja_env.globals["url_for"] = url_for
