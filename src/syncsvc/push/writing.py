"""The writes of one planned batch, the same for every package: never a duplicate, whatever
the package's idempotency holds.

A record whose last write may have landed is looked up by its key first, and what is found is
updated (or, for a payment, taken as written) instead of created again. Where the package
cannot edit a payment, a changed one is removed, then entered anew. A payment's surcharge goes
as a companion invoice and receipt, found or written before the receipt that pays it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import PushItem, PushResult
from syncsvc.providers.documents import Link, Receipt, Remote, SalesDocument, State
from syncsvc.providers.errors import Reason, RecordError, Rejected
from syncsvc.push import outcomes
from syncsvc.push.outcomes import Result
from syncsvc.push.planning import Context, Planned


def result_of(plan: Planned, answer: PushResult, note: str = "") -> Result:
    if answer.error is not None:
        reason = answer.error.reason if isinstance(answer.error, RecordError) else Reason.OTHER
        provider_id = answer.link.id if answer.link is not None else None
        message = f"{note}{answer.error.message}"
        return outcomes.failed(plan.due, message, provider_id=provider_id, reason=reason)
    link = answer.link or Link()
    return outcomes.synced(plan.due, link.id, link.key, link.version)


async def adopt_uncertain(
    ctx: Context, kind: RecordKind, plans: list[Planned]
) -> dict[str, Remote[Any]]:
    """The copies of records whose last write may have landed and that have no id, by key;
    each plan's item now names the copy found (so the write updates it)."""
    uncertain = [
        p for p in plans if p.item is not None and p.due.write_uncertain and not p.item.link.id
    ]
    if not uncertain:
        return {}
    found = await ctx.books.find(kind, [str(p.item.link.key) for p in uncertain if p.item])
    for plan in uncertain:
        assert plan.item is not None
        remote = found.get(str(plan.item.link.key))
        if remote is not None:
            link = replace(plan.item.link, id=remote.link.id, version=remote.link.version)
            plan.item = replace(plan.item, link=link)
    return found


async def write_documents(
    ctx: Context, kind: RecordKind, plans: list[Planned], results: list[Result]
) -> None:
    """Customers, invoices and credit notes."""
    await adopt_uncertain(ctx, kind, plans)
    writes = []
    for plan in plans:
        assert plan.item is not None
        if plan.item.remove and not plan.item.link.id:
            results.append(outcomes.synced(plan.due))  # void, and the books never had it
        else:
            writes.append(plan)
    answers = await ctx.books.push(kind, [p.item for p in writes if p.item is not None])
    results.extend(result_of(p, a) for p, a in zip(writes, answers, strict=True))


async def remove_payment(ctx: Context, plan: Planned, results: list[Result]) -> None:
    """A payment the host deleted, with its surcharge (the surcharge's receipts removed and
    its invoice voided)."""
    assert plan.item is not None
    [answer] = await ctx.books.push(RecordKind.PAYMENT, [plan.item])
    if answer.error is None and plan.surcharge_key is not None:
        answer = await _undo_surcharge(ctx, plan, plan.surcharge_key)
    results.append(result_of(plan, answer))


async def _undo_surcharge(ctx: Context, plan: Planned, key: str) -> PushResult:
    found = (await ctx.books.find(RecordKind.INVOICE, [key])).get(key)
    host_id = plan.due.host_id
    if found is None or found.state in (State.VOID, State.GONE):
        return PushResult(host_id, None)
    refusal = await _remove_receipts(ctx, host_id, found)
    if refusal is not None:
        return refusal
    removal = PushItem(RecordKind.INVOICE, host_id, found.document, found.link, remove=True)
    [answer] = await ctx.books.push(RecordKind.INVOICE, [removal])
    return PushResult(host_id, None, answer.error)


async def _remove_receipts(
    ctx: Context, host_id: str, invoice: Remote[SalesDocument]
) -> PushResult | None:
    """Remove the live receipts on a (surcharge) invoice; the first refusal, if any."""
    receipts = [
        PushItem(RecordKind.PAYMENT, f"{host_id}:{r.link.id}", r.document, r.link, remove=True)
        for r in invoice.receipts
        if r.state is not State.GONE
    ]
    for answer in await ctx.books.push(RecordKind.PAYMENT, receipts):
        if answer.error is not None:
            return PushResult(host_id, None, answer.error)
    return None


