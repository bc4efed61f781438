"""Relais edge: the core of the appliance — records and their rules, encrypted storage, configuration.

`web`, `devices` and `sync` import only the names listed in ``__all__``.
"""

from edge.audit import AuditAction, AuditOutcome, append_audit, list_audit, verify_audit
from edge.config import SETTINGS, Settings, load_settings
from edge.datadir import open_record
from edge.errors import (
    AlreadyInitialised,
    BackupInvalid,
    DataDirectoryNotReady,
    EdgeError,
    ImportRejected,
    IntegrityViolation,
    KeyUnavailable,
    NotFound,
    RecordRejected,
    SettingInvalid,
    StorageFailure,
)
from edge.ins import IdentityTraits, InsOid, Sex, validate_matricule, validate_traits
from edge.ins_status import (
    DoubtRaised,
    IdDocumentCheck,
    IdDocumentType,
    IdentityStatus,
    InsiResult,
    InsiReturnCode,
    TransitionRefused,
    matricule_withheld_reason,
    may_transmit_matricule,
)
from edge.news2 import News2Inputs, News2Score, RiskBand, score_news2
from edge.notes import add_note, amend_note, list_notes
from edge.observations import (
    NewObservation,
    amend_observation,
    get_observation,
    list_observations,
    store_observations,
)
from edge.outbox import (
    claim_next,
    count_by_state,
    list_outbox,
    mark_acknowledged,
    mark_blocked,
    mark_dead,
    mark_delivered,
    mark_waiting,
    release_stale_claims,
    replay,
    store_document,
)
from edge.record import (
    CaptureMethod,
    CareNote,
    Destination,
    Observation,
    OutboxRow,
    OutboxState,
    Presence,
    Role,
    StaffUser,
)
from edge.residents import (
    Resident,
    admit_resident,
    find_by_matricule,
    get_resident,
    identity_history,
    list_residents,
    record_identity_event,
    update_care_context,
)
from edge.storage import Database
from edge.users import add_user, disable_user, find_user, list_users, verify_password
from edge.vitals import VITAL_SIGNS, VitalSign, check_value

__all__ = [
    "SETTINGS", "VITAL_SIGNS", "AlreadyInitialised", "AuditAction", "AuditOutcome",
    "BackupInvalid", "CaptureMethod", "CareNote", "DataDirectoryNotReady", "Database",
    "Destination", "DoubtRaised", "EdgeError", "IdDocumentCheck", "IdDocumentType",
    "IdentityStatus", "IdentityTraits", "ImportRejected", "InsOid", "InsiResult",
    "InsiReturnCode", "IntegrityViolation", "KeyUnavailable", "NewObservation", "News2Inputs",
    "News2Score", "NotFound", "Observation", "OutboxRow", "OutboxState", "Presence",
    "RecordRejected", "Resident", "RiskBand", "Role", "SettingInvalid", "Settings", "Sex",
    "StaffUser", "StorageFailure", "TransitionRefused", "VitalSign", "add_note", "add_user",
    "admit_resident", "amend_note", "amend_observation", "append_audit", "check_value",
    "claim_next", "count_by_state", "disable_user", "find_by_matricule", "find_user",
    "get_observation", "get_resident", "identity_history", "list_audit", "list_notes",
    "list_observations", "list_outbox", "list_residents", "list_users", "load_settings",
    "mark_acknowledged", "mark_blocked", "mark_dead", "mark_delivered", "mark_waiting",
    "matricule_withheld_reason", "may_transmit_matricule", "open_record", "record_identity_event",
    "release_stale_claims", "replay", "score_news2", "store_document", "store_observations",
    "update_care_context",
    "validate_matricule", "validate_traits", "verify_audit", "verify_password",
]
