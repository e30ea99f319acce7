"""The row path as it stood before placements were written set-based: each row in its own savepoint,
a new account through `place_account`, a known one updated field by field and debtor by debtor. Kept
here only as the yardstick the set-based write is compared with; nothing in arrears calls it."""

from django.core.exceptions import ValidationError
from django.db import transaction

from arrears.core.audit import record, snapshot
from arrears.core.events import emit
from arrears.ledger.queries import account_state
from arrears.portfolio.models import Account, AccountDebtor, ContactPoint
from arrears.portfolio.placements import (
    UPDATABLE_FIELDS,
    PlacementResult,
    _load_context,
    _nested,
    _row_prefix,
    _same_person,
    validate_placements,
)
from arrears.portfolio.services import _find_debtor, _write_debtor, clean_debtor, place_account, point_key


def upsert_row_by_row(*, actor, creditor, placements, all_or_nothing=True) -> list[PlacementResult]:
    context = _load_context(creditor, placements)
    checked = validate_placements(creditor=creditor, placements=placements, context=context)
    results = [PlacementResult(row, p.account.creditor_reference, None, False, [], errors)
               for row, (p, errors) in enumerate(zip(placements, checked, strict=True))]
    if all_or_nothing and any(r.errors for r in results):
        return results
    try:
        with transaction.atomic():
            for result, p in zip(results, placements, strict=True):
                if not result.errors:
                    _write_row(actor, context, p, result)
            if all_or_nothing and any(r.errors for r in results):
                raise ValueError
    except ValueError:
        for result in results:
            result.account, result.created, result.changed = None, False, []
    return results


def _write_row(actor, context, p, result) -> None:
    portfolio = context.portfolios[p.portfolio_code]
    try:
        with transaction.atomic():
            existing = context.existing.get(p.account.creditor_reference)
            if existing is None:
                result.account = place_account(actor=actor, portfolio=portfolio, account=p.account,
                                               balances=p.balances)
                result.created = True
            else:
                result.account, result.changed = _update_account(actor, portfolio, existing, p.account)
    except ValidationError as exc:
        result.errors = _nested(exc.message_dict, _row_prefix(result.row))
        result.account, result.created, result.changed = None, False, []


def _add_contact_points(actor, debtor, points, creditor_id) -> int:
    known = {point_key(p) for p in debtor.contact_points.all()}
    added = 0
    for point in points:
        if point_key(point) in known:
            continue
        known.add(point_key(point))
        point.debtor = debtor
        point.save()
        added += 1
        record(actor=actor, action="contact_point.added", obj=point, creditor_id=creditor_id,
               after={"debtor": debtor.pk, "kind": point.kind, "value": str(point), "source": point.source})
    return added


def _update_account(actor, portfolio, existing, account):
    locked = Account.objects.select_for_update().get(pk=existing.pk)
    links = {link.debtor_id: link for link in AccountDebtor.objects.filter(account=locked).select_related("debtor")}
    before = {**snapshot(locked, UPDATABLE_FIELDS), "debtors": sorted(links),
              "contact_points": ContactPoint.objects.filter(debtor_id__in=list(links)).count()}
    changed = []
    for name in UPDATABLE_FIELDS:
        value = getattr(account, name)
        if value not in ("", None) and getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    if changed:
        locked.save(update_fields=changed)
    points_added = 0
    for i, (d, role) in enumerate(account.debtors):
        identifiers, points = clean_debtor(d, f"debtors[{i}]")
        debtor = _find_debtor(identifiers) if identifiers else next(
            (link.debtor for link in links.values() if _same_person(d, link.debtor)), None)
        if debtor is None:
            debtor = _write_debtor(actor, d, identifiers, points, locked.creditor_id)
        else:
            points_added += _add_contact_points(actor, debtor, points, locked.creditor_id)
        if debtor.pk in links:
            continue
        if role == AccountDebtor.Role.PRIMARY and any(
                link.role == AccountDebtor.Role.PRIMARY for link in links.values()):
            raise ValidationError({f"debtors[{i}].role": [
                f"Account {locked.creditor_reference} already has a primary debtor; another person can be added "
                "as a co-borrower or guarantor."]})
        links[debtor.pk] = AccountDebtor.objects.create(account=locked, debtor=debtor, role=role)
        if "debtors" not in changed:
            changed.append("debtors")
    if points_added:
        changed.append("contact_points")
    if changed:
        after = {**snapshot(locked, UPDATABLE_FIELDS), "debtors": sorted(links),
                 "contact_points": before["contact_points"] + points_added}
        record(actor=actor, action="account.updated", obj=locked, creditor_id=locked.creditor_id,
               before=before, after=after)
        emit("account.updated", creditor_id=locked.creditor_id, account_id=locked.pk,
             payload={"portfolio": portfolio.code, "account": account_state(locked), "changed": changed})
    return locked, changed
