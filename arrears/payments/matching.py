"""Which account a credit line pays, decided for a whole chunk of lines with a few queries.

In order: an ISO 11649 RF reference (structured, or anywhere in the remittance text) that is an
account's RF reference; the creditor's own account reference in the remittance text; one open account
owing exactly the amount (its balance or its oldest instalment) whose debtor has the payer's name.
Only the statement's creditor's accounts are considered, and the currency must be the account's.
"""

import re
import unicodedata
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrears.core.references import validate_rf
from arrears.ledger.models import DueItem
from arrears.payments.models import StatementLine
from arrears.portfolio.models import Account, AccountDebtor

# RF, two check digits, then up to 21 letters or digits; banks print them in groups of four.
RF_PATTERN = re.compile(r"(?<![0-9A-Z])RF\s?\d\s?\d(?:\s?[0-9A-Z]){1,21}")
TOKEN_SPLIT = re.compile(r"[\s,;:()\[\]{}\"'<>/|]+")
IN_SLICE = 2000  # values per IN list: SQLite limits bound parameters per statement
MIN_REFERENCE_LENGTH = 4  # shorter tokens (years, day numbers) would match references by accident
Method = StatementLine.MatchMethod


def _slices(values) -> list[list[str]]:
    values = sorted(values)
    return [values[start:start + IN_SLICE] for start in range(0, len(values), IN_SLICE)]


def _is_rf(value: str) -> bool:
    try:
        validate_rf(value)
        return True
    except ValidationError:
        return False


def rf_candidates(structured: str, text: str) -> tuple[list[str], list[str]]:
    """(valid RF references, longest first within each mention; RF-looking text failing its check digits)."""
    valid, invalid = [], []
    mentions = [structured.upper()] if structured.upper().startswith("RF") else []
    mentions += [m.group() for m in RF_PATTERN.finditer(text.upper())]
    for mention in mentions:
        # The pattern may run on into the next word ("RF18 1234 PAID"): the reference ends where a
        # group ends, the longest such prefix passing its check digits. No cut inside a group, so a
        # mistyped reference is not mistaken for a shorter one by chance.
        groups = mention.split()
        prefixes = ["".join(groups[:end]) for end in range(len(groups), 0, -1)]
        found = [prefix for prefix in prefixes if len(prefix) > 4 and _is_rf(prefix)]
        if found:
            valid.extend(found)
        else:
            invalid.append(prefixes[0][:25])
    return valid, invalid


def reference_tokens(text: str) -> set[str]:
    tokens = set()
    for token in TOKEN_SPLIT.split(text):
        token = token.strip(".-_#")
        if MIN_REFERENCE_LENGTH <= len(token) <= 64:
            tokens.update({token, token.upper()})
    return tokens


