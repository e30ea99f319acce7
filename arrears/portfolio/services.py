"""Writes of the portfolio app: creditors, portfolios, debtors and their contact points, placements.

Input is validated whole before anything is written; an error names the field and the value.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import audit_event, record, record_many, snapshot
from arrears.core.clock import business_date as today
from arrears.core.crypto import encrypt, lookup_hash
from arrears.core.events import EventIn, emit_many
from arrears.core.identifiers import scheme as identifier_scheme
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.core.references import make_rf
from arrears.ledger.delinquency import validate_buckets
from arrears.ledger.events import status_changed_event
from arrears.ledger.models import OWED_COMPONENTS, BucketSpell
from arrears.ledger.queries import account_state
from arrears.portfolio import validation
from arrears.portfolio.models import (
    Account,
    AccountDebtor,
    ContactPoint,
    Creditor,
    Debtor,
    DebtorIdentifier,
    Portfolio,
)

CREDITOR_FIELDS = ["code", "name", "kind", "country", "registration_number", "allocation_order",
                   "allocation_mode", "buckets", "is_active"]
PORTFOLIO_FIELDS = ["code", "name", "original_creditor", "mandate", "commission_rate", "currency",
                    "jurisdiction", "collection_iban", "placed_on", "recalled_on"]
DEBTOR_FIELDS = ["kind", "given_name", "family_name", "company_name", "responsible_person", "date_of_birth",
                 "country", "preferred_language"]
FLAG_FIELDS = ["deceased", "bankrupt", "vulnerable", "do_not_contact", "disputed"]
OPT_OUT_FIELDS = {"call": "call_opt_out_at", "sms": "sms_opt_out_at", "whatsapp": "whatsapp_opt_out_at",
                  "email": "email_opt_out_at", "post": "post_opt_out_at"}


def clean_creditor_values(values: dict) -> dict:
    validation.country(values.get("country", ""))
    order = values.get("allocation_order")
    if order is not None and (sorted(order) != sorted(str(c) for c in OWED_COMPONENTS)):
        raise ValidationError({"allocation_order": _("The allocation order must list each balance component "
                                                     "once: %(components)s.")
                               % {"components": ", ".join(OWED_COMPONENTS)}})
    buckets = values.get("buckets")
    if buckets is not None and (problems := validate_buckets(buckets)):
        raise ValidationError({"buckets": problems})
    return values


def create_creditor(*, actor, **values) -> Creditor:
    authorize(actor, roles.MANAGE_CREDITORS)
    creditor = Creditor(**clean_creditor_values(values))
    creditor.full_clean()
    with transaction.atomic():
        creditor.save()
        record(actor=actor, action="creditor.created", obj=creditor, creditor_id=creditor.pk,
               after=snapshot(creditor, CREDITOR_FIELDS))
    return creditor


def update_creditor(*, actor, creditor: Creditor, **changes) -> Creditor:
    authorize(actor, roles.MANAGE_CREDITORS, creditor.pk)
    before = snapshot(creditor, CREDITOR_FIELDS)
    clean_creditor_values({"country": creditor.country, **changes})
    for name, value in changes.items():
        setattr(creditor, name, value)
    creditor.full_clean()
    with transaction.atomic():
        creditor.save()
        record(actor=actor, action="creditor.updated", obj=creditor, creditor_id=creditor.pk, before=before,
               after=snapshot(creditor, CREDITOR_FIELDS))
    return creditor


def _decimal_or_none(value):
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None  # not a number at all: the model's own validation names it
    return number if number.is_finite() else None


def clean_portfolio_values(values: dict) -> dict:
    validation.currency(values.get("currency", ""))
    validation.country(values.get("jurisdiction", ""), "jurisdiction")
    if values.get("collection_iban"):
        values["collection_iban"] = validation.iban(values["collection_iban"], "collection_iban")
    mandate, rate = values.get("mandate"), values.get("commission_rate")
    if mandate == Portfolio.Mandate.CONTINGENCY and rate is None:
        raise ValidationError({"commission_rate": _("A contingency mandate needs a commission rate.")})
    if (number := _decimal_or_none(rate)) is not None and not 0 <= number <= 1:
        raise ValidationError({"commission_rate": _("A commission rate is a share from 0 to 1 (0.25 is 25 "
                                                    "percent), not %(value)s.") % {"value": rate}})
    return values


def create_portfolio(*, actor, creditor: Creditor, **values) -> Portfolio:
    authorize(actor, roles.MANAGE_CREDITORS, creditor.pk)
    portfolio = Portfolio(creditor=creditor, **clean_portfolio_values(values))
    portfolio.full_clean()
    with transaction.atomic():
        portfolio.save()
        record(actor=actor, action="portfolio.created", obj=portfolio, creditor_id=creditor.pk,
               after=snapshot(portfolio, PORTFOLIO_FIELDS))
    return portfolio


def update_portfolio(*, actor, portfolio: Portfolio, **changes) -> Portfolio:
    authorize(actor, roles.MANAGE_CREDITORS, portfolio.creditor_id)
    before = snapshot(portfolio, PORTFOLIO_FIELDS)
    merged = clean_portfolio_values({**snapshot(portfolio, PORTFOLIO_FIELDS), **changes})
    for name in changes:
        setattr(portfolio, name, merged[name])
    portfolio.full_clean()
    with transaction.atomic():
        portfolio.save()
        record(actor=actor, action="portfolio.updated", obj=portfolio, creditor_id=portfolio.creditor_id,
               before=before, after=snapshot(portfolio, PORTFOLIO_FIELDS))
    return portfolio


@dataclass
class IdentifierIn:
    scheme: str
    value: str


@dataclass
class ContactPointIn:
    kind: str
    value: str = ""  # the phone number or e-mail address
    address_line1: str = ""
    address_line2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    source: str = ContactPoint.Source.CREDITOR
    confidence: int = 50
    is_workplace: bool = False
    is_primary: bool = False


@dataclass
class DebtorIn:
    country: str
    kind: str = Debtor.Kind.PERSON
    given_name: str = ""
    family_name: str = ""
    company_name: str = ""
    responsible_person: str = ""
    date_of_birth: dt.date | None = None
    preferred_language: str = ""
    identifiers: list[IdentifierIn] = field(default_factory=list)
    contact_points: list[ContactPointIn] = field(default_factory=list)


def _prefixed(exc: ValidationError, prefix: str) -> dict:
    return {f"{prefix}.{name}": messages for name, messages in exc.message_dict.items()}


def _clean_identifiers(identifiers: list[IdentifierIn], prefix: str) -> list[tuple[str, str]]:
    cleaned, errors = [], {}
    for i, ident in enumerate(identifiers):
        try:
            s = identifier_scheme(ident.scheme)
            cleaned.append((s.code, s.normalise(ident.value, "value")))
        except ValidationError as exc:
            errors.update(_prefixed(exc, f"{prefix}.identifiers[{i}]"))
    if len({code for code, _v in cleaned}) != len(cleaned) and not errors:
        errors[f"{prefix}.identifiers"] = [_("Each identifier type may be given once.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_contact_point(cp: ContactPointIn, default_country: str) -> ContactPoint:
    country = validation.country(cp.country or default_country)
    point = ContactPoint(kind=cp.kind, country=country, source=cp.source, confidence=cp.confidence,
                         is_workplace=cp.is_workplace, is_primary=cp.is_primary)
    if cp.kind == ContactPoint.Kind.PHONE:
        point.phone_e164, point.line_type = validation.phone(cp.value, country, "value")
    elif cp.kind == ContactPoint.Kind.EMAIL:
        point.email = validation.email(cp.value, "value")
    elif cp.kind == ContactPoint.Kind.ADDRESS:
        if not (cp.address_line1.strip() and cp.city.strip()):
            raise ValidationError({"address_line1": _("A postal address needs at least a street line and a city.")})
        for name in ADDRESS_FIELDS:
            setattr(point, name, getattr(cp, name).strip())
    else:
        raise ValidationError({"kind": _("“%(value)s” is not a kind of contact point.") % {"value": cp.kind}})
    if cp.source not in ContactPoint.Source.values:
        raise ValidationError({"source": _("“%(value)s” is not a source.") % {"value": cp.source}})
    if not 0 <= cp.confidence <= 100:
        raise ValidationError({"confidence": _("Confidence is a number from 0 to 100, not %(value)s.")
                               % {"value": cp.confidence}})
    _check_fields(point, ["email", *ADDRESS_FIELDS])
    return point


ADDRESS_FIELDS = ["address_line1", "address_line2", "postal_code", "city", "region"]


def _check_fields(instance, names: list[str]) -> None:
    """The model's own limits on these fields (length, choices), so that what passes is stored as given."""
    errors = {}
    for name in names:
        model_field, value = instance._meta.get_field(name), getattr(instance, name)
        allowed = not model_field.choices or value in {key for key, _label in model_field.flatchoices}
        if len(value) <= model_field.max_length and allowed:
            continue  # the common case, without a field's whole clean
        try:
            model_field.clean(value, instance)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def clean_debtor(d: DebtorIn, prefix: str) -> tuple[list[tuple[str, str]], list[ContactPoint]]:
    """A debtor as sent, checked whole: (identifiers as (scheme, compact value), contact points unsaved), or
    one ValidationError with every problem under `prefix` (debtors[0].family_name ...)."""
    errors = {}
    try:
        validation.country(d.country)
    except ValidationError as exc:
        errors.update(_prefixed(exc, prefix))
    if d.kind == Debtor.Kind.PERSON and not d.family_name.strip():
        errors[f"{prefix}.family_name"] = [_("A person needs a family name.")]
    if d.kind == Debtor.Kind.COMPANY and not d.company_name.strip():
        errors[f"{prefix}.company_name"] = [_("A company needs a name.")]
    if d.kind not in Debtor.Kind.values:
        errors[f"{prefix}.kind"] = [_("“%(value)s” is not a kind of debtor.") % {"value": d.kind}]
    if d.date_of_birth and not dt.date(1900, 1, 1) <= d.date_of_birth <= today():
        errors[f"{prefix}.date_of_birth"] = [_("%(value)s is not a plausible date of birth.")
                                             % {"value": d.date_of_birth.isoformat()}]
    limited = ["given_name", "family_name", "company_name", "responsible_person"]
    try:
        _check_fields(build_debtor(d), limited + (["preferred_language"] if d.preferred_language else []))
    except ValidationError as exc:
        errors.update({key: value for key, value in _prefixed(exc, prefix).items() if key not in errors})
    identifiers, points = [], []
    try:
        identifiers = _clean_identifiers(d.identifiers, prefix)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for i, cp in enumerate(d.contact_points):
        try:
            points.append(clean_contact_point(cp, d.country))
        except ValidationError as exc:
            errors.update(_prefixed(exc, f"{prefix}.contact_points[{i}]"))
    if errors:
        raise ValidationError(errors)
    return identifiers, points


