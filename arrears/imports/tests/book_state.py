"""The book as a comparable picture: accounts, debtors, contact points, ledger, spells, audit and domain
events written after a mark, with every database id replaced by what it stands for (an account by its
reference, a debtor by name and birth date), so two runs that gave ids in another order compare equal."""

from collections import Counter

from arrears.core.models import AuditEvent, DomainEvent
from arrears.core.references import make_rf
from arrears.ledger.models import BucketSpell, DueItem, LedgerEntry
from arrears.portfolio.models import Account, AccountDebtor, ContactPoint, Debtor, DebtorIdentifier

ACCOUNT_FIELDS = ["creditor_reference", "original_reference", "product", "contract_date", "currency",
                  "charge_off_date", "status", "principal_minor", "interest_minor", "fees_minor", "costs_minor",
                  "penalties_minor", "credit_minor", "oldest_unpaid_due_date", "dpd", "bucket", "dpd_as_of",
                  "closed_on"]
POINT_FIELDS = ["kind", "phone_e164", "line_type", "email", "address_line1", "address_line2", "postal_code", "city",
                "region", "country", "source", "confidence", "is_primary", "is_workplace", "status"]


def mark() -> dict:
    return {"audit": AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            "events": DomainEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0}


def _names() -> dict:
    debtors = {d.pk: f"{d.display_name}/{d.date_of_birth}" for d in Debtor.objects.all()}
    return {
        "account": {a.pk: a.creditor_reference for a in Account.objects.all()},
        "debtor": debtors,
        "point": {p.pk: f"{debtors[p.debtor_id]}/{p}" for p in ContactPoint.objects.all()},
    }


def _rename(value, names: dict):
    """Ids in an audit or event payload, by the key they sit under, replaced by names."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "debtor" and isinstance(item, int):
                item = names["debtor"][item]
            elif key == "debtors" and isinstance(item, list):
                item = sorted(names["debtor"][pk] for pk in item)
            elif key == "id" and isinstance(item, int):
                item = names["account"][item]
            elif key == "rf_reference":
                item = "RF"
            else:
                item = _rename(item, names)
            out[key] = item
        return out
    if isinstance(value, list):
        return [_rename(item, names) for item in value]
    return value


def _object(event, names: dict) -> str:
    kind = {"portfolio.account": "account", "portfolio.debtor": "debtor", "portfolio.contactpoint": "point"}
    table = kind.get(event.object_type)
    return names[table][int(event.object_id)] if table else f"{event.object_type}#{event.object_id}"


def picture(since: dict) -> dict:
    names = _names()
    accounts = {}
    for account in Account.objects.select_related("portfolio"):
        assert account.rf_reference == make_rf(f"{account.pk:09d}")
        links = sorted((names["debtor"][d], role) for d, role in
                       AccountDebtor.objects.filter(account=account).values_list("debtor_id", "role"))
        accounts[account.creditor_reference] = {
            **{name: getattr(account, name) for name in ACCOUNT_FIELDS}, "portfolio": account.portfolio.code,
            "debtors": links,
            "entries": sorted(LedgerEntry.objects.filter(account=account).values_list(
                "component", "kind", "amount_minor", "currency", "effective_date", "memo")),
            "due": sorted(DueItem.objects.filter(account=account).values_list(
                "component", "due_date", "amount_minor", "settled_minor")),
            "spells": sorted(BucketSpell.objects.filter(account=account).values_list("bucket", "entered_on",
                                                                                     "exited_on")),
        }
    debtors = {}
    for debtor in Debtor.objects.all():
        debtors[names["debtor"][debtor.pk]] = {
            "fields": (debtor.kind, debtor.given_name, debtor.family_name, debtor.company_name, debtor.country,
                       debtor.preferred_language),
            "identifiers": sorted(DebtorIdentifier.objects.filter(debtor=debtor).values_list(
                "scheme", "value_hash", "last_chars")),
            "points": Counter(tuple(p) for p in ContactPoint.objects.filter(debtor=debtor).values_list(*POINT_FIELDS)),
        }
    audit = Counter(
        (e.action, e.object_type, _object(e, names), e.creditor_id, e.actor_label,
         repr(_rename(e.before, names)), repr(_rename(e.after, names)))
        for e in AuditEvent.objects.filter(pk__gt=since["audit"]))
    events = Counter(
        (e.type, names["account"].get(e.account_id), e.creditor_id, repr(_rename(e.payload, names)))
        for e in DomainEvent.objects.filter(pk__gt=since["events"]))
    return {"accounts": accounts, "debtors": debtors, "audit": audit, "events": events}
