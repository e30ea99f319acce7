"""The creditors and portfolios of the demo book (fictional names), created once through the services.

Seeding again reuses a creditor or portfolio that already exists with the same code: a second
seed adds accounts to the same portfolios.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from arrears.core.actors import SEED
from arrears.portfolio import services
from arrears.portfolio.models import Creditor, Portfolio
from arrears.portfolio.seed import identities

BANK = Creditor.Kind.BANK
FUND = Creditor.Kind.FUND
TELCO = Creditor.Kind.TELCO
UTILITY = Creditor.Kind.UTILITY
BY_DUE_DATE = Creditor.AllocationMode.DUE_DATE_FIRST
BY_COMPONENT = Creditor.AllocationMode.COMPONENT_FIRST

# Share of the book per country.
COUNTRY_WEIGHTS = {"GR": 22, "PL": 20, "ES": 20, "MX": 13, "RU": 13, "US": 12}

# Days past due the accounts of a mandate are spread over: (weight, lowest, highest).
DPD_PROFILES = {
    "servicing": [(30, 0, 0), (22, 1, 30), (16, 31, 60), (10, 61, 90), (10, 91, 180), (7, 181, 365),
                  (5, 366, 1100)],
    "contingency": [(5, 0, 0), (10, 1, 30), (20, 31, 90), (25, 91, 180), (25, 181, 365), (15, 366, 900)],
    "owned": [(12, 181, 365), (35, 366, 730), (40, 731, 1460), (13, 1461, 2600)],
}
# Product mix by kind of creditor; a fund holds what the original bank sold.
PRODUCTS = {
    BANK: [("credit_card", 35), ("personal_loan", 28), ("overdraft", 10), ("auto_loan", 10), ("mortgage", 8),
           ("sme_loan", 9)],
    FUND: [("credit_card", 38), ("personal_loan", 40), ("overdraft", 10), ("bnpl", 5), ("sme_loan", 7)],
    TELCO: [("telco", 100)],
    UTILITY: [("utility", 100)],
}


@dataclass(frozen=True)
class CreditorSpec:
    code: str
    name: str
    kind: str
    country: str
    mode: str
    order: tuple = ("costs", "fees", "penalties", "interest", "principal")


@dataclass(frozen=True)
class PortfolioSpec:
    creditor: str
    code: str
    name: str
    original_creditor: str
    mandate: str
    commission: str | None
    currency: str
    jurisdiction: str
    age_days: int  # placed this many days before the business date of the first seed
    weight: int  # share of the country's accounts
    prefix: str  # of the creditor's account references


CREDITORS = [
    CreditorSpec("aegean-bank", "Aegean Commercial Bank S.A.", BANK, "GR", BY_DUE_DATE),
    CreditorSpec("hellas-recovery-fund", "Hellas Recovery Fund II", FUND, "GR", BY_COMPONENT),
    CreditorSpec("helios-power", "Helios Power & Gas S.A.", UTILITY, "GR", BY_DUE_DATE),
    CreditorSpec("vistula-bank", "Bank Wiślany S.A.", BANK, "PL", BY_DUE_DATE),
    CreditorSpec("odra-fund", "Odra Fundusz Sekurytyzacyjny NSFIZ", FUND, "PL", BY_DUE_DATE),
    CreditorSpec("baltic-mobile", "Baltic Mobile Sp. z o.o.", TELCO, "PL", BY_DUE_DATE),
    CreditorSpec("banco-atlantico", "Banco Atlántico de Crédito S.A.", BANK, "ES", BY_DUE_DATE),
    CreditorSpec("iberia-capital", "Iberia Capital Partners S.L.", FUND, "ES", BY_COMPONENT),
    CreditorSpec("meseta-energia", "Meseta Energía S.A.", UTILITY, "ES", BY_DUE_DATE),
    CreditorSpec("banco-del-valle", "Banco del Valle, S.A.", BANK, "MX", BY_DUE_DATE),
    CreditorSpec("sierra-movil", "Sierra Móvil S.A. de C.V.", TELCO, "MX", BY_DUE_DATE),
    CreditorSpec("volga-credit-bank", "Volga Credit Bank JSC", BANK, "RU", BY_DUE_DATE,
                 ("costs", "interest", "principal", "penalties", "fees")),
    CreditorSpec("neva-collection-fund", "Neva Collection Fund LLC", FUND, "RU", BY_COMPONENT),
    CreditorSpec("liberty-harbor-bank", "Liberty Harbor Bank, N.A.", BANK, "US", BY_DUE_DATE,
                 ("fees", "costs", "penalties", "interest", "principal")),
    CreditorSpec("beacon-wireless", "Beacon Wireless Inc.", TELCO, "US", BY_DUE_DATE),
    CreditorSpec("granite-peak-fund", "Granite Peak Receivables Fund LP", FUND, "US", BY_COMPONENT),
]

PORTFOLIOS = [
    PortfolioSpec("aegean-bank", "gr-retail-servicing", "Retail loans and cards, servicing",
                  "Aegean Commercial Bank S.A.", "servicing", None, "EUR", "GR", 1100, 50, "AEG"),
    PortfolioSpec("hellas-recovery-fund", "gr-npl-2022", "Unsecured NPL portfolio 2022",
                  "Kyklades Bank S.A. (in liquidation)", "owned", None, "EUR", "GR", 900, 35, "HRF"),
    PortfolioSpec("helios-power", "gr-utility-arrears", "Household energy arrears",
                  "Helios Power & Gas S.A.", "contingency", "0.1800", "EUR", "GR", 500, 15, "HEL"),
    PortfolioSpec("vistula-bank", "pl-consumer-servicing", "Consumer loans, servicing",
                  "Bank Wiślany S.A.", "servicing", None, "PLN", "PL", 1000, 45, "VIS"),
    PortfolioSpec("odra-fund", "pl-purchased-2023", "Purchased consumer debt 2023",
                  "Bank Mazowiecki S.A.", "owned", None, "PLN", "PL", 800, 35, "ODR"),
    PortfolioSpec("baltic-mobile", "pl-telco-contingency", "Mobile subscriptions, final bills",
                  "Baltic Mobile Sp. z o.o.", "contingency", "0.2200", "PLN", "PL", 450, 20, "BAL"),
    PortfolioSpec("banco-atlantico", "es-cards-early", "Cards and loans, early arrears",
                  "Banco Atlántico de Crédito S.A.", "contingency", "0.0800", "EUR", "ES", 700, 40, "BAT"),
    PortfolioSpec("iberia-capital", "es-unsecured-2021", "Unsecured consumer debt 2021",
                  "Caja Rural del Duero S.C.C.", "owned", None, "EUR", "ES", 1300, 40, "IBC"),
    PortfolioSpec("meseta-energia", "es-energy-debt", "Electricity and gas arrears",
                  "Meseta Energía S.A.", "contingency", "0.1500", "EUR", "ES", 400, 20, "MES"),
    PortfolioSpec("banco-del-valle", "mx-consumo-servicing", "Crédito al consumo, servicing",
                  "Banco del Valle, S.A.", "servicing", None, "MXN", "MX", 900, 50, "BDV"),
    PortfolioSpec("sierra-movil", "mx-telco-2025", "Telefonía móvil, saldos vencidos",
                  "Sierra Móvil S.A. de C.V.", "contingency", "0.2500", "MXN", "MX", 300, 30, "SMO"),
    PortfolioSpec("iberia-capital", "mx-cartera-vencida-2022", "Cartera vencida 2022",
                  "Financiera Popular del Bajío S.A.", "owned", None, "MXN", "MX", 1000, 20, "IBM"),
    PortfolioSpec("volga-credit-bank", "ru-retail-servicing", "Retail loans, servicing",
                  "Volga Credit Bank JSC", "servicing", None, "RUB", "RU", 1000, 50, "VCB"),
    PortfolioSpec("neva-collection-fund", "ru-cession-2021", "Assigned consumer debt 2021",
                  "Ural Savings Bank PJSC", "owned", None, "RUB", "RU", 1400, 50, "NCF"),
    PortfolioSpec("liberty-harbor-bank", "us-card-recoveries", "Credit card recoveries",
                  "Liberty Harbor Bank, N.A.", "contingency", "0.2800", "USD", "US", 600, 45, "LHB"),
    PortfolioSpec("beacon-wireless", "us-wireless-final-bills", "Wireless final bills",
                  "Beacon Wireless Inc.", "contingency", "0.3000", "USD", "US", 350, 25, "BCN"),
    PortfolioSpec("granite-peak-fund", "us-chargeoff-2020", "Charged-off consumer receivables 2020",
                  "First Prairie Bank", "owned", None, "USD", "US", 1500, 30, "GPF"),
]


def _registration(spec: CreditorSpec, serial: int) -> str:
    founded = dt.date(1998, 6, 1)
    return {
        "GR": lambda: identities.gr_afm(serial, company=True),
        "PL": lambda: identities.pl_nip(serial),
        "ES": lambda: identities.es_cif(serial),
        "MX": lambda: identities.mx_rfc_company(serial, spec.name, founded),
        "RU": lambda: identities.ru_ogrn(serial, 1998),
        "US": lambda: identities.us_ein(serial),
    }[spec.country]()


def ensure_catalogue(business_date: dt.date) -> tuple[dict, dict]:
    """(creditors by code, portfolios by (creditor code, portfolio code)), creating what is missing."""
    creditors = {c.code: c for c in Creditor.objects.filter(code__in=[s.code for s in CREDITORS])}
    for serial, spec in enumerate(CREDITORS, start=900_001):
        if spec.code not in creditors:
            creditors[spec.code] = services.create_creditor(
                actor=SEED, code=spec.code, name=spec.name, kind=spec.kind, country=spec.country,
                registration_number=_registration(spec, serial), allocation_order=list(spec.order),
                allocation_mode=spec.mode,
            )
    portfolios = {}
    for serial, spec in enumerate(PORTFOLIOS, start=700_001):
        creditor = creditors[spec.creditor]
        found = Portfolio.objects.filter(creditor=creditor, code=spec.code).first()
        if found is None:
            iban = identities.iban(spec.jurisdiction, serial) if spec.jurisdiction in {"GR", "PL", "ES", "RU"} else ""
            found = services.create_portfolio(
                actor=SEED, creditor=creditor, code=spec.code, name=spec.name,
                original_creditor=spec.original_creditor, mandate=spec.mandate,
                commission_rate=Decimal(spec.commission) if spec.commission else None, currency=spec.currency,
                jurisdiction=spec.jurisdiction, collection_iban=iban,
                placed_on=business_date - dt.timedelta(days=spec.age_days),
            )
        portfolios[(spec.creditor, spec.code)] = found
    return creditors, portfolios
