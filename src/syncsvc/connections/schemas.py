"""Connection API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class AuthorizeAnswer(BaseModel):
    authorize_url: str = Field(description="Send the user's browser here to give consent.")
    expires_at: datetime = Field(description="The consent must be finished before this.")


class OrganisationOut(BaseModel):
    id: str
    name: str


class ConnectionView(BaseModel):
    provider: str | None
    status: str = Field(
        description="`not_connected`, `choosing_organisation`, `active`, `paused`, "
        "`needs_reauth` or `disconnected`."
    )
    status_reason: str | None = None
    organisation: OrganisationOut | None = None
    organisations_to_choose: list[OrganisationOut] = Field(default_factory=list)
    access_expires_at: datetime | None = None
    refreshed_at: datetime | None = None
    paused_until: datetime | None = None
    connected_at: datetime | None = None


class OrganisationChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class CallbackAnswer(BaseModel):
    status: str
    provider: str
    organisation: OrganisationOut | None = None
    organisations_to_choose: list[OrganisationOut] = Field(default_factory=list)
    detail: str


class LookupItemOut(BaseModel):
    code: str
    name: str
    kind: str | None = None
    status: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class LookupAnswer(BaseModel):
    provider: str
    kind: str
    fetched_at: datetime
    items: list[LookupItemOut]