def build_debtor(d: DebtorIn) -> Debtor:
    """The unsaved debtor a placement creates (its language, if not given, the country's)."""
    from arrears.core.countries import COUNTRIES

    country = COUNTRIES.get(d.country)
    return Debtor(kind=d.kind, given_name=d.given_name.strip(), family_name=d.family_name.strip(),
                  company_name=d.company_name.strip(), responsible_person=d.responsible_person.strip(),
                  date_of_birth=d.date_of_birth, country=d.country,
                  preferred_language=d.preferred_language or (country.language if country else ""))


def build_identifiers(debtor: Debtor, identifiers: list[tuple[str, str]]) -> list[DebtorIdentifier]:
    return [DebtorIdentifier(debtor=debtor, scheme=code, value_encrypted=encrypt(value, code),
                             value_hash=lookup_hash(value, code), last_chars=value[-3:])
            for code, value in identifiers]


def debtor_created(actor, debtor: Debtor, identifiers, creditor_id) -> AuditEvent:
    return audit_event(actor=actor, action="debtor.created", obj=debtor, creditor_id=creditor_id,
                       after={**snapshot(debtor, DEBTOR_FIELDS), "identifiers": [code for code, _v in identifiers]})


def contact_point_added(actor, point: ContactPoint, creditor_id) -> AuditEvent:
    return audit_event(actor=actor, action="contact_point.added", obj=point, creditor_id=creditor_id,
                       after={"debtor": point.debtor_id, "kind": point.kind, "value": str(point),
                              "source": point.source})


