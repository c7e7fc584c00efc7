"""The deterministic SOP checks: pure functions over an invoice's facts and a rule set.

Every check returns violations; none reads the database (the service gathers what a
check needs, such as the customer's outstanding balance, into `Facts` first). The
model never sees these results as something it may change: its clause judgements are
only added to them.

Rules (rule name -> what is checked):

- ppn_rate: the invoice's tax rate equals the SOP rate in force on the issue date (the
  rate with the latest `effective_from` on or before it); no rate in force, no check.
- max_line_discount: every line's discount % is at most the limit (field `lines[i].discount_pct`,
  counted from 0).
- max_invoice_discount: the invoice's whole discount (line discounts and the invoice
  discount together) as a share of the gross amount (sum of quantity x unit price) is at
  most the limit.
- due_after_issue: the due date is after the issue date.
- due_within_days: the due date is at most N days after the issue date.
- required_field: the field is filled in (the invoice's notes, or the customer's email,
  NPWP, address or phone).
- credit_limit: the customer's outstanding receivables (sent or overdue invoices, their
  unpaid balance, not this invoice) plus this invoice's total are at most the customer's
  credit limit; customers without a limit are not checked.
- duplicate: no other invoice (not void, not this one) of the same customer has the same
  total with an issue date within N days.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
REQUIRED_FIELDS = ("notes", "customer.email", "customer.npwp", "customer.address", "customer.phone")
BLOCKING, ADVISORY = "blocking", "advisory"


@dataclass(frozen=True)
class Violation:
    rule: str
    field: str
    expected: str
    actual: str
    severity: str  # "blocking" | "advisory"

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING


@dataclass(frozen=True)
class Rule:
    id: uuid.UUID
    kind: str
    target: str
    value: Decimal | None
    blocking: bool


@dataclass(frozen=True)
class PpnRate:
    id: uuid.UUID
    rate: Decimal
    effective_from: dt.date
    blocking: bool


@dataclass(frozen=True)
class Clause:
    id: uuid.UUID
    position: int
    text: str
    blocking: bool


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    rates: tuple[PpnRate, ...] = ()
    clauses: tuple[Clause, ...] = ()

    def of(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]

    @property
    def empty(self) -> bool:
        return not (self.rules or self.rates or self.clauses)


@dataclass(frozen=True)
class LineFacts:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal


@dataclass(frozen=True)
class CustomerFacts:
    name: str
    email: str | None = None
    npwp: str | None = None
    address: str | None = None
    phone: str | None = None
    credit_limit: Decimal | None = None


@dataclass(frozen=True)
class Other:
    """Another invoice of the same customer with the same total (a duplicate candidate)."""

    id: uuid.UUID
    number: str | None
    issue_date: dt.date
    status: str


@dataclass(frozen=True)
class Facts:
    customer: CustomerFacts
    issue_date: dt.date
    due_date: dt.date
    currency: str
    tax_rate: Decimal
    lines: tuple[LineFacts, ...]
    tax_base: Decimal  # after every discount
    total: Decimal
    notes: str | None = None
    outstanding: Decimal = Decimal(0)  # the customer's open balance, this invoice not counted
    same_total: tuple[Other, ...] = ()  # other non-void invoices of the customer with this total

    @property
    def gross(self) -> Decimal:
        return sum((ln.quantity * ln.unit_price for ln in self.lines), Decimal(0))


def _sev(blocking: bool) -> str:
    return BLOCKING if blocking else ADVISORY


def num(value: Decimal) -> str:
    """A number as shown in a violation: no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: Decimal, currency: str) -> str:
    return num(value.quantize(Decimal(1) if currency == "IDR" else Decimal("0.01"), rounding=ROUND_HALF_UP))


def rate_in_force(rates: tuple[PpnRate, ...], day: dt.date) -> PpnRate | None:
    valid = [r for r in rates if r.effective_from <= day]
    return max(valid, key=lambda r: r.effective_from) if valid else None


