"""Event types and the shape of their `data`, built from the services' views.

A webhook body follows the Standard Webhooks payload structure:
`{"type": "invoice.paid", "timestamp": "2026-11-25T03:04:05.123456Z", "data": {...}}`.
Money is a decimal string (never a float), dates are ISO 8601, ids are UUID strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # views only; the services import this module
    from core.customers.service import CustomerView
    from core.invoices.service import InvoiceView
    from core.projects.tasks import TaskView

EVENT_TYPES: dict[str, str] = {
    "invoice.created": "An invoice draft was created",
    "invoice.sent": "An invoice was issued (numbered and sent)",
    "invoice.paid": "An invoice was paid in full",
    "invoice.overdue": "An invoice passed its due date unpaid",
    "task.status_changed": "A task moved to another column",
    "customer.created": "A customer was added",
}
TEST_EVENT = "webhook.test"


def invoice_data(view: InvoiceView) -> dict[str, Any]:
    return {
        "id": str(view.id),
        "number": view.number,
        "status": view.status,
        "customer": {"id": str(view.customer_id), "name": view.customer_name},
        "currency": view.currency,
        "issue_date": view.issue_date.isoformat(),
        "due_date": view.due_date.isoformat(),
        "subtotal": str(view.subtotal),
        "discount_amount": str(view.discount_amount),
        "tax_rate": str(view.tax_rate),
        "tax_amount": str(view.tax_amount),
        "total": str(view.total),
        "amount_paid": str(view.amount_paid),
        "balance": str(view.balance),
    }


def task_data(view: TaskView, previous_status: str) -> dict[str, Any]:
    return {
        "id": str(view.id),
        "project_id": str(view.project_id),
        "title": view.title,
        "status": view.status,
        "previous_status": previous_status,
        "priority": view.priority,
        "assignee_user_id": str(view.assignee_user_id) if view.assignee_user_id else None,
        "due_date": view.due_date.isoformat() if view.due_date else None,
    }


def customer_data(view: CustomerView) -> dict[str, Any]:
    return {
        "id": str(view.id),
        "name": view.name,
        "email": view.email,
        "phone": view.phone,
        "npwp": view.npwp,
        "address": view.address,
        "payment_terms_days": view.payment_terms_days,
        "credit_limit": str(view.credit_limit) if view.credit_limit is not None else None,
    }