def point_key(point: ContactPoint) -> tuple:
    """What makes two contact points of a debtor the same one."""
    return point.kind, point.phone_e164, point.email, point.address_line1


def _find_debtor(identifiers: list[tuple[str, str]]) -> Debtor | None:
    """The debtor already known by one of these identifiers (same person, another account)."""
    for code, value in identifiers:
        found = DebtorIdentifier.objects.filter(scheme=code, value_hash=lookup_hash(value, code)).first()
        if found:
            return found.debtor
    return None


def _write_debtor(actor, d: DebtorIn, identifiers, points, creditor_id) -> Debtor:
    debtor = _find_debtor(identifiers)
    if debtor is None:
        debtor = build_debtor(d)
        debtor.full_clean()
        debtor.save()
        DebtorIdentifier.objects.bulk_create(build_identifiers(debtor, identifiers))
        debtor_created(actor, debtor, identifiers, creditor_id).save()
    known = {point_key(p) for p in debtor.contact_points.all()}
    for point in points:
        if point_key(point) in known:
            continue
        point.debtor = debtor
        point.save()
        contact_point_added(actor, point, creditor_id).save()
    return debtor


@dataclass
class AccountIn:
    creditor_reference: str
    product: str
    contract_date: dt.date
    original_reference: str = ""
    charge_off_date: dt.date | None = None
    debtors: list[tuple[DebtorIn, str]] = field(default_factory=list)  # (debtor, role)


