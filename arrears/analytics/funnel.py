"""Recording the portal funnel and reading it back.

Pages record the steps a debtor takes (visit, sign-in, offers seen, offer accepted, promise made); whether an
arrangement made in the portal was then kept or broken is heard from the domain events. A step about a
thing (an arrangement, a promise) is recorded once however often its event is heard.
"""

import datetime as dt

from django.db.models import Count

from arrears.analytics.models import FunnelEvent
from arrears.arrangements.models import Arrangement, Channel, Promise
from arrears.core.events import subscriber
from arrears.portfolio.models import AccountDebtor

Step = FunnelEvent.Step
# The order a report shows the steps in.
STEPS = [Step.VISIT, Step.SIGNED_IN, Step.OFFERS_SEEN, Step.OFFER_ACCEPTED, Step.PROMISE_MADE,
         Step.ARRANGEMENT_KEPT, Step.ARRANGEMENT_BROKEN]


def record(step: str, *, debtor_id: int | None = None, account=None, creditor_id: int | None = None,
           source: str = "", ref: str = "") -> None:
    FunnelEvent.objects.bulk_create([FunnelEvent(
        step=step, debtor_id=debtor_id, account=account, source=source[:40], ref=ref,
        creditor_id=account.creditor_id if account is not None else creditor_id)], ignore_conflicts=bool(ref))


@subscriber("arrangement.completed", "arrangement.broken", "promise.kept", "promise.broken")
def arrangements_ended(events) -> None:
    """Kept or broken, for arrangements and promises made in the portal."""
    wanted = {"arrangement": [], "promise": []}
    for event in events:
        kind = "arrangement" if event.type.startswith("arrangement.") else "promise"
        wanted[kind].append((event.payload[kind], event.type.endswith((".completed", ".kept"))))
    rows = []
    for model, kind in ((Arrangement, "arrangement"), (Promise, "promise")):
        portal = {pk: account for pk, account in model.objects.filter(
            pk__in=[pk for pk, _kept in wanted[kind]], channel=Channel.PORTAL).values_list("pk", "account_id")}
        rows += [(kind, pk, kept, portal[pk]) for pk, kept in wanted[kind] if pk in portal]
    if not rows:
        return
    primary = {a: (c, d) for a, c, d in AccountDebtor.objects.filter(
        account_id__in={row[3] for row in rows}, role=AccountDebtor.Role.PRIMARY).values_list(
        "account_id", "account__creditor_id", "debtor_id")}
    FunnelEvent.objects.bulk_create([FunnelEvent(
        step=Step.ARRANGEMENT_KEPT if kept else Step.ARRANGEMENT_BROKEN, account_id=account_id,
        creditor_id=primary.get(account_id, (None, None))[0], debtor_id=primary.get(account_id, (None, None))[1],
        ref=f"{kind}:{pk}") for kind, pk, kept, account_id in rows], ignore_conflicts=True)


def summary(queryset, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[dict]:
    """Per step: how many times it was taken and by how many debtors, in funnel order."""
    if since:
        queryset = queryset.filter(occurred_at__gte=since)
    if until:
        queryset = queryset.filter(occurred_at__lt=until)
    counts = {row["step"]: row for row in queryset.order_by().values("step").annotate(
        times=Count("pk"), debtors=Count("debtor", distinct=True))}
    return [{"step": step, "label": step.label, "times": counts.get(step, {}).get("times", 0),
             "debtors": counts.get(step, {}).get("debtors", 0)} for step in STEPS]
