"""Errors raised while building or checking a document, named for what the caller must do.

`DocumentError` is the root of document errors, under `edge.errors.EdgeError`.
Messages are plain French sentences that staff may read as they are.
"""

from __future__ import annotations

from edge.errors import EdgeError


class DocumentError(EdgeError):
    """Root of every error raised by `edge.documents`."""


class DocumentIncomplete(DocumentError):
    """The document lacks a required element, code or identity trait: do not queue it.

    A person must complete the resident's record (or the transfer sheet) and generate the
    document again. `problems` holds one plain French reason per missing or wrong item.
    """

    def __init__(self, problems: tuple[str, ...]) -> None:
        self.problems = problems
        listed = " ; ".join(problems)
        super().__init__(f"Document incomplet, il ne peut pas être envoyé : {listed}")


class IdentityNotShareable(DocumentError):
    """The document carries the INS matricule of an identity that is not qualified.

    Never send it: the matricule may leave the appliance only for a qualified (QUAL) identity.
    Generate the document again from the current identity status.
    """

    def __init__(self) -> None:
        super().__init__(
            "L'identité du résident n'est pas qualifiée : le document contient son matricule INS "
            "et ne doit pas être envoyé. Le document doit être généré à nouveau."
        )


class AttachmentRefused(DocumentError):
    """The file to wrap in an N1 document is not a PDF: the person must choose a PDF file."""

    def __init__(self) -> None:
        super().__init__("Le fichier joint n'est pas un PDF : choisissez un fichier PDF.")


class AttachmentTooLarge(DocumentError):
    """The PDF to add is larger than the appliance sends: the person must choose a smaller file."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(f"Le fichier dépasse {limit_bytes // (1024 * 1024)} Mo : choisissez un "
                         "fichier plus petit (ou numérisez-le en noir et blanc).")
