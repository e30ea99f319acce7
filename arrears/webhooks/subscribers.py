"""Event subscribers of the webhooks app (registered when the app is ready)."""

from collections import defaultdict

from django.utils import timezone

from arrears.core.events import subscriber
from arrears.core.models import DomainEvent
from arrears.webhooks.delivery import batches
from arrears.webhooks.models import WebhookDelivery, WebhookSubscription
from arrears.webhooks.tasks import deliver_webhooks


@subscriber("*")
def fan_out_webhooks(events: list[DomainEvent]) -> None:
    """One delivery per event and matching active subscription of the event's creditor, then send them.

    Safe to run twice: the unique (subscription, event) key drops the second insert, and an attempt
    claims its delivery before sending."""
    events = [event for event in events if event.creditor_id is not None]
    if not events:
        return
    subscriptions = defaultdict(list)
    for subscription in WebhookSubscription.objects.filter(
            creditor_id__in={event.creditor_id for event in events}, is_active=True).only(
            "pk", "creditor_id", "event_types"):
        subscriptions[subscription.creditor_id].append(subscription)
    now = timezone.now()
    rows = [WebhookDelivery(subscription=subscription, event=event, event_type=event.type, next_attempt_at=now)
            for event in events for subscription in subscriptions[event.creditor_id] if subscription.wants(event.type)]
    if not rows:
        return
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # ignore_conflicts leaves no ids: read back the ones still to send (all of them, on a second run
    # before they were sent; claiming keeps that from sending any twice).
    to_send = WebhookDelivery.objects.filter(
        event_id__in=[event.pk for event in events],
        subscription_id__in={row.subscription_id for row in rows},
        status=WebhookDelivery.Status.PENDING, attempts=0,
    ).values_list("pk", "subscription_id")
    for ids in batches(to_send):
        deliver_webhooks.enqueue(ids)
