"""Reading and replacing a tenant's settings and overrides; resolving a line's account."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.kit.clock import Clock
from syncsvc.models.enums import OverrideScope
from syncsvc.problems import FieldError, ProblemError
from syncsvc.settings.repository import SettingsRepository
from syncsvc.settings.schemas import (
    AccountSettings,
    JobTypeOverride,
    Overrides,
    PaymentMethodOverride,
    SettingsUpdate,
    SettingsView,
    SupplyOverride,
)

OVERRIDE_MODELS: dict[OverrideScope, type[BaseModel]] = {
    OverrideScope.JOB_TYPE: JobTypeOverride,
    OverrideScope.SUPPLY: SupplyOverride,
    OverrideScope.PAYMENT_METHOD: PaymentMethodOverride,
}


class SettingsService:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, clock: Clock) -> None:
        self.repository = SettingsRepository(session, tenant_id)
        self.clock = clock

    async def account_settings(self) -> AccountSettings:
        document = await self.repository.document()
        return AccountSettings.model_validate(document or {})

    async def overrides(self) -> Overrides:
        overrides = Overrides()
        for row in await self.repository.overrides():
            scope = OverrideScope(row.scope)
            value: Any = OVERRIDE_MODELS[scope].model_validate(row.document)
            if scope is OverrideScope.JOB_TYPE:
                overrides.job_types[row.scope_id] = value
            elif scope is OverrideScope.SUPPLY:
                overrides.supplies[row.scope_id] = value
            else:
                overrides.payment_methods[row.scope_id] = value
        return overrides

    async def view(self) -> SettingsView:
        settings = await self.account_settings()
        return SettingsView(**settings.model_dump(), overrides=await self.overrides())

    async def replace(self, update: SettingsUpdate) -> SettingsView:
        """Replaces the settings document; overrides sent with it must be the stored ones."""
        if update.overrides is not None:
            _refuse_changed_overrides(update.overrides, await self.overrides())
        document = update.model_dump(mode="json", exclude={"overrides"})
        await self.repository.save_document(document, self.clock())
        return await self.view()

    async def put_override(self, scope: OverrideScope, scope_id: str, value: BaseModel) -> None:
        await self.repository.save_override(
            scope, scope_id, value.model_dump(mode="json"), self.clock()
        )

    async def delete_override(self, scope: OverrideScope, scope_id: str) -> bool:
        return await self.repository.delete_override(scope, scope_id)


def _refuse_changed_overrides(sent: Overrides, stored: Overrides) -> None:
    sent_scopes, stored_scopes = sent.model_dump(mode="json"), stored.model_dump(mode="json")
    errors = [
        FieldError(
            field=f"overrides.{scope}.{scope_id}",
            location="body",
            message="Overrides are read-only in PUT /v1/settings: send them as GET returned "
            f"them, or leave them out, and change this one with "
            f"PUT or DELETE /v1/settings/{scope.replace('_', '-')}/{scope_id}.",
            code="read_only",
        )
        for scope, stored_values in stored_scopes.items()
        for scope_id in sorted(set(stored_values) | set(sent_scopes[scope]))
        if sent_scopes[scope].get(scope_id) != stored_values.get(scope_id)
    ]
    if errors:
        named = ", ".join(error.field for error in errors)
        raise ProblemError(
            422,
            "Request is not valid",
            f"Invalid fields: {named}",
            slug="validation",
            errors=errors,
        )
