"""The webhooks back office: creation through the service with the secret shown once, actions
through the services, a read-only delivery log."""

import pytest
from django.urls import reverse

from arrears.core.models import AuditEvent
from arrears.core.roles import Role
from arrears.webhooks import services
from arrears.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, make_user):
    user = make_user("root", Role.ADMIN)
    client.force_login(user)
    return user


def test_subscription_created_in_the_back_office_shows_its_secret_once(client, root, make_creditor):
    creditor = make_creditor()
    response = client.post(reverse("admin:webhooks_webhooksubscription_add"), {
        "creditor": creditor.pk, "url": "https://hooks.example.com/a", "event_types": ["payment.posted"]})
    assert response.status_code == 302, response.content.decode()[:3000]
    subscription = WebhookSubscription.objects.get()
    secret = services.signing_secrets(subscription)[0]
    assert secret in client.get(response.url).content.decode()  # the page after saving shows it
    assert AuditEvent.objects.get(action="webhook_subscription.created").actor == root
    page = client.get(reverse("admin:webhooks_webhooksubscription_change", args=[subscription.pk]))
    assert page.status_code == 200 and secret not in page.content.decode()


def test_bad_url_is_shown_on_its_field(client, root, make_creditor):
    response = client.post(reverse("admin:webhooks_webhooksubscription_add"), {
        "creditor": make_creditor().pk, "url": "http://hooks.example.com/a", "event_types": ["*"]})
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not WebhookSubscription.objects.exists()


def test_disable_enable_and_redeliver_actions_go_through_the_services(
        client, root, book, subscribe, pay, receiver):
    creditor, account = book
    subscription, _ = subscribe(creditor, receiver.url)
    pay(account)
    changelist = reverse("admin:webhooks_webhooksubscription_changelist")
    response = client.post(changelist, {"action": "disable", "_selected_action": [subscription.pk], "apply": "1",
                                        "reason": "Endpoint under maintenance"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_reason == "Endpoint under maintenance"
    client.post(changelist, {"action": "enable", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.is_active

    delivery = WebhookDelivery.objects.get()
    log = reverse("admin:webhooks_webhookdelivery_changelist")
    assert client.get(log, {"status": "succeeded"}).status_code == 200
    assert client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])).status_code == 200
    response = client.post(log, {"action": "redeliver", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="webhook_delivery.redelivered", actor=root).exists()
    assert [a for a in AuditEvent.objects.filter(actor=root).values_list("action", flat=True)
            if a.startswith("webhook_subscription.")] == ["webhook_subscription.disabled",
                                                          "webhook_subscription.enabled"]


def test_agents_do_not_see_webhooks(client, make_user, make_creditor):
    creditor = make_creditor()
    client.force_login(make_user("agent-a", Role.AGENT, creditors=[creditor]))
    assert client.get(reverse("admin:webhooks_webhooksubscription_changelist")).status_code == 403
    assert client.get(reverse("admin:webhooks_webhookdelivery_changelist")).status_code == 403
