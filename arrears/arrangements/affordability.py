"""The income and expenditure statement in the UK Standard Financial Statement's categories: what comes in,
what must go out, and what is left for creditors. Pure data and sums; services.py keeps statements."""

from django.utils.translation import gettext_lazy as _

INCOME = {
    "earnings": _("Earnings from work (after tax)"),
    "partner_earnings": _("Partner's earnings (after tax)"),
    "benefits": _("Benefits and tax credits"),
    "pensions": _("Pensions"),
    "child_maintenance": _("Child maintenance received"),
    "other_income": _("Other income"),
}
# Fixed costs, flexible costs and savings, as the SFS groups them.
EXPENDITURE = {
    "housing": _("Rent or mortgage"),
    "council_tax": _("Property taxes"),
    "utilities": _("Gas, electricity and water"),
    "phone_internet": _("Phone, TV and internet"),
    "insurance": _("Insurance"),
    "transport": _("Transport and travel"),
    "childcare": _("Childcare and school costs"),
    "court_orders": _("Court orders, fines and child maintenance paid"),
    "food": _("Food and housekeeping"),
    "personal_care": _("Health, personal care and clothing"),
    "communications_leisure": _("Leisure and other flexible costs"),
    "savings": _("Savings for emergencies"),
    "other_debts": _("Payments to other creditors"),
}
CATEGORIES = {**INCOME, **EXPENDITURE}
# A single line above this many minor units a month is refused as a slip of the keyboard, not stored.
MAX_LINE_MINOR = 10_000_000_00


def totals(lines: dict[str, int]) -> tuple[int, int, int]:
    """(income, expenditure, disposable) a month, in minor units."""
    income = sum(v for k, v in lines.items() if k in INCOME)
    spent = sum(v for k, v in lines.items() if k in EXPENDITURE)
    return income, spent, income - spent
