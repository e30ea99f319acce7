"""Opening and answering disputes.

A dispute of the whole debt puts the account on hold until it is answered; a dispute of an amount leaves
the rest in collection. While any dispute of theirs is open the debtor carries the "disputed" flag, which
the arrangement policy and the contact rules respect. Rejecting a whole-debt dispute returns the account
to where it was; upholding one leaves it on hold for staff to correct, write off or return.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record
from arrears.core.clock import business_date as today
from arrears.core.events import emit
from arrears.core.money import Money, from_minor
from arrears.disputes.models import Dispute
from arrears.portfolio.models import Account, Debtor
from arrears.portfolio.services import set_status


def _set_flag(debtor_id: int) -> bool:
    """The debtor's "disputed" flag follows their open disputes; returns its new value."""
    disputed = Dispute.objects.filter(debtor_id=debtor_id, status=Dispute.Status.OPEN).exists()
    Debtor.objects.filter(pk=debtor_id).update(disputed=disputed)
    return disputed


def open_dispute(*, actor, account: Account, debtor: Debtor, reason: str, details: str, amount: Money | None = None,
                 channel: str = "portal", business_date: dt.date | None = None) -> Dispute:
    authorize(actor, roles.DISPUTE, account.creditor_id)
    business_date = business_date or today()
    errors = {}
    if reason not in Dispute.Reason.values:
        errors["reason"] = _("Choose a reason.")
    details = details.strip()
    if not details:
        errors["details"] = _("Tell us what is wrong, so that we can check it.")
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if not locked.debtor_links.filter(debtor=debtor).exists():
            errors["account"] = _("This account is not in your name.")
        if locked.status not in Account.OPEN_STATUSES:
            errors["account"] = _("Account %(ref)s is no longer being collected.") % {"ref": locked.creditor_reference}
        if amount is not None:
            if amount.currency != locked.currency:
                errors["amount"] = _("Amounts are in %(currency)s.") % {"currency": locked.currency}
            elif not 0 < amount.minor <= locked.balance_minor:
                errors["amount"] = _("Enter an amount above zero and at most %(amount)s.") % {
                    "amount": from_minor(locked.balance_minor, locked.currency)}
        if Dispute.objects.filter(account=locked, status=Dispute.Status.OPEN, amount_minor__isnull=True).exists():
            errors["account"] = _("The whole of this debt is already disputed; we will answer soon.")
        if errors:
            raise ValidationError(errors)
        whole = amount is None
        dispute = Dispute.objects.create(
            account=locked, debtor=debtor, reason=reason, details=details[:4000], currency=locked.currency,
            amount_minor=None if whole else amount.minor, channel=channel, opened_on=business_date,
            held_from=locked.status if whole and locked.status != Account.Status.HOLD else "")
        if dispute.held_from:
            set_status(actor=actor, locked=locked, status=Account.Status.HOLD, reason=f"dispute {dispute.pk}",
                       business_date=business_date)
        _set_flag(debtor.pk)
        after = {"reason": reason, "amount_minor": dispute.amount_minor, "whole": whole, "channel": channel}
        record(actor=actor, action="dispute.opened", obj=dispute, creditor_id=locked.creditor_id,
               after={**after, "details": dispute.details})
        emit("dispute.opened", creditor_id=locked.creditor_id, account_id=locked.pk,
             payload={"dispute": dispute.pk, "account_reference": locked.creditor_reference, **after})
    return dispute


def answer_dispute(*, actor, dispute: Dispute, upheld: bool, answer: str,
                   business_date: dt.date | None = None) -> Dispute:
    authorize(actor, roles.ANSWER_DISPUTES, dispute.account.creditor_id)
    business_date = business_date or today()
    if not answer.strip():
        raise ValidationError({"answer": _("Give the debtor the reasons for the answer.")})
    with transaction.atomic():
        locked_account = Account.objects.select_for_update().get(pk=dispute.account_id)
        locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if locked.status != Dispute.Status.OPEN:
            raise ValidationError(_("This dispute was already answered (%(status)s).")
                                  % {"status": locked.get_status_display()}, code="answered")
        locked.status = Dispute.Status.UPHELD if upheld else Dispute.Status.REJECTED
        locked.answered_on, locked.answer = business_date, answer.strip()[:4000]
        locked.save(update_fields=["status", "answered_on", "answer"])
        if not upheld and locked.held_from and locked_account.status == Account.Status.HOLD:
            set_status(actor=actor, locked=locked_account, status=locked.held_from,
                       reason=f"dispute {locked.pk} rejected", business_date=business_date)
        still_disputed = _set_flag(locked.debtor_id)
        after = {"status": locked.status, "answer": locked.answer, "debtor_still_disputed": still_disputed}
        record(actor=actor, action="dispute.answered", obj=locked, creditor_id=locked_account.creditor_id,
               before={"status": Dispute.Status.OPEN}, after=after)
        emit("dispute.closed", creditor_id=locked_account.creditor_id, account_id=locked_account.pk,
             payload={"dispute": locked.pk, "status": locked.status})
    return locked
