"""Permission strings and the system roles (Admin, Manager, Staff).

A permission is `<object>.<action>`; the service layer calls `require(ctx, perm)` before
doing anything, so the UI, the API and jobs share one check.
"""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "customer.read": "View customers",
    "customer.write": "Create and edit customers",
    "customer.delete": "Delete customers",
    "invoice.read": "View invoices",
    "invoice.create": "Create invoices",
    "invoice.update": "Edit draft invoices",
    "invoice.send": "Send invoices",
    "invoice.pay": "Record payments",
    "invoice.void": "Void invoices",
    "invoice.delete": "Delete draft invoices",
    "expense.read": "View spending",
    "expense.write": "Record spending",
    "expense.delete": "Delete spending",
    "employee.read": "View the employee directory",
    "employee.write": "Add and edit employees",
    "employee.salary.read": "See salaries",
    "employee.salary.write": "Change salaries",
    "project.create": "Create projects",
    "project.read_all": "See every project, not only those one is a member of",
    "project.manage": "Edit projects and their members",
    "task.write": "Create and move tasks in visible projects",
    "dashboard.read": "See the company dashboard",
    "member.read": "See the company's members",
    "member.invite": "Invite people",
    "member.manage": "Change members' roles and remove members",
    "role.manage": "Create and edit custom roles",
    "audit.read": "Read the audit log",
    "audit.export": "Export the audit log",
    "apikey.manage": "Create and revoke API keys",
    "webhook.manage": "Manage webhook endpoints",
    "settings.manage": "Change company settings",
    "document.read": "Ask questions of company documents",
    "document.upload": "Upload and delete company documents",
    "ai.use": "Use AI features",
    "ai.admin": "See AI usage, cost and margin",
    "digest.run": "Run the CEO digest now",
    "billing.manage": "Manage the subscription",
    "tenant.move": "Move the company to another tier or region",
    "data.export": "Export data (CSV)",
}

ALL = frozenset(PERMISSIONS)

_MANAGER_DENIED = {
    "member.manage", "role.manage", "apikey.manage", "webhook.manage", "settings.manage", "billing.manage",
    "tenant.move", "ai.admin", "audit.export", "employee.salary.write", "digest.run",
}
_STAFF = {
    "customer.read", "customer.write", "invoice.read", "invoice.create", "invoice.update",
    "expense.read", "expense.write", "employee.read", "project.create", "task.write", "member.read",
    "document.read", "ai.use", "dashboard.read", "data.export",
}

SYSTEM_ROLES: dict[str, frozenset[str]] = {
    "admin": ALL,
    "manager": frozenset(ALL - _MANAGER_DENIED),
    "staff": frozenset(_STAFF),
}
SYSTEM_ROLE_NAMES = {"admin": "Admin", "manager": "Manager", "staff": "Staff"}


def unknown(permissions: set[str] | frozenset[str]) -> set[str]:
    return set(permissions) - ALL
