"""A tenant's connection to its accounting package: encrypted tokens and status."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.models.base import Base, BigIntId, JSONDocument


class Connection(Base):
    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    status_reason: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[str | None] = mapped_column(String(100))
    organisation_name: Mapped[str | None] = mapped_column(String(255))
    # What the package needs to reach this organisation again (Xero: the connection id to
    # delete; MYOB: the company file's URI and product).
    organisation_details: Mapped[dict[str, str] | None] = mapped_column(JSONDocument)
    # When a grant covers several organisations: the ones offered, until the host picks one.
    organisations_offered: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDocument)
    # Fernet ciphertext of the provider's token set; never stored or logged in plaintext.
    token_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_expires_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    # One worker pushes one connection at a time: it holds this lease and renews it.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    # One poll of a connection at a time, across replicas; and when the next one is due.
    poll_lease_owner: Mapped[str | None] = mapped_column(String(64))
    poll_lease_expires_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PullCursor(Base):
    """How far a connection has read one provider resource; moves only forward."""

    __tablename__ = "pull_cursors"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(String(30), primary_key=True)
    position: Mapped[datetime]
    updated_at: Mapped[datetime]


class OAuthState(Base):
    """One authorisation attempt: the `state` sent to the provider (kept as a hash), bound to
    a tenant, single use, expiring; and the PKCE verifier (encrypted) to finish it with."""

    __tablename__ = "oauth_states"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    code_verifier_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    return_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
