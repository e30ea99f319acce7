"""Placements: accounts with their debtors and contact points, created or updated by the creditor's reference."""

from ninja import Router, Status

from arrears.api.auth import require
from arrears.api.errors import location
from arrears.api.idempotency import once
from arrears.api.models import Scope
from arrears.api.schemas import REFUSALS, Message, PlacementBatchRequest, PlacementBatchResult, PlacementRequest
from arrears.core import roles
from arrears.core.money import Money
from arrears.ledger.queries import account_state
from arrears.portfolio.models import Creditor
from arrears.portfolio.services import AccountIn, ContactPointIn, DebtorIn, IdentifierIn

router = Router(tags=["placements"])


def _placement_in(row: PlacementRequest, currency_of):
    from arrears.ledger.services import ChargeIn
    from arrears.portfolio.placements import PlacementIn

    debtors = [(DebtorIn(country=d.country.upper(), kind=d.kind, given_name=d.given_name, family_name=d.family_name,
                         company_name=d.company_name, responsible_person=d.responsible_person,
                         date_of_birth=d.date_of_birth, preferred_language=d.preferred_language,
                         identifiers=[IdentifierIn(i.scheme, i.value) for i in d.identifiers],
                         contact_points=[ContactPointIn(**c.dict()) for c in d.contact_points]), d.role)
               for d in row.debtors]
    account = AccountIn(creditor_reference=row.creditor_reference, product=row.product,
                        contract_date=row.contract_date, original_reference=row.original_reference,
                        charge_off_date=row.charge_off_date, debtors=debtors)
    currency = currency_of(row.portfolio_code)
    balances = [ChargeIn(b.component, Money.of(b.amount, currency, f"balances[{i}].amount", exact=True), b.due_date)
                for i, b in enumerate(row.balances)] if currency else []
    return PlacementIn(portfolio_code=row.portfolio_code, account=account, balances=balances)


def _result(result) -> dict:
    errors = [{"loc": location(path)[1:] or ["body"], "msg": str(message), "type": "invalid"}
              for path, messages in result.errors.items() for message in messages]
    return {"row": result.row, "creditor_reference": result.creditor_reference, "created": result.created,
            "changed": result.changed, "errors": errors,
            "account": account_state(result.account) if result.account is not None and not errors else None}


@router.post("/placements", response={200: PlacementBatchResult, 409: Message, **REFUSALS},
             summary="Place or update up to 1,000 accounts")
def place(request, body: PlacementBatchRequest):
    """Each row is matched on the creditor's reference: new accounts are placed with their opening
    balances, existing ones updated (new debtors and contact points added). `all_or_nothing` (the
    default) writes nothing if any row is invalid; `valid_only` writes the valid rows. Either way every
    row gets its result."""
    actor = require(request, Scope.PLACEMENTS_WRITE)
    from django.core.exceptions import ValidationError

    from arrears.portfolio.models import Portfolio
    from arrears.portfolio.placements import upsert_placements

    creditor = Creditor.objects.get(pk=actor.creditor_id)
    currencies = dict(Portfolio.objects.visible_to(actor, roles.PLACE_ACCOUNTS).values_list("code", "currency"))

    def work():
        rows, errors = [], {}
        for i, row in enumerate(body.placements):
            try:
                rows.append(_placement_in(row, currencies.get))
            except ValidationError as exc:
                errors.update({f"placements[{i}].{k}": v for k, v in exc.message_dict.items()})
        if errors:
            raise ValidationError(errors)
        results = upsert_placements(actor=actor, creditor=creditor, placements=rows,
                                    all_or_nothing=body.mode == "all_or_nothing")
        applied = not (body.mode == "all_or_nothing" and any(r.errors for r in results))
        return 200, {"applied": applied, "results": [_result(r) for r in results]}

    return Status(*once(request, "POST /placements", body.dict(), work))
