"""Placement upserts: a creditor sends its accounts (new or already placed) in batches of up to 1,000.

An account is known by (creditor, creditor reference). A new one is placed through `place_account`;
an existing one has its own fields brought up to date and gains the debtors and contact points it
does not have yet. Every row is validated before anything is written; each row is then written in
its own savepoint.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record, snapshot
from arrears.core.clock import business_date as today
from arrears.core.events import emit
from arrears.ledger.models import OWED_COMPONENTS
from arrears.ledger.queries import account_state
from arrears.ledger.services import ChargeIn
from arrears.portfolio.models import Account, AccountDebtor, ContactPoint, Creditor, Debtor, Portfolio
from arrears.portfolio.services import (
    AccountIn,
    DebtorIn,
    _clean_debtor,
    _find_debtor,
    _write_debtor,
    place_account,
)

MAX_BATCH = 1000
# The account's own fields a placement may bring up to date; an empty value leaves the stored one.
UPDATABLE_FIELDS = ["original_reference", "product", "contract_date", "charge_off_date"]


@dataclass
class PlacementIn:
    portfolio_code: str  # the creditor's portfolio code (Portfolio.code)
    account: AccountIn
    balances: list[ChargeIn] = field(default_factory=list)  # opening balances; applied only when the account is new


@dataclass
class PlacementResult:
    row: int
    creditor_reference: str
    account: Account | None
    created: bool  # True: placed now; False: an existing account (updated or unchanged)
    changed: list[str]  # names of fields/parts that an update changed ([] when unchanged)
    errors: dict[str, list[str]]  # field path -> messages; empty when the row succeeded

    @property
    def ok(self) -> bool:
        return not self.errors


class _RolledBack(Exception):
    """Leaves the all-or-nothing transaction when a row failed while being written."""


def _row_prefix(row: int) -> str:
    return f"placements[{row}]"


def _nested(errors: dict, prefix: str) -> dict:
    """Paths of place_account's errors (account fields, debtors, balances) under this row's prefix."""
    out = {}
    for name, messages in errors.items():
        if name.startswith("balances") or name == "portfolio_code":
            out[f"{prefix}.{name}"] = list(messages)
        elif name == "portfolio":
            out[f"{prefix}.portfolio_code"] = list(messages)
        else:
            out[f"{prefix}.account.{name}"] = list(messages)
    return out


def _check_row(p: PlacementIn, portfolio: Portfolio | None, existing: Account | None, creditor: Creditor,
               foreign_codes: set[str]) -> dict:
    """Errors of one row, keyed as place_account keys them (account fields bare, balances[i], portfolio_code)."""
    errors: dict[str, list[str]] = {}
    account = p.account
    if portfolio is None:
        if p.portfolio_code in foreign_codes:
            message = _("Portfolio %(code)s belongs to another creditor.")
        else:
            message = _("%(creditor)s has no portfolio %(code)s.")
        errors["portfolio_code"] = [message % {"code": p.portfolio_code, "creditor": creditor.code}]
    elif portfolio.recalled_on:
        errors["portfolio_code"] = [_("Portfolio %(code)s has been recalled; nothing more can be placed in it.")
                                    % {"code": portfolio.code}]
    elif existing is not None and existing.portfolio_id != portfolio.pk:
        errors["portfolio_code"] = [_("Account %(ref)s is placed in another portfolio; a placement does not move "
                                      "accounts between portfolios.") % {"ref": account.creditor_reference}]
    if not account.creditor_reference.strip() or len(account.creditor_reference) > 64:
        errors["creditor_reference"] = [_("The creditor's reference is required (up to 64 characters).")]
    if account.product not in Account.Product.values:
        errors["product"] = [_("“%(value)s” is not a product type.") % {"value": account.product}]
    if account.contract_date is None:
        errors["contract_date"] = [_("The contract date is required.")]
    elif account.contract_date > today():
        errors["contract_date"] = [_("The contract date %(value)s is in the future.")
                                   % {"value": account.contract_date.isoformat()}]
    primaries = sum(1 for _d, role in account.debtors if role == AccountDebtor.Role.PRIMARY)
    if existing is None and (not account.debtors or primaries != 1):
        errors["debtors"] = [_("An account needs exactly one primary debtor.")]
    elif primaries > 1:
        errors["debtors"] = [_("An account needs exactly one primary debtor.")]
    for i, (d, role) in enumerate(account.debtors):
        if role not in AccountDebtor.Role.values:
            errors[f"debtors[{i}].role"] = [_("“%(value)s” is not a debtor role.") % {"value": role}]
        try:
            _clean_debtor(d, f"debtors[{i}]")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for i, charge in enumerate(p.balances):
        if charge.component not in OWED_COMPONENTS:
            errors[f"balances[{i}].component"] = [_("“%(value)s” is not a balance component that can be "
                                                    "charged.") % {"value": charge.component}]
        if portfolio is not None and charge.amount.currency != portfolio.currency:
            errors[f"balances[{i}].currency"] = [_("Portfolio %(code)s is kept in %(expected)s, not %(value)s.")
                                                 % {"code": portfolio.code, "expected": portfolio.currency,
                                                    "value": charge.amount.currency}]
        elif charge.amount.minor <= 0:
            errors[f"balances[{i}].amount"] = [_("An opening balance must be more than zero; got %(amount)s.")
                                               % {"amount": charge.amount}]
    return errors


@dataclass
class _Context:
    portfolios: dict[str, Portfolio]
    foreign_codes: set[str]
    existing: dict[str, Account]


def _load_context(creditor: Creditor, placements: list[PlacementIn]) -> _Context:
    """Everything the rows refer to, in three queries for the whole batch."""
    codes = {p.portfolio_code for p in placements}
    portfolios = {p.code: p for p in Portfolio.objects.filter(creditor=creditor, code__in=codes)}
    foreign = set(Portfolio.objects.filter(code__in=codes - set(portfolios)).values_list("code", flat=True))
    references = {p.account.creditor_reference for p in placements}
    existing = {a.creditor_reference: a
                for a in Account.objects.filter(creditor=creditor, creditor_reference__in=references)}
    return _Context(portfolios, foreign, existing)


def validate_placements(*, creditor: Creditor, placements: list[PlacementIn],
                        context: _Context | None = None) -> list[dict[str, list[str]]]:
    """Each row's errors (paths `placements[i]....`), writing nothing; an empty dict is a valid row."""
    context = context or _load_context(creditor, placements)
    seen: dict[str, int] = {}
    for p in placements:
        seen[p.account.creditor_reference] = seen.get(p.account.creditor_reference, 0) + 1
    out = []
    for row, p in enumerate(placements):
        reference = p.account.creditor_reference
        errors = _check_row(p, context.portfolios.get(p.portfolio_code), context.existing.get(reference),
                            creditor, context.foreign_codes)
        if seen[reference] > 1 and reference.strip():
            errors.setdefault("creditor_reference", []).append(
                _("Account %(ref)s appears %(count)s times in this batch; send each account once.")
                % {"ref": reference, "count": seen[reference]})
        out.append(_nested(errors, _row_prefix(row)))
    return out


