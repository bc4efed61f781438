"""The application factory: one Flask app over one record, with the platform (sessions, security,
languages, error pages) and every blueprint listed in `web.blueprints`."""

from __future__ import annotations

import importlib
import logging
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import edge
from web.access import user_may
from web.blueprints import BLUEPRINTS
from web.context import AUDIT_KEY, BANNERS_KEY, DB_KEY, SETTINGS_KEY, current_banners
from web.error_pages import install_error_pages
from web.forms import install_forms
from web.gate import install_gate
from web.i18n import install_i18n
from web.nav import nav_items
from web.security import install_csrf, install_headers
from web.template_urls import install_template_urls

_LOGGER = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 2 * 1024 * 1024


def create_app(settings: edge.Settings, db: edge.Database | None = None, *,
               testing: bool = False) -> Flask:
    """Build the tablet application for ``settings`` (opening the record when ``db`` is None)."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    secure = bool(settings.web_secure_cookies)
    app.config.update(
        TESTING=testing, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, TEMPLATES_AUTO_RELOAD=False,
        PREFERRED_URL_SCHEME="https" if secure else "http",
        # Flask's signed cookie carries only one-time messages (flash); the sign-in session is
        # server-side (web.gate). A per-process key: messages do not survive a restart.
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME="__Host-relais_flash" if secure else "relais_flash",
        SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_PATH="/")
    app.extensions[DB_KEY] = db if db is not None else edge.open_record(settings)
    app.extensions[SETTINGS_KEY] = settings
    app.extensions[AUDIT_KEY] = edge.AuditGroupWriter(app.extensions[DB_KEY])
    app.extensions[BANNERS_KEY] = []
    app.extensions["relais.nav"] = []
    if settings.web_trusted_proxies:
        hops = settings.web_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)
    install_i18n(app)
    install_gate(app)
    install_csrf(app)
    install_headers(app)
    install_forms(app)
    install_error_pages(app)
    install_template_urls(app)
    app.jinja_env.globals.update(banners=current_banners, nav_items=nav_items, may=user_may,
                                 home_name=settings.home_name)
    for module_path in BLUEPRINTS:
        module = importlib.import_module(module_path)
        app.register_blueprint(module.blueprint)
    _LOGGER.info("tablet application ready with %d blueprints", len(BLUEPRINTS))
    return app