def clean_placement(account: AccountIn, balances=(), *, portfolio: Portfolio | None,
                    existing: Account | None = None) -> list[tuple]:
    """Check one placement whole, writing nothing: the account's own fields, its debtors, its opening
    balances against the portfolio. `existing` is the account already placed under this reference (an
    update: it must stay in its portfolio, and needs no debtor). `portfolio` None: not known, the
    caller says why. Returns each debtor cleaned, as (debtor, role, identifiers, contact points); raises
    one ValidationError with every problem, keyed by field (creditor_reference, debtors[0].family_name,
    balances[1].amount, portfolio)."""
    errors: dict[str, list] = {}
    if portfolio is not None and portfolio.recalled_on:
        errors["portfolio"] = [_("Portfolio %(code)s has been recalled; nothing more can be placed in it.")
                               % {"code": portfolio.code}]
    elif portfolio is not None and existing is not None and existing.portfolio_id != portfolio.pk:
        errors["portfolio"] = [_("Account %(ref)s is placed in another portfolio; a placement does not move "
                                 "accounts between portfolios.") % {"ref": account.creditor_reference}]
    if not account.creditor_reference.strip() or len(account.creditor_reference) > 64:
        errors["creditor_reference"] = [_("The creditor's reference is required (up to 64 characters).")]
    try:
        Account._meta.get_field("original_reference").clean(account.original_reference, None)
    except ValidationError as exc:
        errors["original_reference"] = exc.messages
    if account.product not in Account.Product.values:
        errors["product"] = [_("“%(value)s” is not a product type.") % {"value": account.product}]
    if account.contract_date is None:
        errors["contract_date"] = [_("The contract date is required.")]
    elif account.contract_date > today():
        errors["contract_date"] = [_("The contract date %(value)s is in the future.")
                                   % {"value": account.contract_date.isoformat()}]
    primaries = sum(1 for _d, role in account.debtors if role == AccountDebtor.Role.PRIMARY)
    if primaries > 1 or (existing is None and primaries != 1):
        errors["debtors"] = [_("An account needs exactly one primary debtor.")]
    cleaned = []
    for i, (d, role) in enumerate(account.debtors):
        if role not in AccountDebtor.Role.values:
            errors[f"debtors[{i}].role"] = [_("“%(value)s” is not a debtor role.") % {"value": role}]
        try:
            cleaned.append((d, role, *clean_debtor(d, f"debtors[{i}]")))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for i, charge in enumerate(balances):
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
    if errors:
        raise ValidationError(errors)
    return cleaned


