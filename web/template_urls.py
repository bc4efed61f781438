"""Template `url_for` with memory: the URL a page links to is worked out once per (URL root,
endpoint, arguments) instead of on every render (Werkzeug's URL building was a good part of the
cost of a page). The URL map does not change while the application runs, and a URL built inside a
request depends only on the request's root path and the arguments; bounded, so links to many
different records do not make it grow without end."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask import url_for as flask_url_for

KEPT_URLS = 4096


def memoised_url_for() -> Callable[..., str]:
    """A drop-in ``url_for`` for templates (any ``_external``, ``_anchor``... call is not kept)."""
    kept: dict[tuple[Any, ...], str] = {}
    lock = threading.Lock()

    def url_for(endpoint: str, **values: Any) -> str:
        if any(name.startswith("_") for name in values):
            return flask_url_for(endpoint, **values)
        relative = request.blueprint if endpoint.startswith(".") else None
        try:
            key = (request.script_root, relative, endpoint, tuple(sorted(values.items())))
            found = kept.get(key)
        except TypeError:  # an argument that cannot be a key (a list): build it every time
            return flask_url_for(endpoint, **values)
        if found is None:
            found = flask_url_for(endpoint, **values)
            with lock:
                if len(kept) >= KEPT_URLS:
                    kept.clear()
                kept[key] = found
        return found

    return url_for


def install_template_urls(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = memoised_url_for()
