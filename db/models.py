"""Imports every model so that both metadatas are complete (migrations, table checks)."""

from core.customers.models import Customer
from core.employees.models import Employee
from core.identity.models import Membership, User
from core.invoices.models import Invoice, InvoiceLine
from core.projects.models import Project, ProjectMember
from core.rbac.models import Role
from core.spending.models import Expense
from core.tenancy.models import SchemaSyncTarget, Tenant
from db.base import ControlBase, TenantBase

__all__ = [
    "ControlBase",
    "Customer",
    "Employee",
    "Expense",
    "Invoice",
    "InvoiceLine",
    "Membership",
    "Project",
    "ProjectMember",
    "Role",
    "SchemaSyncTarget",
    "Tenant",
    "TenantBase",
    "User",
]
