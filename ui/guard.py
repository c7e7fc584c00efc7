"""Page guard: the signed-in context, or a plain refusal when a permission is missing."""

from __future__ import annotations

import streamlit as st

from core.context import TenantContext
from core.rbac.permissions import PERMISSIONS
from ui.session import tenant_context, tr


def page_guard(permission: str | None = None) -> TenantContext:
    """Call first in every page; stops the page when not signed in or not allowed."""
    ctx = tenant_context()
    if ctx is None:
        st.stop()
    if permission is not None and permission not in ctx.permissions:
        st.error(tr("access.denied", permission=permission, what=PERMISSIONS.get(permission, permission)))
        st.stop()
    return ctx
