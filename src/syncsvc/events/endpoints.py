"""The events feed route."""

from typing import Annotated

from fastapi import APIRouter, Query

from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventOut, EventPage, EventType
from syncsvc.models.base import INPUT_INT_MAX
from syncsvc.problems import Problem
from syncsvc.state import SessionDep
from syncsvc.tenants.auth import TenantId

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.get(
    "",
    response_model=EventPage,
    responses={401: {"model": Problem}, 422: {"model": Problem}},
    summary="Events after a cursor, oldest first",
)
async def get_events(
    tenant_id: TenantId,
    session: SessionDep,
    after: Annotated[
        int, Query(ge=0, le=INPUT_INT_MAX, description="Last event id already seen.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    events = await EventRepository(session, tenant_id).after(after, limit)
    return EventPage(
        events=[
            EventOut(id=e.seq, type=EventType(e.type), created_at=e.created_at, data=e.data)
            for e in events
        ],
        next_after=events[-1].seq if events else after,
    )
