"""Writes of humanitarian assistance.

Each service authorises (own organisation for partner staff: `organisation_id=` of the record
acted on), validates (raising a ValidationError that names the field and the reason), then
appends its ledger record inside `transaction.atomic()`; the record's `apply` (records.py)
changes the projection. A refused call appends nothing and changes nothing. The importers
(imports.py) call the same `*_check` functions and append the same record kinds.

One module per sub-domain; this package re-exports their services so that callers write
`services.household_register(...)`.
"""

from laydown.assistance.services.common import allocate_codes
from laydown.assistance.services.complaints import complaint_follow_up, complaint_open
from laydown.assistance.services.dialogue import (
    commitment_add,
    commitment_follow_up,
    meeting_record,
)
from laydown.assistance.services.distributions import (
    distribution_check,
    distribution_correct,
    distribution_record,
    distributions_append,
    monitoring_note_add,
    recipients_list,
)
from laydown.assistance.services.households import (
    DuplicateSuspected,
    HouseholdInput,
    LookupsPaused,
    elsewhere_answers_check,
    household_check,
    household_duplicates_refuse,
    household_personal_data,
    household_register,
    household_register_checked,
    household_terms_check,
    member_check,
)
from laydown.assistance.services.partners import partner_profile_set
from laydown.assistance.services.places import (
    place_check,
    place_create,
    place_update,
    places_append,
)
from laydown.assistance.services.projects import project_create, project_progress, project_update
from laydown.assistance.services.receipts import (
    receipt_category,
    receipt_photo,
    receipt_photo_path,
    receipt_photos_forget,
    receipt_record,
)
from laydown.assistance.services.visits import visit_propose, visit_update

__all__ = [
    "DuplicateSuspected",
    "HouseholdInput",
    "allocate_codes",
    "commitment_add",
    "commitment_follow_up",
    "complaint_follow_up",
    "complaint_open",
    "distribution_check",
    "distribution_correct",
    "distribution_record",
    "distributions_append",
    "LookupsPaused",
    "elsewhere_answers_check",
    "household_check",
    "household_duplicates_refuse",
    "household_terms_check",
    "household_personal_data",
    "household_register",
    "household_register_checked",
    "meeting_record",
    "member_check",
    "monitoring_note_add",
    "partner_profile_set",
    "place_check",
    "place_create",
    "place_update",
    "places_append",
    "project_create",
    "project_progress",
    "project_update",
    "receipt_category",
    "receipt_photo",
    "receipt_photo_path",
    "receipt_photos_forget",
    "receipt_record",
    "recipients_list",
    "visit_propose",
    "visit_update",
]
