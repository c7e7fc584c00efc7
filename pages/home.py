"""Home: the company, its tier and data region, and a few headline numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import streamlit as st

from core.tenancy.overview import overview
from core.tenancy.registry import get_tenant
from core.tenancy.residency import residency_of
from ui.guard import page_guard
from ui.i18n import idr, idr_short
from ui.session import lang, signed_in, tr

ctx = page_guard()
user = signed_in()
if user is None:
    st.stop()

st.title(ctx.name)
st.caption(tr("home.welcome", name=user.full_name))

c1, c2, c3, c4 = st.columns(4)
c1.metric(tr("home.tier"), tr(f"tier.{ctx.tier}"), border=True)
c2.metric(tr("home.region"), tr(f"region.{ctx.region}"), border=True)
c3.metric(tr("home.status"), ctx.status.replace("_", " ").title(), border=True)
c4.metric(tr("home.role"), tr(f"role.{ctx.role}"), border=True)

today = dt.datetime.now(ZoneInfo(ctx.timezone)).date()
numbers = overview(ctx, today)
st.divider()
if numbers.customers == 0 and numbers.invoices == 0:
    st.info(tr("home.empty"))
else:
    n1, n2, n3, n4 = st.columns(4)
    n1.metric(tr("home.customers"), f"{numbers.customers:,}".replace(",", "."), border=True)
    n2.metric(tr("home.invoices"), f"{numbers.invoices:,}".replace(",", "."), border=True)
    n3.metric(tr("home.receivables"), idr_short(numbers.receivables, lang()), help=idr(numbers.receivables),
              border=True)
    n4.metric(tr("home.spending_month"), idr_short(numbers.spending_this_month, lang()),
              help=idr(numbers.spending_this_month), border=True)

where = residency_of(get_tenant(ctx.tenant_id))
st.caption("🔒 " + tr("home.residency", server=where.server, database=where.database, schema=where.schema))
