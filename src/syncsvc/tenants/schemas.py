"""Tenant API shapes."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The host business's name, for people reading logs and reports."
    )


class TenantCreated(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    api_key: str = Field(description="Shown once; only its hash is kept.")


class TenantConnection(BaseModel):
    provider: str
    status: str = Field(description="`active`, `paused`, `needs_reauth`, ...")
    organisation_name: str | None


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    connection: TenantConnection | None = Field(description="None until one is connected.")


class TenantPage(BaseModel):
    tenants: list[TenantOut]
    next_after: uuid.UUID | None = Field(
        description="Send as `after` for the next page; null on the last page."
    )
