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
