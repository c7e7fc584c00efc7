"""Imports every model so that both metadatas are complete (migrations, table checks).

Feature packages (`_..._models`) register their tables on import.
"""

from core.ai.digest import models as _digest_models  # noqa: F401
from core.ai.models import AiBreaker, AiBudget, AiPrice, AiTenantSetting, AiUsage
from core.ai.precheck import models as _precheck_models  # noqa: F401
from core.ai.rag import models as _rag_models  # noqa: F401
from core.apikeys.models import ApiKey
from core.audit.models import AuditLog, AuditPending
from core.billing.plans import Plan
from core.customers.models import Customer
from core.employees.models import Employee
from core.files.models import StoredFile
from core.identity.models import Invitation, LoginThrottle, Membership, PasswordResetToken, User, UserSession
from core.invoices.models import Invoice, InvoiceLine, InvoicePayment, NumberSequence, TaxRate
from core.notify.models import OutboxEmail
from core.products.models import Product
from core.projects.models import Project, ProjectMember, Task
from core.rbac.models import Role
from core.spending.models import Expense
from core.tenancy.migration import models as _migration_models  # noqa: F401
from core.tenancy.models import SchemaSyncTarget, Tenant
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from db.base import ControlBase, TenantBase

__all__ = [
    "AiBreaker",
    "AiBudget",
    "AiPrice",
    "AiTenantSetting",
    "AiUsage",
    "ApiKey",
    "AuditLog",
    "AuditPending",
    "ControlBase",
    "Customer",
    "Employee",
    "Expense",
    "Invitation",
    "Invoice",
    "InvoiceLine",
    "InvoicePayment",
    "LoginThrottle",
    "Membership",
    "NumberSequence",
    "OutboxEmail",
    "PasswordResetToken",
    "Plan",
    "Product",
    "Project",
    "ProjectMember",
    "Role",
    "SchemaSyncTarget",
    "StoredFile",
    "Task",
    "TaxRate",
    "Tenant",
    "TenantBase",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