def name_tokens(text: str) -> set[str]:
    """Words of a name without case or accents (Greek tonos, Polish ogonek, Cyrillic breve alike)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return {word for word in re.findall(r"\w+", plain) if len(word) >= 2}


def names_agree(debtor_names: list[str], payer: str) -> bool:
    payer_words = name_tokens(payer)
    for name in debtor_names:
        words = name_tokens(name)
        if words and words <= payer_words:
            return True
    return False


class ChunkMatcher:
    """Matches the unmatched credit lines of one chunk; sets account, method and note on each line."""

    def __init__(self, creditor_id: int):
        self.creditor_id = creditor_id
        self.currency_of: dict[int, str] = {}

    def match(self, lines: list[StatementLine]) -> None:
        pending = list(lines)
        pending = self._by_rf(pending)
        pending = self._by_reference(pending)
        pending = self._by_amount_and_name(pending)
        for line in pending:
            if not line.note:
                line.note = _("No RF reference, account reference or amount and name matched an account.")

    def _accept(self, line: StatementLine, account_id: int, method: str, label: str) -> None:
        line.match_method = method
        account_currency = self.currency_of[account_id]
        if account_currency != line.currency:
            line.note = _("%(label)s points to an account kept in %(account)s; the line is in %(line)s.") % {
                "label": label, "account": account_currency, "line": line.currency}
            return
        line.account_id = account_id
        line.note = label

    def _by_rf(self, lines):
        wanted = {}
        invalid_of = {}
        for line in lines:
            valid, invalid = rf_candidates(line.structured_reference, line.remittance_text)
            wanted[id(line)] = valid
            invalid_of[id(line)] = invalid
        every = {rf for found in wanted.values() for rf in found}
        accounts = {}
        for part in _slices(every):
            for pk, rf, currency in (Account.objects.filter(creditor_id=self.creditor_id, rf_reference__in=part)
                                     .values_list("pk", "rf_reference", "currency")):
                accounts[rf] = pk
                self.currency_of[pk] = currency
        rest = []
        for line in lines:
            hit = next((rf for rf in wanted[id(line)] if rf in accounts), None)
            if hit:
                self._accept(line, accounts[hit], Method.RF, _("RF reference %(rf)s") % {"rf": hit})
                continue
            if invalid_of[id(line)]:
                line.note = _("RF reference %(rf)s fails its check digits.") % {"rf": invalid_of[id(line)][0]}
            elif wanted[id(line)]:
                line.note = _("RF reference %(rf)s belongs to no account of this creditor.") % {
                    "rf": wanted[id(line)][0]}
            rest.append(line)
        return rest

    def _by_reference(self, lines):
        tokens_of = {id(line): reference_tokens(f"{line.remittance_text} {line.structured_reference}")
                     for line in lines}
        every = set().union(*tokens_of.values()) if tokens_of else set()
        if not every:
            return lines
        accounts = defaultdict(set)
        for part in _slices(every):
            for pk, reference, currency in (Account.objects.filter(creditor_id=self.creditor_id,
                                                                   creditor_reference__in=part)
                                            .values_list("pk", "creditor_reference", "currency")):
                accounts[reference].add(pk)
                self.currency_of[pk] = currency
        rest = []
        for line in lines:
            hits = {pk for token in tokens_of[id(line)] for pk in accounts.get(token, ())}
            if len(hits) == 1:
                pk = hits.pop()
                reference = next(t for t in tokens_of[id(line)] if pk in accounts.get(t, ()))
                self._accept(line, pk, Method.REFERENCE, _("Account reference %(ref)s") % {"ref": reference})
                continue
            if len(hits) > 1:
                line.note = ngettext("The remittance text names %(count)d account; match it by hand.",
                                     "The remittance text names %(count)d accounts; match it by hand.",
                                     len(hits)) % {"count": len(hits)}
            rest.append(line)
        return rest

    def _by_amount_and_name(self, lines):
        named = [line for line in lines if line.counterparty_name]
        if not named:
            return lines
        by_currency = defaultdict(set)
        for line in named:
            by_currency[line.currency].add(line.amount_minor)
        owing = defaultdict(set)  # (currency, amount) -> account ids
        for currency, amounts in by_currency.items():
            open_accounts = Account.objects.filter(creditor_id=self.creditor_id, status__in=Account.OPEN_STATUSES,
                                                   currency=currency)
            owed = (F("principal_minor") + F("interest_minor") + F("fees_minor") + F("costs_minor")
                    + F("penalties_minor") + F("credit_minor"))
            for pk, amount in open_accounts.annotate(owed=owed).filter(owed__in=amounts).values_list("pk", "owed"):
                owing[(currency, amount)].add(pk)
            instalments = (DueItem.objects.filter(account__in=open_accounts,
                                                  due_date=F("account__oldest_unpaid_due_date"),
                                                  settled_minor__lt=F("amount_minor"))
                           .values("account_id").annotate(open=Sum(F("amount_minor") - F("settled_minor")))
                           .filter(open__in=amounts).values_list("account_id", "open"))
            for pk, amount in instalments:
                owing[(currency, amount)].add(pk)
            for account_ids in owing.values():
                for pk in account_ids:
                    self.currency_of[pk] = currency
        names = defaultdict(list)
        candidates = {pk for ids in owing.values() for pk in ids}
        for pk, given, family, company in (AccountDebtor.objects.filter(account_id__in=candidates)
                                           .values_list("account_id", "debtor__given_name", "debtor__family_name",
                                                        "debtor__company_name")):
            names[pk].append(company or f"{given} {family}")
        named_ids = {id(line) for line in named}
        rest = []
        for line in lines:
            accounts = owing.get((line.currency, line.amount_minor), set()) if id(line) in named_ids else set()
            agreeing = [pk for pk in accounts if names_agree(names[pk], line.counterparty_name)]
            if len(agreeing) == 1:
                self._accept(line, agreeing[0], Method.AMOUNT_NAME,
                             _("Amount owed and payer's name %(name)s") % {"name": line.counterparty_name})
                continue
            if len(agreeing) > 1 and not line.note:
                line.note = ngettext("%(count)d account owes this amount under this name; match it by hand.",
                                     "%(count)d accounts owe this amount under this name; match it by hand.",
                                     len(agreeing)) % {"count": len(agreeing)}
            rest.append(line)
        return rest
