"""The overview: every debt of the signed-in debtor, what is owed by part, what is arranged, promised,
proposed or disputed, and the latest payments.

The page is kept in the shared cache under a key that changes whenever anything shown could have: the
accounts' own rows (balances, status, days past due, creditor) and the newest domain event of those
accounts, read in the same query (every write that touches an arrangement, promise, proposal, dispute or
payment emits one in its own transaction). A page after any change is therefore rendered anew; a page
reloaded with nothing changed costs that one query. The key also holds the release (templates and
translations), the language, the brand, the address and the browser's CSRF cookie, since the page carries
forms.
"""

import hashlib
import threading
from collections import OrderedDict, defaultdict
from pathlib import Path

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponse
from django.utils.translation import get_language

from arrears.arrangements.models import Arrangement, Promise, RestructuringProposal
from arrears.core.models import DomainEvent
from arrears.disputes.models import Dispute
from arrears.ledger.models import Component, Payment
from arrears.ledger.services import BALANCE_FIELD
from arrears.portal import branding
from arrears.portal.views import VISITED, render, signed_in
from arrears.portfolio.models import Account


class _Recent:
    """The pages this process served last, in front of the shared cache: a key names exactly what a page
    shows, so a page found here is as right as one found there, one round trip sooner."""

    def __init__(self, size: int):
        self.size, self.pages, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str) -> str | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()

    def put(self, key: str, page: str) -> None:
        with self.lock:
            self.pages[key] = page
            if len(self.pages) > self.size:
                self.pages.popitem(last=False)


recent_pages = _Recent(1000)
def _release_stamp() -> str:
    """Changes when the portal's templates or translations do, so that a deploy does not serve pages kept by
    the release before it."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*(root / "portal" / "templates").rglob("*.html"), *(root / "locale").rglob("*.mo")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


RELEASE = _release_stamp()
RECENT_PAYMENTS = 10  # on the overview; the account's history page lists them all
CACHE_SECONDS = 600
SHOWN_FIELDS = ["id", "status", *BALANCE_FIELD.values(), "dpd", "oldest_unpaid_due_date", "closed_on",
                "creditor_reference", "product", "currency", "creditor_id", "portfolio_id"]


def debts_of(accounts: list[Account]) -> list[dict]:
    live = {arr.account_id: arr for arr in Arrangement.objects.filter(
        account__in=accounts, status__in=Arrangement.ACTIVE_STATUSES)}
    promised = {p.account_id: p for p in Promise.objects.filter(account__in=accounts, status=Promise.Status.PENDING)}
    proposals = {p.account_id: p for p in RestructuringProposal.objects.filter(
        account__in=accounts, status__in=RestructuringProposal.OPEN_STATUSES)}
    disputed = defaultdict(list)
    for d in Dispute.objects.filter(account__in=accounts, status=Dispute.Status.OPEN).order_by("opened_on"):
        disputed[d.account_id].append(d)
    recent = defaultdict(list)  # the last RECENT_PAYMENTS of each account, in one query for all of them
    newest_first = [F("value_date").desc(), F("pk").desc()]
    for payment in (Payment.objects.filter(account__in=accounts, status=Payment.Status.POSTED)
                    .only("account_id", "value_date", "amount_minor", "currency")
                    .annotate(n=Window(RowNumber(), partition_by=F("account_id"), order_by=newest_first))
                    .filter(n__lte=RECENT_PAYMENTS).order_by("account_id", *newest_first)):
        recent[payment.account_id].append(payment)
    return [{
        "account": a, "arrangement": live.get(a.pk), "promise": promised.get(a.pk), "disputes": disputed[a.pk],
        "proposal": proposals.get(a.pk),
        "components": [(Component(c).label, getattr(a, name)) for c, name in BALANCE_FIELD.items()
                       if c != Component.CREDIT],
        "payments": recent[a.pk],
    } for a in accounts]


def _key(request, accounts: list[Account], brand) -> str:
    shown = [[getattr(a, name) for name in SHOWN_FIELDS] + [a.creditor.name, a.portfolio.original_creditor,
                                                            a.newest_event] for a in accounts]
    fingerprint = repr((RELEASE, request.debtor_actor.debtor_id, get_language(), request.COOKIES.get("csrftoken"),
                        request.get_full_path(), brand, shown))
    return "portal:overview:" + hashlib.sha256(fingerprint.encode()).hexdigest()


@signed_in
def overview(request):
    actor = request.debtor_actor
    newest_event = DomainEvent.objects.filter(account_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    accounts = list(Account.objects.visible_to(actor).filter(debtor_links__debtor_id=actor.debtor_id)
                    .select_related("creditor", "portfolio")
                    .only(*SHOWN_FIELDS, "creditor__name", "portfolio__original_creditor")
                    .annotate(newest_event=Subquery(newest_event)).order_by("placed_at"))
    key = _key(request, accounts, branding.brand_for(request))
    # A page with a notice on it (a payment received, a plan agreed) is shown once and not kept.
    keep = not len(get_messages(request)) and VISITED in request.session
    if keep:
        page = recent_pages.get(key)
        if page is None and (page := cache.get(key)) is not None:
            recent_pages.put(key, page)
        if page is not None:
            return HttpResponse(page)
    response = render(request, "portal/overview.html", {"debts": debts_of(accounts),
                                                        "open_statuses": Account.OPEN_STATUSES})
    if keep:
        page = response.content.decode()
        cache.set(key, page, CACHE_SECONDS)
        recent_pages.put(key, page)
    return response
