"""The permission matrix: least privilege as decided, and the README carries it verbatim."""

from __future__ import annotations

from pathlib import Path

from edge import Role
from web.access import PERMISSION_TEXT, ROLE_PERMISSIONS, Permission, may, permission_matrix_markdown

README = Path(__file__).resolve().parents[2] / "README.md"
CLINICAL = {Permission.RESIDENTS_VIEW, Permission.VITALS_ENTER, Permission.NOTES_WRITE,
            Permission.ALERTS_VIEW, Permission.DOCUMENTS_VIEW}


def test_every_role_has_a_row_and_every_permission_a_description() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert set(PERMISSION_TEXT) == set(Permission)


def test_the_administrator_sees_no_clinical_data() -> None:
    assert not CLINICAL & ROLE_PERMISSIONS[Role.ADMINISTRATEUR]


def test_carers_cannot_validate_identity_nor_administer_and_only_doctors_set_scale_2() -> None:
    assert may(Role.AIDE_SOIGNANT, Permission.VITALS_ENTER, Permission.ALERTS_ACKNOWLEDGE)
    assert not may(Role.AIDE_SOIGNANT, Permission.IDENTITY_VALIDATE)
    assert not may(Role.AIDE_SOIGNANT, Permission.USERS_MANAGE)
    assert may(Role.INFIRMIER, Permission.IDENTITY_VALIDATE, Permission.VITALS_AMEND)
    assert [r for r in Role if may(r, Permission.NEWS2_SCALE2_SET)] == [Role.MEDECIN]
    assert [r for r in Role if may(r, Permission.USERS_MANAGE)] == [Role.ADMINISTRATEUR]


def test_the_readme_carries_the_permission_matrix() -> None:
    assert permission_matrix_markdown() in README.read_text(encoding="utf-8"), (
        "paste web.access.permission_matrix_markdown() into the README")
