"""What a record stores and hashes: a field added later leaves the stored copy of a record
that does not use it as it was, so the host sending it again is still a no-op."""

from __future__ import annotations

import hashlib
import json

from syncsvc.models.enums import RecordKind
from syncsvc.records.canonical import Invoice
from syncsvc.records.service import to_write
from tests.factories import invoice


def test_an_unset_lead_source_is_not_stored_and_a_set_one_is() -> None:
    plain = to_write(RecordKind.INVOICE, "inv-1", Invoice.model_validate(invoice()))
    stored = json.loads(plain.payload_json)
    assert "lead_source" not in stored
    # The same text, and so the same hash, as before the field existed.
    before = Invoice.model_validate(invoice()).model_dump_json(exclude={"version", "lead_source"})
    assert plain.payload_hash == hashlib.sha256(before.encode()).hexdigest()
    sourced = to_write(
        RecordKind.INVOICE, "inv-1", Invoice.model_validate(invoice(lead_source="Google"))
    )
    assert json.loads(sourced.payload_json)["lead_source"] == "Google"
    assert sourced.payload_hash != plain.payload_hash
    # Read back from what is stored, it is the same record.
    assert Invoice.model_validate({"version": 1, **stored}) == Invoice.model_validate(invoice())
