"""Fixtures of the document tests: where the reference folder ../shared is."""

from __future__ import annotations

from pathlib import Path

import pytest
from document_samples import SHARED


@pytest.fixture(scope="session")
def shared() -> Path:
    """The reference folder next to the project, or skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared/ is absent: the ANS CDA schema, schematrons and "
                    "tools/schematron.py are needed to validate generated documents")
    return SHARED