def upsert_placements(*, actor, creditor: Creditor, placements: list[PlacementIn],
                      all_or_nothing: bool = True) -> list[PlacementResult]:
    """Place new accounts and bring existing ones up to date, one result per row in order.

    Every row is validated first. With `all_or_nothing` an invalid row means nothing is written
    and every row comes back with its errors (if any); a row failing while being written (a
    concurrent placement of the same reference, say) rolls back the whole batch the same way.
    Otherwise the valid rows are written, each in its own savepoint, and the invalid ones reported.
    Nothing is raised for a row's errors: the caller decides what the outcome means to its client.

    An existing account: its original reference, product, contract date and charge-off date take
    the values sent (an empty value keeps the stored one); debtors it does not have yet are linked
    (the same person is the one with the same identifier, found by its keyed hash; without an
    identifier, a linked debtor with the same name and date of birth); new phones, e-mails and
    addresses are added. Names of people already known are not changed here (see update_debtor).
    Balances sent for an existing account are NOT charged again: a change of balance is an
    adjustment, made through the ledger's adjustment service. An update is audited with before and
    after and announced as one `account.updated` event, only when something changed.
    """
    authorize(actor, roles.PLACE_ACCOUNTS, creditor.pk)
    if len(placements) > MAX_BATCH:
        raise ValidationError({"placements": [_("A batch holds at most %(max)s placements; this one has "
                                                "%(count)s.") % {"max": MAX_BATCH, "count": len(placements)}]})
    context = _load_context(creditor, placements)
    checked = validate_placements(creditor=creditor, placements=placements, context=context)
    results = [PlacementResult(row, p.account.creditor_reference, None, False, [], errors)
               for row, (p, errors) in enumerate(zip(placements, checked, strict=True))]
    if all_or_nothing and any(r.errors for r in results):
        return results
    if not all_or_nothing:
        for result, p in zip(results, placements, strict=True):
            if not result.errors:
                _write_row(actor, context, p, result)
        return results
    try:
        with transaction.atomic():
            for result, p in zip(results, placements, strict=True):
                _write_row(actor, context, p, result)
            if any(r.errors for r in results):
                raise _RolledBack
    except _RolledBack:
        for result in results:
            result.account, result.created, result.changed = None, False, []
    return results


