"""API key scopes and the permissions each one opens.

A key acts with its role's permissions, narrowed to what its scopes allow.
"""

from __future__ import annotations

SCOPES: dict[str, frozenset[str]] = {
    "invoices:read": frozenset({"invoice.read"}),
    "invoices:write": frozenset({"invoice.create", "invoice.update", "invoice.send", "invoice.pay",
                                 "invoice.void", "invoice.delete"}),
    "customers:read": frozenset({"customer.read"}),
    "customers:write": frozenset({"customer.write", "customer.delete"}),
    "spending:read": frozenset({"expense.read"}),
    "spending:write": frozenset({"expense.write", "expense.delete"}),
    "employees:read": frozenset({"employee.read", "employee.salary.read"}),
    "employees:write": frozenset({"employee.write", "employee.salary.write"}),
    "projects:read": frozenset({"project.read_all"}),
    "projects:write": frozenset({"project.create", "project.manage", "task.write"}),
    "ai:use": frozenset({"ai.use", "document.read"}),
    "webhooks:manage": frozenset({"webhook.manage"}),
}

PERMISSION_SCOPE = {perm: scope for scope, perms in SCOPES.items() for perm in perms}


def permissions_of(scopes: list[str] | frozenset[str]) -> frozenset[str]:
    out: set[str] = set()
    for scope in scopes:
        out |= SCOPES.get(scope, frozenset())
    return frozenset(out)
