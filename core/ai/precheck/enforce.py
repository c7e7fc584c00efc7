"""Facts for the checks, and the write-path guard: blocking rules refuse an invoice.

`enforce(s, ...)` runs inside the invoice service's transaction when a draft is saved or
issued. Only deterministic rules are enforced there: the model is never asked on the
write path, so neither a model outage nor a prompt in an invoice's notes can block or
unblock a write. With no blocking rule configured it costs one small query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session

from core.ai.precheck import repository as repo
from core.ai.precheck.rules import CustomerFacts, Facts, LineFacts, RuleSet, Violation, check
from core.customers.models import Customer
from core.errors import ValidationFailed


class LineLike(Protocol):
    @property
    def description(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def discount_pct(self) -> Decimal: ...


class PrecheckBlocked(ValidationFailed):
    """A blocking SOP rule is violated: the invoice is not saved or sent."""

    code = "precheck_blocked"

    def __init__(self, violations: Sequence[Violation]) -> None:
        names = ", ".join(dict.fromkeys(v.rule for v in violations))
        first = violations[0]
        super().__init__(
            f"Blocked by the SOP rule {names}: {first.field} is {first.actual}, expected {first.expected}.",
            details={f"precheck.{v.rule}.{v.field}": f"SOP rule {v.rule} ({v.field}): expected {v.expected}, "
                                                     f"got {v.actual}" for v in violations})
        self.violations = list(violations)


def customer_facts(c: Customer) -> CustomerFacts:
    return CustomerFacts(c.name, c.email, c.npwp, c.address, c.phone,
                         Decimal(c.credit_limit) if c.credit_limit is not None else None)


def build_facts(s: Session, rules: RuleSet, *, invoice_id: uuid.UUID | None, customer: Customer,
                issue_date: dt.date, due_date: dt.date, currency: str, tax_rate: Decimal,
                lines: Sequence[LineLike], tax_base: Decimal, total: Decimal, notes: str | None) -> Facts:
    """The invoice as the checks see it, with the customer's balance and duplicate candidates
    looked up only when a rule needs them."""
    credit = bool(rules.of("credit_limit")) and customer.credit_limit is not None
    windows = [int(r.value or 0) for r in rules.of("duplicate")]
    return Facts(
        customer=customer_facts(customer), issue_date=issue_date, due_date=due_date, currency=currency,
        tax_rate=Decimal(tax_rate),
        lines=tuple(LineFacts(ln.description, Decimal(ln.quantity), Decimal(ln.unit_price), Decimal(ln.discount_pct))
                    for ln in lines),
        tax_base=Decimal(tax_base), total=Decimal(total), notes=notes,
        outstanding=repo.outstanding(s, customer.id, invoice_id) if credit else Decimal(0),
        same_total=repo.same_total(s, customer.id, Decimal(total), issue_date, max(windows), invoice_id)
        if windows else (),
    )


def enforce(s: Session, *, invoice_id: uuid.UUID | None, customer: Customer, issue_date: dt.date,
            due_date: dt.date, currency: str, tax_rate: Decimal, lines: Sequence[LineLike], tax_base: Decimal,
            total: Decimal, notes: str | None) -> None:
    """Raise PrecheckBlocked (422) when a blocking rule is violated."""
    if not repo.any_blocking(s):
        return
    rules = repo.load_rules(s, clauses=False)
    facts = build_facts(s, rules, invoice_id=invoice_id, customer=customer, issue_date=issue_date,
                        due_date=due_date, currency=currency, tax_rate=tax_rate, lines=lines, tax_base=tax_base,
                        total=total, notes=notes)
    blocking = [v for v in check(facts, rules) if v.blocking]
    if blocking:
        raise PrecheckBlocked(blocking)
