"""The `auth` blueprint object, shared by the sign-in view modules."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("auth", __name__)
