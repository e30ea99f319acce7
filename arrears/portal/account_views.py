"""One debt in depth: month by month what was owed and overdue, and every payment made."""

from arrears.core.clock import business_date
from arrears.ledger.history import monthly_history
from arrears.ledger.models import Payment
from arrears.portal.views import own_account, render, signed_in

HISTORY_MONTHS = 12


@signed_in
def history(request, pk: int):
    account = own_account(request, pk)
    months = monthly_history(account, business_date(), HISTORY_MONTHS)
    # Reversed payments stay in the list, marked, so that a bounced transfer is explained, not hidden.
    payments = Payment.objects.filter(account=account).order_by("-value_date", "-pk")
    return render(request, "portal/history.html", {"account": account, "months": months[::-1],
                                                   "payments": payments})
