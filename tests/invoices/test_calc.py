"""Invoice arithmetic on a table of cases (hand-computed)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from core.errors import ValidationFailed
from core.invoices.calc import LineIn, compute

CASES = [
    # lines (qty, price, disc%), invoice discount (pct, amount), rate, currency -> subtotal, discount, tax, total
    ([(1, 1_000_000, 0)], (None, None), 11, "IDR", (1_000_000, 0, 110_000, 1_110_000)),
    ([(3, 333_333, 0)], (None, None), 11, "IDR", (999_999, 0, 110_000, 1_109_999)),  # 109999.89 -> 110000
    ([(2, 150_000, 10)], (None, None), 11, "IDR", (270_000, 0, 29_700, 299_700)),
    ([(1, 99_999, 0)], (None, None), 11, "IDR", (99_999, 0, 11_000, 110_999)),  # 10999.89 -> 11000
    ([(1, 45, 0)], (None, None), 11, "IDR", (45, 0, 5, 50)),  # 4.95 -> 5 (half up)
    ([(1, 50, 0)], (None, None), 11, "IDR", (50, 0, 6, 56)),  # 5.5 -> 6 (half up, not to even)
    ([(1, 1_000_000, 0), (2, 250_000, 50)], (10, None), 11, "IDR", (1_250_000, 125_000, 123_750, 1_248_750)),
    ([(1, 1_000_000, 0)], (None, 200_000), 11, "IDR", (1_000_000, 200_000, 88_000, 888_000)),
    ([(1, 1_000_000, 100)], (None, None), 11, "IDR", (0, 0, 0, 0)),
    ([(D("0.5"), 333_333, 0)], (None, None), 11, "IDR", (166_667, 0, 18_333, 185_000)),  # 166666.5 -> 166667
    ([(1, 1_000_000, 0)], (None, None), 12, "IDR", (1_000_000, 0, 120_000, 1_120_000)),
    ([(1, 1_000_000, 0)], (None, None), 0, "IDR", (1_000_000, 0, 0, 1_000_000)),
    ([(3, D("19.99"), 0)], (None, None), 11, "USD", (D("59.97"), 0, D("6.60"), D("66.57"))),  # 6.5967
    ([(1, D("10.005"), 0)], (None, None), 0, "USD", (D("10.01"), 0, 0, D("10.01"))),
    ([(7, 142_857, D("12.5"))], (D("2.5"), None), 11, "IDR", (874_999, 21_875, 93_844, 946_968)),
]


@pytest.mark.parametrize("lines,discount,rate,currency,expected", CASES)
def test_totals(lines, discount, rate, currency, expected) -> None:  # type: ignore[no-untyped-def]
    totals = compute(
        [LineIn("item", D(str(q)), D(str(p)), D(str(d))) for q, p, d in lines],
        tax_rate=D(rate), currency=currency, discount_pct=None if discount[0] is None else D(str(discount[0])),
        discount_amount=None if discount[1] is None else D(str(discount[1])),
    )
    subtotal, disc, tax, total = (D(str(x)) for x in expected)
    assert (totals.subtotal, totals.discount_amount, totals.tax_amount, totals.total) == (subtotal, disc, tax, total)
    assert totals.total == totals.tax_base + totals.tax_amount


@pytest.mark.parametrize(
    "line,kw,field",
    [
        ((-1, 1000, 0), {}, "lines.1.quantity"),
        ((0, 1000, 0), {}, "lines.1.quantity"),
        ((1, -5, 0), {}, "lines.1.unit_price"),
        ((1, 1000, 101), {}, "lines.1.discount_pct"),
        ((1, 1000, -1), {}, "lines.1.discount_pct"),
        ((1, 1000, 0), {"discount_pct": D(150)}, "discount_pct"),
        ((1, 1000, 0), {"discount_amount": D(5000)}, "discount_amount"),
        ((1, 1000, 0), {"discount_pct": D(1), "discount_amount": D(1)}, "discount"),
        ((1, 1000, 0), {"currency": "XYZ"}, "currency"),
        ((1, 1000, 0), {"tax_rate": D(-1)}, "tax_rate"),
    ],
)
def test_bad_input_is_refused(line, kw, field) -> None:  # type: ignore[no-untyped-def]
    kw = {"tax_rate": D(11), **kw}
    with pytest.raises(ValidationFailed) as err:
        compute([LineIn("item", D(line[0]), D(line[1]), D(line[2]))], **kw)
    assert field in err.value.details


def test_not_a_number() -> None:
    with pytest.raises(ValidationFailed, match="quantity must be a number"):
        compute([LineIn("x", "abc", D(1))], tax_rate=D(11))  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="finite"):
        compute([LineIn("x", D("NaN"), D(1))], tax_rate=D(11))
