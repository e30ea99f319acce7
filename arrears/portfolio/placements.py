"""Placement upserts: a creditor sends its accounts (new or already placed) in batches of up to 1,000.

An account is known by (creditor, creditor reference). A new one is placed as `place_account` places
one; an existing one has its own fields brought up to date and gains the debtors and contact points
it does not have yet. Every row is validated before anything is written.

The write is set-based (the API's batches and every chunk of a file import come through here): the
rows are first worked through in memory, in order, exactly as placing them one at a time would (a
debtor created by one row is the one a later row finds by its identifier; a row that would fail
leaves no trace for the rows after it), then written with one bulk insert or update per table, the
opening balances through the ledger's `post_charges_many`, and the audit events and domain events
(account.placed, account.updated) in one insert each.
"""

import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import audit_event, record_many, snapshot
from arrears.core.bulk import insert_objects, update_rows
from arrears.core.clock import business_date as today
from arrears.core.crypto import lookup_hash
from arrears.core.events import EventIn, emit_many
from arrears.ledger.models import BucketSpell
from arrears.ledger.queries import account_state
from arrears.ledger.services import ChargeIn, post_charges_many
from arrears.portfolio.models import Account, AccountDebtor, ContactPoint, Creditor, Debtor, DebtorIdentifier, Portfolio
from arrears.portfolio.services import (
    AccountIn,
    DebtorIn,
    account_placed,
    account_rf,
    build_debtor,
    build_identifiers,
    clean_placement,
    contact_point_added,
    debtor_created,
    new_account,
    placed_event,
    point_key,
)

MAX_BATCH = 1000
# The account's own fields a placement may bring up to date; an empty value leaves the stored one.
UPDATABLE_FIELDS = ["original_reference", "product", "contract_date", "charge_off_date"]
PRIMARY = AccountDebtor.Role.PRIMARY


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


def _row_prefix(row: int) -> str:
    return f"placements[{row}]"


def _nested(errors: dict, prefix: str) -> dict:
    """Paths of clean_placement's errors (account fields, debtors, balances) under this row's prefix."""
    out = {}
    for name, messages in errors.items():
        if name.startswith("balances") or name == "portfolio_code":
            out[f"{prefix}.{name}"] = list(messages)
        elif name == "portfolio":
            out[f"{prefix}.portfolio_code"] = list(messages)
        else:
            out[f"{prefix}.account.{name}"] = list(messages)
    return out


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


def _check(creditor: Creditor, context: _Context, p: PlacementIn) -> tuple[dict, list | None]:
    """One row's errors (keyed as clean_placement keys them) and, when it has none, its debtors cleaned."""
    portfolio = context.portfolios.get(p.portfolio_code)
    errors = {}
    if portfolio is None:
        if p.portfolio_code in context.foreign_codes:
            message = _("Portfolio %(code)s belongs to another creditor.")
        else:
            message = _("%(creditor)s has no portfolio %(code)s.")
        errors["portfolio_code"] = [message % {"code": p.portfolio_code, "creditor": creditor.code}]
    try:
        cleaned = clean_placement(p.account, p.balances, portfolio=portfolio,
                                  existing=context.existing.get(p.account.creditor_reference))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cleaned = None
    return errors, None if errors else cleaned


def _validate(creditor: Creditor, placements: list[PlacementIn], context: _Context):
    seen: dict[str, int] = {}
    for p in placements:
        seen[p.account.creditor_reference] = seen.get(p.account.creditor_reference, 0) + 1
    errors, cleaned = [], []
    for row, p in enumerate(placements):
        reference = p.account.creditor_reference
        row_errors, row_cleaned = _check(creditor, context, p)
        if seen[reference] > 1 and reference.strip():
            row_errors.setdefault("creditor_reference", []).append(
                _("Account %(ref)s appears %(count)s times in this batch; send each account once.")
                % {"ref": reference, "count": seen[reference]})
        errors.append(_nested(row_errors, _row_prefix(row)))
        cleaned.append(None if row_errors else row_cleaned)
    return errors, cleaned


def validate_placements(*, creditor: Creditor, placements: list[PlacementIn],
                        context: _Context | None = None) -> list[dict[str, list[str]]]:
    """Each row's errors (paths `placements[i]....`), writing nothing; an empty dict is a valid row."""
    return _validate(creditor, placements, context or _load_context(creditor, placements))[0]


