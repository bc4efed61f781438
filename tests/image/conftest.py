"""Fixtures for the image tests (helpers live in image_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from image_support import install_image_files


@pytest.fixture
def image_root(tmp_path: Path) -> Path:
    """A throwaway root holding the image's installed files."""
    return install_image_files(tmp_path / "root")
