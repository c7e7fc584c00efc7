"""Employees: the directory; salaries only for those allowed to see them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.employees.service import EmployeeInput, create_employee, export_csv, list_employees
from core.errors import DomainError
from core.rbac.guard import can
from ui.guard import page_guard
from ui.i18n import idr
from ui.session import tr

ctx = page_guard("employee.read")
st.title(tr("employees.title"))

people = list_employees(ctx)
show_salary = can(ctx, "employee.salary.read")
if not people:
    st.info(tr("employees.empty"))
else:
    rows = [
        {tr("employees.name"): p.full_name, tr("employees.position"): p.position or "",
         tr("employees.department"): p.department or "", tr("employees.email"): p.email or "",
         **({tr("employees.salary"): idr(p.salary) if p.salary is not None else ""} if show_salary else {})}
        for p in people
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    if can(ctx, "data.export"):
        st.download_button(tr("common.export_csv"), export_csv(ctx), file_name="employees.csv", mime="text/csv")

if can(ctx, "employee.write"):
    with st.expander(tr("employees.add"), expanded=not people), st.form("add_employee", clear_on_submit=True):
        name = st.text_input(tr("employees.name"))
        c1, c2 = st.columns(2)
        position = c1.text_input(tr("employees.position"))
        department = c2.text_input(tr("employees.department"))
        email = c1.text_input(tr("employees.email"))
        salary = c2.number_input(tr("employees.salary"), min_value=0, step=100_000, value=0) \
            if can(ctx, "employee.salary.write") else None
        if st.form_submit_button(tr("common.save"), type="primary"):
            try:
                create_employee(ctx, EmployeeInput(name, email or None, position or None, department or None,
                                                   salary=salary or None))
            except DomainError as exc:
                st.error(exc.message)
            else:
                st.success(tr("common.saved"))
                st.rerun()