def place_account(*, actor, portfolio: Portfolio, account: AccountIn, balances=()) -> Account:
    """Place one account with its debtors and opening balances (a list of ledger ChargeIn).

    Batches of placements (the API, file imports) go through portfolio.placements, set-based."""
    from arrears.ledger.services import post_charges

    authorize(actor, roles.PLACE_ACCOUNTS, portfolio.creditor_id)
    errors = {}
    if Account.objects.filter(creditor_id=portfolio.creditor_id,
                              creditor_reference=account.creditor_reference).exists():
        errors["creditor_reference"] = [_("Account %(ref)s is already placed with this creditor.")
                                        % {"ref": account.creditor_reference}]
    try:
        cleaned = clean_placement(account, balances, portfolio=portfolio)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        placed = new_account(portfolio, account)
        placed.save()
        placed.rf_reference = account_rf(placed)
        Account.objects.filter(pk=placed.pk).update(rf_reference=placed.rf_reference)
        linked = {}
        for i, (d, role, identifiers, points) in enumerate(cleaned):
            debtor = _write_debtor(actor, d, identifiers, points, portfolio.creditor_id)
            if debtor.pk in linked:  # the same person twice (same identifier): refused, all rolled back
                raise ValidationError({f"debtors[{i}].identifiers": [
                    _("This is the same person as debtor %(n)s of this account.") % {"n": linked[debtor.pk] + 1}]})
            linked[debtor.pk] = i
            AccountDebtor.objects.create(account=placed, debtor=debtor, role=role)
        account_placed(actor, placed, portfolio).save()
        if balances:
            post_charges(actor=actor, account=placed, charges=list(balances), memo="placement balance",
                         announce=False)
        if not BucketSpell.objects.filter(account=placed, exited_on__isnull=True).exists():
            # Roll and cure rates count from placement, current accounts included.
            BucketSpell.objects.create(account=placed, bucket=placed.bucket, entered_on=today())
        emit_many([placed_event(placed, portfolio)])
    return placed


def new_account(portfolio: Portfolio, account: AccountIn, rf_reference: str = "pending") -> Account:
    return Account(portfolio=portfolio, creditor_id=portfolio.creditor_id,
                   creditor_reference=account.creditor_reference.strip(), original_reference=account.original_reference,
                   product=account.product, contract_date=account.contract_date, currency=portfolio.currency,
                   charge_off_date=account.charge_off_date, rf_reference=rf_reference)


def account_rf(account: Account) -> str:
    """An account's RF reference: its id, zero-padded."""
    return make_rf(f"{account.pk:09d}")


def account_placed(actor, placed: Account, portfolio: Portfolio) -> AuditEvent:
    return audit_event(actor=actor, action="account.placed", obj=placed, creditor_id=portfolio.creditor_id,
                       after={"portfolio": portfolio.pk, "creditor_reference": placed.creditor_reference,
                              "product": placed.product, "rf_reference": placed.rf_reference})


def placed_event(placed: Account, portfolio: Portfolio) -> EventIn:
    return EventIn("account.placed", placed.creditor_id, account_id=placed.pk,
                   payload={"portfolio": portfolio.code, "account": account_state(placed)})


def change_account_status(*, actor, account: Account, status: str, reason: str = "",
                          business_date: dt.date | None = None) -> Account:
    """Move an account along its lifecycle (hold, legal, recall, close ...), with the reason on record."""
    from arrears.portfolio.lifecycle import REASON_REQUIRED, allowed_moves

    authorize(actor, roles.POST_ADJUSTMENTS, account.creditor_id)
    business_date = business_date or today()
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if status not in Account.Status.values:
            raise ValidationError({"status": _("“%(value)s” is not an account status.") % {"value": status}})
        if status not in allowed_moves(locked.status):
            raise ValidationError({"status": _("Account %(ref)s cannot go from %(old)s to %(new)s.") % {
                "ref": locked.creditor_reference, "old": locked.get_status_display(),
                "new": Account.Status(status).label}}, code="transition")
        if status in REASON_REQUIRED and not reason.strip():
            raise ValidationError({"reason": _("Say why the account goes to %(new)s.")
                                   % {"new": Account.Status(status).label}})
        set_status(actor=actor, locked=locked, status=status, reason=reason, business_date=business_date)
    account.status, account.closed_on = locked.status, locked.closed_on
    return account


def set_status(*, actor, locked: Account, status: str, reason: str, business_date: dt.date) -> None:
    """Write a status move on an account the caller has locked and authorised: the row, the audit event and
    the domain event. Other services that move accounts as a consequence (an arrangement agreed or broken)
    come through here too."""
    from arrears.portfolio.lifecycle import ENDED

    old = locked.status
    locked.status = status
    locked.closed_on = business_date if status in ENDED else None
    locked.save(update_fields=["status", "closed_on"])
    record(actor=actor, action="account.status_changed", obj=locked, creditor_id=locked.creditor_id,
           before={"status": old}, after={"status": status, "reason": reason})
    emit_many([status_changed_event(locked, old, reason)])