async def write_payments(ctx: Context, plans: list[Planned], results: list[Result]) -> None:
    """New and changed payments (their surcharges with them)."""
    replaced = [p for p in plans if p.replaces is not None and p.item is not None]
    if replaced:
        removals = [
            replace(p.item, link=p.replaces, remove=True)
            for p in replaced
            if p.item is not None and p.replaces is not None
        ]
        for plan, answer in zip(
            replaced, await ctx.books.push(RecordKind.PAYMENT, removals), strict=True
        ):
            if answer.error is not None:
                results.append(result_of(plan, answer))
    plans = [p for p in plans if p.due.id not in {r.due.id for r in results}]
    settled: dict[str, PushResult] = {}
    surcharge_ids = await _surcharge_invoices(ctx, plans, results, settled)
    plans = [p for p in plans if p.due.id not in {r.due.id for r in results}]
    found = {**await _payments_found(ctx, plans), **settled}
    items: list[PushItem] = []
    for plan in plans:
        assert plan.item is not None
        if str(plan.item.link.key) not in found:
            items.append(plan.item)
        if plan.surcharge is not None and plan.surcharge.receipt_key not in found:
            receipt = replace(plan.surcharge.receipt, invoice=surcharge_ids[plan.due.id])
            items.append(
                PushItem(
                    RecordKind.PAYMENT,
                    f"{plan.due.host_id}:surcharge",
                    receipt,
                    Link(key=plan.surcharge.receipt_key),
                    idempotency_key=f"{plan.item.idempotency_key}:surcharge",
                )
            )
    answers: dict[str, PushResult] = {}
    size = ctx.batch_size
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        for item, answer in zip(
            chunk, await ctx.books.push(RecordKind.PAYMENT, chunk), strict=True
        ):
            answers[item.host_id] = answer
    for plan in plans:
        assert plan.item is not None
        main = answers.get(plan.due.host_id) or found.get(str(plan.item.link.key))
        parts = [main]
        if plan.surcharge is not None:
            parts.append(
                answers.get(f"{plan.due.host_id}:surcharge")
                or found.get(plan.surcharge.receipt_key)
            )
        problem = next((a for a in parts if a is not None and a.error is not None), None)
        if problem is not None:
            results.append(result_of(plan, problem))
        elif main is None or any(a is None for a in parts):
            missing = PushResult(
                plan.due.host_id, None, Rejected(f"{ctx.display_name} did not answer for it")
            )
            results.append(result_of(plan, missing))
        else:
            results.append(result_of(plan, main))


async def _surcharge_invoices(
    ctx: Context, plans: list[Planned], results: list[Result], settled: dict[str, PushResult]
) -> dict[int, str]:
    """The surcharge invoices of these payments, found or written: record id -> the
    package's invoice id. One read finds those already there (from an earlier try).
    `settled`: the surcharge receipts already paying their invoice, by key (a payment edited
    in place, where the package edits payments, keeps its surcharge's receipt)."""
    with_surcharge = [p for p in plans if p.surcharge is not None]
    if not with_surcharge:
        return {}
    existing = await ctx.books.find(
        RecordKind.INVOICE, [p.surcharge.key for p in with_surcharge if p.surcharge]
    )
    ids: dict[int, str] = {}
    to_write: list[tuple[Planned, PushItem]] = []
    editable = ctx.books.capabilities.payments_editable
    for plan in with_surcharge:
        assert plan.surcharge is not None
        held = existing.get(plan.surcharge.key)
        if held is not None and held.state is State.PAID and plan.replaces is None:
            ids[plan.due.id] = str(held.link.id)
            live = [r for r in held.receipts if r.state is not State.GONE]
            if live:
                settled[plan.surcharge.receipt_key] = PushResult(
                    plan.surcharge.receipt_key, live[0].link
                )
            continue
        if held is not None and plan.replaces is not None and not editable:
            # The payment is entered anew, its surcharge receipt with it: the old receipt
            # goes first, so the surcharge invoice can change and be paid again.
            refusal = await _remove_receipts(ctx, plan.due.host_id, held)
            if refusal is not None:
                results.append(result_of(plan, refusal, note="surcharge: "))
                continue
        link = held.link if held is not None else Link(key=plan.surcharge.key)
        item = PushItem(
            RecordKind.INVOICE,
            plan.due.host_id,
            plan.surcharge.invoice,
            replace(link, key=plan.surcharge.key),
        )
        to_write.append((plan, item))
    if to_write:
        answers = await ctx.books.push(RecordKind.INVOICE, [item for _, item in to_write])
        for (plan, _), answer in zip(to_write, answers, strict=True):
            if answer.error is not None or answer.link is None:
                results.append(result_of(plan, answer, note="surcharge: "))
            else:
                ids[plan.due.id] = str(answer.link.id)
    return ids


async def _payments_found(ctx: Context, plans: list[Planned]) -> dict[str, PushResult]:
    """Payments whose last write may have landed, as the package has them (by key): those
    are not entered again."""
    keys: list[str] = []
    for plan in plans:
        if plan.due.write_uncertain and plan.item is not None:
            keys.append(str(plan.item.link.key))
            if plan.surcharge is not None:
                keys.append(plan.surcharge.receipt_key)
    if not keys:
        return {}
    found: dict[str, Remote[Receipt]] = await ctx.books.find(RecordKind.PAYMENT, keys)
    return {key: PushResult(key, remote.link) for key, remote in found.items()}
