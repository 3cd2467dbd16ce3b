"""All SQL about account settings and overrides, always within one tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.db import dialect_insert
from syncsvc.models import AccountOverride, TenantSettings
from syncsvc.models.enums import OverrideScope


class SettingsRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _overrides(self) -> Select[AccountOverride]:
        """Every read of overrides goes through here: one tenant's rows only."""
        return select(AccountOverride).where(AccountOverride.tenant_id == self.tenant_id)

    async def document(self) -> dict[str, Any] | None:
        row = await self.session.get(TenantSettings, self.tenant_id)
        return None if row is None else row.document

    async def save_document(self, document: dict[str, Any], now: datetime) -> None:
        insert = dialect_insert(self.session)(TenantSettings).values(
            tenant_id=self.tenant_id, document=document, updated_at=now
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=[TenantSettings.tenant_id],
                set_={"document": insert.excluded.document, "updated_at": now},
            )
        )

    async def overrides(self) -> list[AccountOverride]:
        return list((await self.session.scalars(self._overrides())).all())

    async def save_override(
        self, scope: OverrideScope, scope_id: str, document: dict[str, Any], now: datetime
    ) -> None:
        insert = dialect_insert(self.session)(AccountOverride).values(
            tenant_id=self.tenant_id,
            scope=scope.value,
            scope_id=scope_id,
            document=document,
            updated_at=now,
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=[
                    AccountOverride.tenant_id,
                    AccountOverride.scope,
                    AccountOverride.scope_id,
                ],
                set_={"document": insert.excluded.document, "updated_at": now},
            )
        )

    async def delete_override(self, scope: OverrideScope, scope_id: str) -> bool:
        result = await self.session.execute(
            delete(AccountOverride).where(
                AccountOverride.tenant_id == self.tenant_id,
                AccountOverride.scope == scope.value,
                AccountOverride.scope_id == scope_id,
            )
        )
        return bool(getattr(result, "rowcount", 0))