def _write_row(actor, context: _Context, p: PlacementIn, result: PlacementResult) -> None:
    """One row in its own savepoint: a failure here leaves the other rows' writes untouched."""
    portfolio = context.portfolios[p.portfolio_code]
    prefix = _row_prefix(result.row)
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
        result.errors = _nested(exc.message_dict if hasattr(exc, "error_dict") else {"account": exc.messages},
                                prefix)
        result.account, result.created, result.changed = None, False, []
    except IntegrityError:
        result.errors = {f"{prefix}.account.creditor_reference": [
            _("Account %(ref)s was placed at the same time by another request; send it again to update it.")
            % {"ref": p.account.creditor_reference}]}
        result.account, result.created, result.changed = None, False, []


def _same_person(d: DebtorIn, debtor: Debtor) -> bool:
    def key(kind, given, family, company, born):
        return kind, given.strip().casefold(), family.strip().casefold(), company.strip().casefold(), born

    return key(d.kind, d.given_name, d.family_name, d.company_name, d.date_of_birth) == key(
        debtor.kind, debtor.given_name, debtor.family_name, debtor.company_name, debtor.date_of_birth)


def _add_contact_points(actor, debtor: Debtor, points: list[ContactPoint], creditor_id: int) -> int:
    """Add the points the debtor does not have yet (compared as _write_debtor compares them)."""
    known = {(p.kind, p.phone_e164, p.email, p.address_line1) for p in debtor.contact_points.all()}
    added = 0
    for point in points:
        key = (point.kind, point.phone_e164, point.email, point.address_line1)
        if key in known:
            continue
        known.add(key)
        point.debtor = debtor
        point.save()
        added += 1
        record(actor=actor, action="contact_point.added", obj=point, creditor_id=creditor_id,
               after={"debtor": debtor.pk, "kind": point.kind, "value": str(point), "source": point.source})
    return added


def _update_account(actor, portfolio: Portfolio, existing: Account, account: AccountIn):
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
        identifiers, points = _clean_debtor(d, f"debtors[{i}]")
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
                _("Account %(ref)s already has a primary debtor; another person can be added as a co-borrower "
                  "or guarantor.") % {"ref": locked.creditor_reference}]})
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
