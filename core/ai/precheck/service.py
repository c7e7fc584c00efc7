"""Invoice pre-check: an invoice (a draft not yet saved, or a saved one by id) against the
company's SOP rules, and the rules themselves.

    precheck(ctx, draft)            -> Verdict
    precheck_invoice(ctx, id)       -> Verdict

The deterministic rules (core.ai.precheck.rules) run first; then the model judges the
free-text clauses (core.ai.precheck.clauses), whose findings are only added. The answer:

    {"valid": bool, "reason": str, "violations": [{"rule", "field", "expected", "actual", "severity"}]}

`valid` is true only when there is no violation at all, advisory or blocking: the
pre-check answers "does this invoice follow the SOP". `blocking` (also returned) is true
when a violation comes from a rule marked blocking; only those stop an invoice from being
saved or sent (core.ai.precheck.enforce), advisory ones are shown and left to people.
Clauses the model could not judge are "not checked" (`clauses.checked` false, with a
note) and do not make an invoice invalid. A pre-check changes nothing.

Reading and running the pre-check needs `invoice.read`; the rules are edited with
`settings.manage`. Credit limits are the customers' own `credit_limit`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.ai.precheck import clauses as clause_judge
from core.ai.precheck import repository as repo
from core.ai.precheck.enforce import build_facts
from core.ai.precheck.models import (
    MAX_CLAUSE_CHARS,
    RULE_KINDS,
    PrecheckClause,
    PrecheckPpnRate,
    PrecheckRule,
)
from core.ai.precheck.rules import REQUIRED_FIELDS, Facts, RuleSet, Violation, check
from core.context import TenantContext
from core.customers.models import Customer
from core.errors import Conflict, NotFound, ValidationFailed
from core.invoices.calc import compute
from core.invoices.models import Invoice, InvoiceLine
from core.invoices.service import DraftIn, draft_problems
from core.invoices.tax import rate_on
from core.rbac.guard import require, require_write
from db.session import tenant_session

MAX_CLAUSES = 50
PERCENT_RULES = ("max_line_discount", "max_invoice_discount")
DAY_RULES = ("due_within_days", "duplicate")


@dataclass(frozen=True)
class ClauseStatus:
    checked: bool
    note: str | None
    engine: str | None


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    violations: tuple[Violation, ...]
    blocking: bool
    clauses: ClauseStatus

    def as_dict(self) -> dict[str, object]:
        return {"valid": self.valid, "reason": self.reason,
                "violations": [v.__dict__.copy() for v in self.violations], "blocking": self.blocking,
                "clauses": self.clauses.__dict__.copy()}


_TEXT = {
    "en": {"ok": "The invoice follows the SOP rules.",
           "bad": "{n} SOP violation(s): {b} blocking, {a} advisory.",
           "unchecked": " The free-text SOP clauses were not checked ({why})."},
    "id": {"ok": "Faktur sesuai dengan aturan SOP.",
           "bad": "{n} pelanggaran SOP: {b} memblokir, {a} saran.",
           "unchecked": " Klausul SOP teks bebas tidak diperiksa ({why})."},
}


def reason(violations: tuple[Violation, ...], status: ClauseStatus, lang: str = "en") -> str:
    text = _TEXT.get(lang, _TEXT["en"])
    blocking = sum(v.blocking for v in violations)
    out = text["bad"].format(n=len(violations), b=blocking, a=len(violations) - blocking) if violations \
        else text["ok"]
    if not status.checked:
        out += text["unchecked"].format(why=(status.note or "unavailable").replace("_", " "))
    return out


def _verdict(ctx: TenantContext, rules: RuleSet, facts: Facts, lang: str) -> Verdict:
    found = check(facts, rules)
    outcome = clause_judge.judge(ctx, rules.clauses, facts)
    violations = tuple(found) + outcome.violations
    status = ClauseStatus(outcome.checked, outcome.note, outcome.engine)
    return Verdict(not violations, reason(violations, status, lang), violations,
                   any(v.blocking for v in violations), status)


def _check_draft(draft: DraftIn) -> dt.date:
    problems, due = draft_problems(draft)
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)
    # A due date before the issue date is a finding of the due_after_issue rule, not an error here.
    return due


def precheck(ctx: TenantContext, draft: DraftIn, *, tax_rate: Decimal | None = None,
             invoice_id: uuid.UUID | None = None, lang: str = "en") -> Verdict:
    """Check an invoice as it would be saved. `tax_rate` overrides the rate the invoice service
    would apply; `invoice_id` names the saved invoice this draft edits (not its own duplicate)."""
    require(ctx, "invoice.read")
    due = _check_draft(draft)
    with tenant_session(ctx) as s:
        customer = s.get(Customer, draft.customer_id)
        if customer is None:
            raise ValidationFailed("no such customer", details={"customer_id": "unknown"})
        if invoice_id is not None and s.get(Invoice, invoice_id) is None:
            raise NotFound("no such invoice")
        rate = rate_on(s, draft.issue_date) if tax_rate is None else tax_rate
        totals = compute(draft.lines, tax_rate=rate, currency=draft.currency, discount_pct=draft.discount_pct,
                         discount_amount=draft.discount_amount)
        rules = repo.load_rules(s)
        facts = build_facts(s, rules, invoice_id=invoice_id, customer=customer, issue_date=draft.issue_date,
                            due_date=due, currency=draft.currency, tax_rate=totals.tax_rate, lines=totals.lines,
                            tax_base=totals.tax_base, total=totals.total, notes=(draft.notes or "").strip() or None)
    return _verdict(ctx, rules, facts, lang)


def precheck_invoice(ctx: TenantContext, invoice_id: uuid.UUID, *, lang: str = "en") -> Verdict:
    """Check a saved invoice (another company's id is simply not found)."""
    require(ctx, "invoice.read")
    with tenant_session(ctx) as s:
        inv = s.get(Invoice, invoice_id)
        if inv is None:
            raise NotFound("no such invoice")
        customer = s.get(Customer, inv.customer_id)
        assert customer is not None  # a composite foreign key guarantees it
        lines = list(s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)
                               .order_by(InvoiceLine.position)))
        rules = repo.load_rules(s)
        facts = build_facts(s, rules, invoice_id=inv.id, customer=customer, issue_date=inv.issue_date,
                            due_date=inv.due_date, currency=inv.currency, tax_rate=Decimal(inv.tax_rate),
                            lines=lines, tax_base=Decimal(inv.subtotal) - Decimal(inv.discount_amount),
                            total=Decimal(inv.total), notes=inv.notes)
    return _verdict(ctx, rules, facts, lang)


