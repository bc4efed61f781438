"""INS facts the documents need, taken from `edge.ins`: INS namespaces, matricule and COG checks."""

from __future__ import annotations

from edge.ins import COG_PATTERN, IdentityRejected, InsOid, validate_matricule

# Roots under which a recordTarget id is an INS (production and test/demo namespaces).
INS_ROOTS = frozenset(oid.value for oid in InsOid)


def matricule_is_valid(matricule: str) -> bool:
    """Whether a 15-character matricule (NIR or NIA) has the right shape and control key."""
    try:
        return validate_matricule(matricule) == matricule
    except IdentityRejected:
        return False


def cog_is_valid(code: str) -> bool:
    """Whether a birthplace code is an INSEE COG code (5 characters, Corsica 2A/2B)."""
    return COG_PATTERN.fullmatch(code) is not None