def _debtor_creditors(debtor_id: int) -> set[int]:
    return set(Account.objects.filter(debtor_links__debtor_id=debtor_id).values_list("creditor_id", flat=True))


def authorize_for_every_creditor(actor, action: str, debtor_id: int) -> None:
    """A person shared by several creditors is changed only by someone who may act for all of them."""
    for creditor_id in _debtor_creditors(debtor_id) or {None}:
        authorize(actor, action, creditor_id)


def record_debtor_views(*, actor, debtors, screen: str, account: Account | None = None) -> None:
    """Staff saw these debtors' personal data: one audit event each. Seen through an account, the event
    belongs to that account's creditor; seen on its own, to none (the person may owe several)."""
    context = {"screen": screen, **({"account": account.pk} if account else {})}
    record_many([audit_event(actor=actor, action="debtor.viewed", obj=debtor,
                             creditor_id=account.creditor_id if account else None, after=context)
                 for debtor in debtors])


def set_debtor_flags(*, actor, debtor: Debtor, **flags) -> Debtor:
    """Deceased, bankrupt, vulnerable, do-not-contact, disputed: each change is audited."""
    authorize_for_every_creditor(actor, roles.SET_DEBTOR_FLAGS, debtor.pk)
    unknown = set(flags) - set(FLAG_FIELDS)
    if unknown:
        raise ValidationError({name: _("Not a debtor flag.") for name in unknown})
    before = snapshot(debtor, FLAG_FIELDS)
    with transaction.atomic():
        for name, value in flags.items():
            setattr(debtor, name, bool(value))
        debtor.save(update_fields=list(flags))
        record(actor=actor, action="debtor.flags_changed", obj=debtor, before=before,
               after=snapshot(debtor, FLAG_FIELDS))
    return debtor


def update_debtor(*, actor, debtor: Debtor, **changes) -> Debtor:
    authorize_for_every_creditor(actor, roles.EDIT_DEBTOR, debtor.pk)
    unknown = set(changes) - set(DEBTOR_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    before = snapshot(debtor, DEBTOR_FIELDS)
    if "country" in changes:
        validation.country(changes["country"])
    for name, value in changes.items():
        setattr(debtor, name, value)
    debtor.full_clean()
    with transaction.atomic():
        debtor.save()
        record(actor=actor, action="debtor.updated", obj=debtor, before=before, after=snapshot(debtor, DEBTOR_FIELDS))
    return debtor


def opt_out(*, actor, contact_point: ContactPoint, channel: str) -> ContactPoint:
    """The debtor withdrew consent for a channel on this contact point; it takes effect at once.

    Recording a "stop" only protects the debtor, so working any one of their creditors' accounts is
    enough: an agent who hears it must be able to honour it for every creditor."""
    refusal = None
    for creditor_id in sorted(_debtor_creditors(contact_point.debtor_id)) or [None]:
        try:
            authorize(actor, roles.EDIT_CONTACT_POINTS, creditor_id)
            break
        except PermissionDenied as exc:
            refusal = exc
    else:
        raise refusal
    name = OPT_OUT_FIELDS.get(channel)
    if name is None:
        raise ValidationError({"channel": _("“%(value)s” is not a contact channel.") % {"value": channel}})
    with transaction.atomic():
        if getattr(contact_point, name) is None:
            setattr(contact_point, name, timezone.now())
            contact_point.save(update_fields=[name])
            record(actor=actor, action="contact_point.opted_out", obj=contact_point,
                   after={"channel": channel})
    return contact_point


def balance_charges(currency: str, due_date: dt.date, **amounts) -> list:
    """Opening balances as charges due on one date, e.g. balance_charges("EUR", d, principal="950.00")."""
    from arrears.ledger.services import ChargeIn

    charges = [ChargeIn(component, Money.of(amount, currency, f"balances.{component}"), due_date)
               for component, amount in amounts.items() if amount not in (None, "")]
    return [charge for charge in charges if charge.amount.minor != 0]
