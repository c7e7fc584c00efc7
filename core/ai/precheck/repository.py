"""The pre-check's queries: the rule set, and what the credit and duplicate checks need."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from core.ai.precheck.models import PrecheckClause, PrecheckPpnRate, PrecheckRule
from core.ai.precheck.rules import Clause, Other, PpnRate, Rule, RuleSet
from core.invoices.models import Invoice

OPEN = ("sent", "overdue")


def load_rules(s: Session, *, clauses: bool = True) -> RuleSet:
    rules = tuple(Rule(r.id, r.kind, r.target, Decimal(r.value) if r.value is not None else None, r.blocking)
                  for r in s.scalars(select(PrecheckRule).order_by(PrecheckRule.kind, PrecheckRule.target)))
    rates = tuple(PpnRate(r.id, Decimal(r.rate), r.effective_from, r.blocking)
                  for r in s.scalars(select(PrecheckPpnRate).order_by(PrecheckPpnRate.effective_from)))
    if not clauses:  # the write path never asks the model
        return RuleSet(rules, rates, ())
    texts = tuple(Clause(c.id, c.position, c.text, c.blocking) for c in s.scalars(
        select(PrecheckClause).order_by(PrecheckClause.position, PrecheckClause.created_at, PrecheckClause.id)))
    return RuleSet(rules, rates, texts)


def any_blocking(s: Session) -> bool:
    """One round trip: is any rule or PPN rate blocking? (The write path's usual answer is no.)"""
    return bool(s.scalar(select(or_(exists().where(PrecheckRule.blocking.is_(True)),
                                    exists().where(PrecheckPpnRate.blocking.is_(True))))))


def outstanding(s: Session, customer_id: uuid.UUID, exclude: uuid.UUID | None) -> Decimal:
    q = select(func.coalesce(func.sum(Invoice.total - Invoice.amount_paid), 0)).where(
        Invoice.customer_id == customer_id, Invoice.status.in_(OPEN))
    if exclude is not None:
        q = q.where(Invoice.id != exclude)
    return Decimal(s.scalar(q) or 0)


def same_total(s: Session, customer_id: uuid.UUID, total: Decimal, around: dt.date, window: int,
               exclude: uuid.UUID | None) -> tuple[Other, ...]:
    span = dt.timedelta(days=window)
    q = select(Invoice.id, Invoice.number, Invoice.issue_date, Invoice.status).where(
        Invoice.customer_id == customer_id, Invoice.total == total, Invoice.status != "void",
        Invoice.issue_date.between(around - span, around + span)).order_by(Invoice.issue_date, Invoice.id).limit(20)
    if exclude is not None:
        q = q.where(Invoice.id != exclude)
    return tuple(Other(r.id, r.number, r.issue_date, r.status) for r in s.execute(q))