# --- the rules, edited in settings --------------------------------------------------------


def get_rules(ctx: TenantContext) -> RuleSet:
    require(ctx, "settings.manage")
    with tenant_session(ctx) as s:
        return repo.load_rules(s)


def _decimal(value: object, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{field} must be a number", details={field: f"{field} must be a number"}) from None
    if not number.is_finite():
        raise ValidationFailed(f"{field} must be a finite number", details={field: f"{field} must be a finite number"})
    return number


def _rule_value(kind: str, value: object, target: str) -> tuple[Decimal | None, str]:
    if kind not in RULE_KINDS:
        raise ValidationFailed(f"unknown rule '{kind}'", details={"kind": f"one of {', '.join(RULE_KINDS)}"})
    if kind == "required_field":
        if target not in REQUIRED_FIELDS:
            raise ValidationFailed(f"'{target}' cannot be required",
                                   details={"target": f"one of {', '.join(REQUIRED_FIELDS)}"})
        return None, target
    if kind in PERCENT_RULES:
        number = _decimal(value, "value")
        if not Decimal(0) <= number <= Decimal(100) or number != number.quantize(Decimal("0.01")):
            text = "a discount limit is a percentage between 0 and 100 (two decimals at most)"
            raise ValidationFailed(text, details={"value": text})
        return number, ""
    if kind in DAY_RULES:
        number = _decimal(value, "value")
        if number != number.to_integral_value() or not Decimal(0) <= number <= Decimal(365):
            text = "a number of days is a whole number between 0 and 365"
            raise ValidationFailed(text, details={"value": text})
        return number, ""
    return None, ""


def set_rule(ctx: TenantContext, kind: str, *, value: object = None, target: str = "",
             blocking: bool = False) -> RuleSet:
    """Add a rule, or change the value and severity of the existing one of that kind (and target)."""
    require_write(ctx, "settings.manage")
    number, target = _rule_value(kind, value, (target or "").strip())
    with tenant_session(ctx) as s:
        row = s.scalars(select(PrecheckRule).where(PrecheckRule.kind == kind, PrecheckRule.target == target)
                        .with_for_update()).one_or_none()
        if row is None:
            s.add(PrecheckRule(kind=kind, target=target, value=number, blocking=bool(blocking)))
        else:
            row.value, row.blocking = number, bool(blocking)
        s.flush()
        return repo.load_rules(s)


def set_ppn_rate(ctx: TenantContext, rate: object, effective_from: dt.date, *, blocking: bool = False) -> RuleSet:
    """The SOP's PPN rate from a date on (the same date again changes that entry)."""
    require_write(ctx, "settings.manage")
    number = _decimal(rate, "rate")
    if not Decimal(0) <= number <= Decimal(100) or number != number.quantize(Decimal("0.01")):
        text = "the PPN rate is a percentage between 0 and 100 (two decimals at most)"
        raise ValidationFailed(text, details={"rate": text})
    if not isinstance(effective_from, dt.date) or not dt.date(1990, 1, 1) <= effective_from <= dt.date(2100, 1, 1):
        raise ValidationFailed("the effective date is not valid", details={"effective_from": "not a valid date"})
    with tenant_session(ctx) as s:
        row = s.scalars(select(PrecheckPpnRate).where(PrecheckPpnRate.effective_from == effective_from)
                        .with_for_update()).one_or_none()
        if row is None:
            s.add(PrecheckPpnRate(rate=number, effective_from=effective_from, blocking=bool(blocking)))
        else:
            row.rate, row.blocking = number, bool(blocking)
        s.flush()
        return repo.load_rules(s)


def _clause_text(text: object) -> str:
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise ValidationFailed("write the clause", details={"text": "write the clause text"})
    if len(value) > MAX_CLAUSE_CHARS:
        text = f"a clause is limited to {MAX_CLAUSE_CHARS} characters"
        raise ValidationFailed(text, details={"text": text})
    if "\x00" in value:
        text = "the clause contains a NUL character"
        raise ValidationFailed(text, details={"text": text})
    return value


def add_clause(ctx: TenantContext, text: str, *, blocking: bool = False) -> RuleSet:
    require_write(ctx, "settings.manage")
    value = _clause_text(text)
    with tenant_session(ctx) as s:
        count, last = s.execute(select(func.count(), func.coalesce(func.max(PrecheckClause.position), 0))
                                .select_from(PrecheckClause)).one()
        if count >= MAX_CLAUSES:
            raise Conflict(f"at most {MAX_CLAUSES} SOP clauses")
        s.add(PrecheckClause(text=value, blocking=bool(blocking), position=int(last) + 1))
        try:
            s.flush()
        except IntegrityError:
            raise ValidationFailed("the clause could not be saved", details={"text": "invalid"}) from None
        return repo.load_rules(s)


def _find(s: Session, item_id: uuid.UUID) -> PrecheckRule | PrecheckPpnRate | PrecheckClause:
    row = (s.get(PrecheckRule, item_id, with_for_update=True) or s.get(PrecheckPpnRate, item_id, with_for_update=True)
           or s.get(PrecheckClause, item_id, with_for_update=True))
    if row is None:
        raise NotFound("no such rule")
    return row


def set_blocking(ctx: TenantContext, item_id: uuid.UUID, blocking: bool) -> None:
    """Make any rule, PPN rate or clause blocking or advisory."""
    require_write(ctx, "settings.manage")
    with tenant_session(ctx) as s:
        _find(s, item_id).blocking = bool(blocking)


def delete_item(ctx: TenantContext, item_id: uuid.UUID) -> None:
    """Delete any rule, PPN rate or clause by its id."""
    require_write(ctx, "settings.manage")
    with tenant_session(ctx) as s:
        s.delete(_find(s, item_id))
