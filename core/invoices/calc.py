"""Invoice arithmetic: exact decimals, rounding half-up to the currency's minor unit.

    line total   = round(quantity x unit price x (1 - line discount %))
    subtotal     = sum of line totals
    discount     = round(subtotal x invoice discount %)  (or a fixed amount, at most the subtotal)
    tax base     = subtotal - discount                  (DPP)
    tax (PPN)    = round(tax base x rate %)
    total        = tax base + tax
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import ValidationFailed

HUNDRED = Decimal(100)
# Minor units per currency (ISO 4217 exponent); the rupiah is used without sen.
EXPONENT = {"IDR": 0, "JPY": 0, "KRW": 0, "VND": 0, "USD": 2, "EUR": 2, "SGD": 2, "MYR": 2, "AUD": 2,
            "GBP": 2, "CNY": 2}
CURRENCIES = tuple(EXPONENT)
MAX_AMOUNT = Decimal(10) ** 15


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-EXPONENT.get(currency, 2))


def round_money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def as_decimal(value: object, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(f"{field} must be a number", details={field: "not a number"}) from exc
    if not number.is_finite():
        raise ValidationFailed(f"{field} must be a finite number", details={field: "not finite"})
    return number


@dataclass(frozen=True)
class LineIn:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineOut:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineOut, ...]
    subtotal: Decimal
    discount_amount: Decimal
    tax_base: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    total: Decimal


def compute(
    lines: list[LineIn],
    *,
    tax_rate: Decimal,
    currency: str = "IDR",
    discount_pct: Decimal | None = None,
    discount_amount: Decimal | None = None,
) -> Totals:
    problems: dict[str, str] = {}
    if not lines:
        problems["lines"] = "an invoice needs at least one line"
    if currency not in EXPONENT:
        problems["currency"] = f"unsupported currency '{currency}'"
    out: list[LineOut] = []
    for i, line in enumerate(lines, start=1):
        qty = as_decimal(line.quantity, f"line {i} quantity")
        price = as_decimal(line.unit_price, f"line {i} unit price")
        disc = as_decimal(line.discount_pct, f"line {i} discount")
        if not line.description.strip():
            problems[f"lines.{i}.description"] = f"line {i} needs a description"
        if qty <= 0:
            problems[f"lines.{i}.quantity"] = f"line {i}: the quantity must be more than zero"
        if price < 0:
            problems[f"lines.{i}.unit_price"] = f"line {i}: the unit price cannot be negative"
        if disc < 0 or disc > HUNDRED:
            problems[f"lines.{i}.discount_pct"] = f"line {i}: the discount must be between 0% and 100%"
        if qty * price > MAX_AMOUNT:
            problems[f"lines.{i}.unit_price"] = f"line {i}: the amount is too large"
        if problems:
            continue
        total = round_money(qty * price * (HUNDRED - disc) / HUNDRED, currency)
        out.append(LineOut(line.description.strip(), qty, price, disc, total))
    rate = as_decimal(tax_rate, "tax rate")
    if rate < 0 or rate > HUNDRED:
        problems["tax_rate"] = "the tax rate must be between 0% and 100%"
    if discount_pct is not None and discount_amount is not None:
        problems["discount"] = "give the invoice discount as a percentage or an amount, not both"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)

    subtotal = sum((line.line_total for line in out), Decimal(0))
    if discount_pct is not None:
        pct = as_decimal(discount_pct, "invoice discount")
        if pct < 0 or pct > HUNDRED:
            raise ValidationFailed("the invoice discount must be between 0% and 100%",
                                   details={"discount_pct": "out of range"})
        discount = round_money(subtotal * pct / HUNDRED, currency)
    else:
        discount = round_money(as_decimal(discount_amount or 0, "invoice discount"), currency)
        if discount < 0 or discount > subtotal:
            raise ValidationFailed("the invoice discount must be between zero and the subtotal",
                                   details={"discount_amount": "out of range"})
    base = subtotal - discount
    tax = round_money(base * rate / HUNDRED, currency)
    return Totals(tuple(out), subtotal, discount, base, rate, tax, base + tax)