def check_ppn(facts: Facts, rules: RuleSet) -> list[Violation]:
    rate = rate_in_force(rules.rates, facts.issue_date)
    if rate is None or rate.rate == facts.tax_rate:
        return []
    return [Violation("ppn_rate", "tax_rate", num(rate.rate), num(facts.tax_rate), _sev(rate.blocking))]


def check_line_discount(facts: Facts, rules: RuleSet) -> list[Violation]:
    out = []
    for rule in rules.of("max_line_discount"):
        limit = rule.value or Decimal(0)
        out += [Violation("max_line_discount", f"lines[{i}].discount_pct", f"<= {num(limit)}",
                          num(line.discount_pct), _sev(rule.blocking))
                for i, line in enumerate(facts.lines) if line.discount_pct > limit]
    return out


def invoice_discount_pct(facts: Facts) -> Decimal:
    gross = facts.gross
    if gross <= 0:
        return Decimal(0)
    share = (gross - facts.tax_base) / gross * HUNDRED
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_invoice_discount(facts: Facts, rules: RuleSet) -> list[Violation]:
    out = []
    for rule in rules.of("max_invoice_discount"):
        limit, share = rule.value or Decimal(0), invoice_discount_pct(facts)
        if share > limit:
            out.append(Violation("max_invoice_discount", "discount", f"<= {num(limit)}", num(share),
                                 _sev(rule.blocking)))
    return out


def check_due(facts: Facts, rules: RuleSet) -> list[Violation]:
    out = []
    days = (facts.due_date - facts.issue_date).days
    for rule in rules.of("due_after_issue"):
        if facts.due_date <= facts.issue_date:
            out.append(Violation("due_after_issue", "due_date", f"> {facts.issue_date.isoformat()}",
                                 facts.due_date.isoformat(), _sev(rule.blocking)))
    for rule in rules.of("due_within_days"):
        limit = int(rule.value or 0)
        if days > limit:
            latest = facts.issue_date + dt.timedelta(days=limit)
            out.append(Violation("due_within_days", "due_date", f"<= {latest.isoformat()} ({limit} days)",
                                 f"{facts.due_date.isoformat()} ({days} days)", _sev(rule.blocking)))
    return out


def field_value(facts: Facts, name: str) -> str | None:
    if name == "notes":
        return facts.notes
    if name.startswith("customer."):
        value = getattr(facts.customer, name.removeprefix("customer."), None)
        return value if isinstance(value, str) else None
    return None


def check_required(facts: Facts, rules: RuleSet) -> list[Violation]:
    return [Violation("required_field", rule.target, "filled in", "empty", _sev(rule.blocking))
            for rule in rules.of("required_field") if not (field_value(facts, rule.target) or "").strip()]


def check_credit(facts: Facts, rules: RuleSet) -> list[Violation]:
    limit = facts.customer.credit_limit
    if limit is None:
        return []
    exposure = facts.outstanding + facts.total
    return [Violation("credit_limit", "total", f"<= {money(limit, facts.currency)}",
                      money(exposure, facts.currency), _sev(rule.blocking))
            for rule in rules.of("credit_limit") if exposure > limit]


def check_duplicate(facts: Facts, rules: RuleSet) -> list[Violation]:
    out = []
    for rule in rules.of("duplicate"):
        window = int(rule.value or 0)
        hits = sorted((o for o in facts.same_total if abs((o.issue_date - facts.issue_date).days) <= window),
                      key=lambda o: (o.issue_date, str(o.id)))
        if hits:
            first = hits[0]
            out.append(Violation("duplicate", "total", f"no other invoice with this total within {window} days",
                                 f"{money(facts.total, facts.currency)}, as {first.number or first.status} "
                                 f"{first.id} of {first.issue_date.isoformat()}", _sev(rule.blocking)))
    return out


CHECKS = (check_ppn, check_line_discount, check_invoice_discount, check_due, check_required, check_credit,
          check_duplicate)


def check(facts: Facts, rules: RuleSet) -> list[Violation]:
    """Every deterministic check, in a fixed order."""
    out: list[Violation] = []
    for fn in CHECKS:
        out += fn(facts, rules)
    return out