def upsert_placements(*, actor, creditor: Creditor, placements: list[PlacementIn],
                      all_or_nothing: bool = True) -> list[PlacementResult]:
    """Place new accounts and bring existing ones up to date, one result per row in order.

    Every row is validated first. With `all_or_nothing` an invalid row means nothing is written
    and every row comes back with its errors (if any); a row failing while being written (a
    concurrent placement of the same reference, say) rolls back the whole batch the same way.
    Otherwise the valid rows are written and the invalid ones reported.
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
    checked, cleaned = _validate(creditor, placements, context)
    results = [PlacementResult(row, p.account.creditor_reference, None, False, [], errors)
               for row, (p, errors) in enumerate(zip(placements, checked, strict=True))]
    if all_or_nothing and any(r.errors for r in results):
        return results
    rows = [_Row(result, p, cleaned[result.row], context.portfolios[p.portfolio_code],
                 context.existing.get(p.account.creditor_reference))
            for result, p in zip(results, placements, strict=True) if not result.errors]
    while rows:
        try:
            with transaction.atomic():
                writer = _Writer(actor, creditor)
                writer.work_through(rows)
                if all_or_nothing and any(r.errors for r in results):
                    raise _RolledBack
                writer.store([row for row in rows if not row.result.errors])
            break
        except _RolledBack:
            _forget(results)
        except IntegrityError:
            raced = _placed_meanwhile(creditor, rows)
            if not raced:
                raise
            _forget(results)
            if not all_or_nothing:
                rows = [row for row in rows if row not in raced]
                continue
        break
    return results


class _RolledBack(Exception):
    """Leaves the all-or-nothing transaction when a row failed while being written."""


def _forget(results: list[PlacementResult]) -> None:
    for result in results:
        result.account, result.created, result.changed = None, False, []


def _placed_meanwhile(creditor: Creditor, rows: list["_Row"]) -> list["_Row"]:
    """New rows whose reference another transaction placed since this batch looked (the insert failed)."""
    new = {row.placement.account.creditor_reference: row for row in rows if row.existing is None}
    taken = Account.objects.filter(creditor=creditor, creditor_reference__in=list(new)).values_list(
        "creditor_reference", flat=True)
    raced = [new[reference] for reference in taken]
    for row in raced:
        row.result.errors = {f"{_row_prefix(row.result.row)}.account.creditor_reference": [
            _("Account %(ref)s was placed at the same time by another request; send it again to update it.")
            % {"ref": row.placement.account.creditor_reference}]}
    return raced


@dataclass(eq=False)
class _Person:
    """A debtor as the batch sees it: stored already (debtor.pk set) or created by this batch."""

    debtor: Debtor
    known: set = field(default_factory=set)  # point_key of each of its contact points
    points: int = 0  # how many contact points it has
    identifiers: list = field(default_factory=list)  # (scheme, value) of a person this batch creates


@dataclass(eq=False)
class _Row:
    result: PlacementResult
    placement: PlacementIn
    cleaned: list  # (DebtorIn, role, identifiers, contact points) per debtor
    portfolio: Portfolio
    existing: Account | None
    account: Account | None = None  # the account written: new, or the existing one locked
    links: list = field(default_factory=list)  # (person, role) linked by this row
    created: list = field(default_factory=list)  # persons and (person, point) added, in order, for the audit
    values: dict = field(default_factory=dict)  # an existing account's fields that change
    before: dict = field(default_factory=dict)  # an update's audit: before, and what `after` needs
    linked: list = field(default_factory=list)
    points_after: int = 0


class _Writer:
    """One batch's rows worked through in order in memory, then written set-based."""

    def __init__(self, actor, creditor: Creditor):
        self.actor, self.creditor = actor, creditor
        self.by_identifier: dict[tuple[str, str], _Person] = {}  # stored identifiers first, then the batch's
        self.new_people: list[_Person] = []
        self.new_points: list[tuple[_Person, ContactPoint]] = []
        self.undo: list = []

    def work_through(self, rows: list[_Row]) -> None:
        """Each row in order, in memory; a row that fails gets its errors and leaves no trace."""
        stored_links = self._load(rows)
        for row in rows:  # valid rows; a retry (after a concurrent placement) works them through afresh
            row.links, row.created, row.values, row.before, row.result.errors = [], [], {}, {}, {}
            mark = len(self.undo)
            errors = (self._place(row) if row.existing is None
                      else self._update(row, stored_links.get(row.existing.pk, {})))
            if errors:
                for step in reversed(self.undo[mark:]):
                    step()
                del self.undo[mark:]
                row.result.errors = _nested(errors, _row_prefix(row.result.row))

    # -- what is stored already, in a few queries

    def _load(self, rows: list[_Row]) -> dict[int, dict[_Person, str]]:
        existing = [row.existing.pk for row in rows if row.existing is not None]
        locked = Account.objects.select_for_update().filter(pk__in=existing).order_by("pk").in_bulk()
        for row in rows:
            row.account = locked[row.existing.pk] if row.existing is not None else None
        people: dict[int, _Person] = {}
        stored_links: dict[int, dict[_Person, str]] = {}
        for link in AccountDebtor.objects.filter(account_id__in=existing).select_related("debtor").order_by("pk"):
            person = people.setdefault(link.debtor_id, _Person(link.debtor))
            stored_links.setdefault(link.account_id, {})[person] = link.role
        keys = {(code, lookup_hash(value, code)) for row in rows for *_d, identifiers, _p in row.cleaned
                for code, value in identifiers}
        found = {}
        for scheme, value_hash, debtor_id in (DebtorIdentifier.objects.filter(value_hash__in={h for _s, h in keys})
                                              .order_by("pk").values_list("scheme", "value_hash", "debtor_id")):
            found.setdefault((scheme, value_hash), debtor_id)
        missing = set(found.values()) - set(people)
        for debtor in Debtor.objects.filter(pk__in=missing):
            people[debtor.pk] = _Person(debtor)
        self.by_identifier = {key: people[debtor_id] for key, debtor_id in found.items()}
        for debtor_id, *key in ContactPoint.objects.filter(debtor_id__in=list(people)).values_list(
                "debtor_id", "kind", "phone_e164", "email", "address_line1"):
            people[debtor_id].known.add(tuple(key))
            people[debtor_id].points += 1
        return stored_links

    # -- the rows, in order, as placing them one at a time would go

    def _find(self, identifiers) -> _Person | None:
        for code, value in identifiers:
            person = self.by_identifier.get((code, lookup_hash(value, code)))
            if person is not None:
                return person
        return None

    def _create(self, row: _Row, d: DebtorIn, identifiers) -> _Person:
        person = _Person(build_debtor(d), identifiers=identifiers)
        keys = [key for key in ((code, lookup_hash(value, code)) for code, value in identifiers)
                if key not in self.by_identifier]
        self.by_identifier.update(dict.fromkeys(keys, person))
        self.new_people.append(person)
        row.created.append(person)

        def undo():
            self.new_people.pop()
            for key in keys:
                del self.by_identifier[key]

        self.undo.append(undo)
        return person

    def _add_points(self, row: _Row, person: _Person, points, once: bool) -> int:
        """Points the person does not have yet; `once` also keeps two equal points of one row apart (as an
        update does; a new placement compares only with the points stored before it)."""
        seen, added = set(person.known), []
        for point in points:
            key = point_key(point)
            if key in seen:
                continue
            if once:
                seen.add(key)
            added.append(point)
        if not added:
            return 0
        known, count, at = set(person.known), person.points, len(self.new_points)
        person.known.update(point_key(point) for point in added)
        person.points += len(added)
        self.new_points.extend((person, point) for point in added)
        row.created.extend((person, point) for point in added)

        def undo():
            person.known, person.points = known, count
            del self.new_points[at:]

        self.undo.append(undo)
        return len(added)

    def _place(self, row: _Row) -> dict | None:
        linked: dict[_Person, int] = {}
        for i, (d, role, identifiers, points) in enumerate(row.cleaned):
            person = self._find(identifiers) or self._create(row, d, identifiers)
            self._add_points(row, person, points, once=False)
            if person in linked:  # the same person twice (same identifier): the row is refused
                return {f"debtors[{i}].identifiers": [_("This is the same person as debtor %(n)s of this account.")
                                                      % {"n": linked[person] + 1}]}
            linked[person] = i
            row.links.append((person, role))
        return None

    def _update(self, row: _Row, stored: dict[_Person, str]) -> dict | None:
        account, links = row.account, dict(stored)
        row.before = {**snapshot(account, UPDATABLE_FIELDS), "debtors": sorted(p.debtor.pk for p in links),
                      "contact_points": sum(p.points for p in links)}
        changed = []
        for name in UPDATABLE_FIELDS:
            value = getattr(row.placement.account, name)
            if value not in ("", None) and getattr(account, name) != value:
                row.values[name] = value
                changed.append(name)
        points_added = 0
        for i, (d, role, identifiers, points) in enumerate(row.cleaned):
            person = self._find(identifiers) if identifiers else next(
                (p for p in links if _same_person(d, p.debtor)), None)
            if person is None:
                person = self._create(row, d, identifiers)
                self._add_points(row, person, points, once=False)
            else:
                points_added += self._add_points(row, person, points, once=True)
            if person in links:
                continue
            if role == PRIMARY and PRIMARY in links.values():
                return {f"debtors[{i}].role": [
                    _("Account %(ref)s already has a primary debtor; another person can be added as a co-borrower "
                      "or guarantor.") % {"ref": account.creditor_reference}]}
            links[person] = role
            row.links.append((person, role))
            if "debtors" not in changed:
                changed.append("debtors")
        if points_added:
            changed.append("contact_points")
        row.result.changed = changed
        row.points_after, row.linked = row.before["contact_points"] + points_added, list(links)
        return None

    # -- the writes, one statement per table

    def store(self, rows: list[_Row]) -> None:
        new_rows = [row for row in rows if row.existing is None]
        token = secrets.token_hex(8)  # a unique stand-in until each account's id gives its RF reference
        accounts = [new_account(row.portfolio, row.placement.account, f"~{token}{i}") for i, row in enumerate(new_rows)]
        insert_objects(Account, accounts)
        for row, account in zip(new_rows, accounts, strict=True):
            account.rf_reference, row.account = account_rf(account), account
        update_rows(Account, ["rf_reference"], accounts)
        updated = [row.account for row in rows if row.values]
        for row in rows:
            for name, value in row.values.items():
                setattr(row.account, name, value)
        update_rows(Account, UPDATABLE_FIELDS, updated)

        insert_objects(Debtor, [person.debtor for person in self.new_people])
        insert_objects(DebtorIdentifier, [identifier for person in self.new_people
                                          for identifier in build_identifiers(person.debtor, person.identifiers)])
        for person, point in self.new_points:
            point.pk, point.debtor = None, person.debtor
        insert_objects(ContactPoint, [point for _person, point in self.new_points])
        insert_objects(AccountDebtor, [AccountDebtor(account=row.account, debtor=person.debtor, role=role)
                                       for row in rows for person, role in row.links])

        charged = [(row.account, row.placement.balances) for row in new_rows if row.placement.balances]
        if charged:
            post_charges_many(actor=self.actor, charges=charged, memo="placement balance", announce=False)
        spelled = set(BucketSpell.objects.filter(account_id__in=[a.pk for a in accounts], exited_on__isnull=True)
                      .values_list("account_id", flat=True))
        # Roll and cure rates count from placement, current accounts included.
        insert_objects(BucketSpell, [BucketSpell(account=a, bucket=a.bucket, entered_on=today())
                                     for a in accounts if a.pk not in spelled])
        record_many([event for row in rows for event in self._audit(row)])
        emit_many([self._event(row) for row in rows if row.existing is None or row.result.changed])
        for row in rows:
            row.result.account, row.result.created = row.account, row.existing is None

    def _audit(self, row: _Row) -> list:
        creditor_id = row.account.creditor_id
        events = [contact_point_added(self.actor, step[1], creditor_id) if isinstance(step, tuple)
                  else debtor_created(self.actor, step.debtor, step.identifiers, creditor_id)
                  for step in row.created]
        if row.existing is None:
            events.append(account_placed(self.actor, row.account, row.portfolio))
        elif row.result.changed:
            after = {**snapshot(row.account, UPDATABLE_FIELDS), "debtors": sorted(p.debtor.pk for p in row.linked),
                     "contact_points": row.points_after}
            events.append(audit_event(actor=self.actor, action="account.updated", obj=row.account,
                                      creditor_id=creditor_id, before=row.before, after=after))
        return events

    def _event(self, row: _Row) -> EventIn:
        if row.existing is None:
            return placed_event(row.account, row.portfolio)
        return EventIn("account.updated", row.account.creditor_id, account_id=row.account.pk,
                       payload={"portfolio": row.portfolio.code, "account": account_state(row.account),
                                "changed": row.result.changed})


def _same_person(d: DebtorIn, debtor: Debtor) -> bool:
    def key(kind, given, family, company, born):
        return kind, given.strip().casefold(), family.strip().casefold(), company.strip().casefold(), born

    return key(d.kind, d.given_name, d.family_name, d.company_name, d.date_of_birth) == key(
        debtor.kind, debtor.given_name, debtor.family_name, debtor.company_name, debtor.date_of_birth)
