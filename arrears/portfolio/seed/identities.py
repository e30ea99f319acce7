"""Valid national IDs, tax IDs, company numbers and IBANs, made fast: check digits computed here.

python-stdnum and schwifty validate what comes in from outside; calling them for every seeded row
would cost more than the rest of the seeder. The tests check samples of these against them.

A number's serial part comes from `serial` (a per-debtor counter mixed with the seed) through a
bijection of the serial space, so two debtors of one run never share an identifier.
"""

import unicodedata

from stdnum.mx import curp as _stdnum_curp

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_IBAN_VALUE = {ch: str(i) for i, ch in enumerate(_ALNUM)}
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ"
_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
# Words CURP and RFC must not spell; the registry replaces the second letter with X.
_INCONVENIENT = frozenset(getattr(_stdnum_curp, "_name_blacklist", ()))
MX_STATES = ("AS", "BC", "CH", "CL", "CM", "CS", "DF", "GR", "GT", "HG", "JC", "MC", "MN", "NL", "OC", "PL",
             "QT", "SL", "SP", "SR", "TC", "TS", "VZ", "YN", "ZS")
US_EIN_PREFIXES = ("10", "12", "20", "27", "30", "33", "45", "46", "52", "54", "61", "81", "91", "94", "95")
RU_REGIONS = ("77", "78", "50", "66", "16", "54", "23", "52", "61", "02")


def _scramble(serial: int, space: int) -> int:
    """A bijection of [0, space): affine with a multiplier coprime to every space used here."""
    return (serial * 7_368_787 + 1_234_567) % space


def _luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to `digits`."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _weighted(digits: str, weights) -> int:
    return sum(w * int(d) for w, d in zip(weights, digits, strict=False))


# Greece -------------------------------------------------------------------------------------------

def gr_afm(serial: int, company: bool = False) -> str:
    """ΑΦΜ: 8 digits and a check digit (powers of two, mod 11, mod 10). Companies start with 8 or 9."""
    first = ("8", "9")[serial % 2] if company else ("0", "1")[serial % 2]
    body = first + f"{_scramble(serial, 10**7):07d}"
    total = 0
    for ch in body:
        total = total * 2 + int(ch)
    return body + str(total * 2 % 11 % 10)


def gr_amka(serial: int, born, male: bool) -> str:
    """ΑΜΚΑ: DDMMYY, four digits whose last is odd for men, and a Luhn check digit."""
    tail = _scramble(serial, 1000) * 10 + (2 * (serial % 5) + (1 if male else 0))
    body = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}{tail:04d}"
    return body + _luhn_digit(body)


# Poland -------------------------------------------------------------------------------------------

def pl_pesel(serial: int, born, male: bool) -> str:
    """PESEL: YYMMDD (month + 20 after 1999), 3 serial digits, a sex digit (odd: male), a check digit."""
    month = born.month + (20 if born.year >= 2000 else 0)
    sex = 2 * (serial % 5) + (1 if male else 0)
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{_scramble(serial, 1000):03d}{sex}"
    check = _weighted(body, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3))
    return body + str((10 - check % 10) % 10)


def pl_nip(serial: int) -> str:
    """NIP: 3-digit tax office, 6 digits, a weighted mod-11 check digit (bodies giving 10 are never issued)."""
    value = _scramble(serial, 10**9)
    while True:
        body = f"{100 + value % 900}{value // 900 % 10**6:06d}"
        check = _weighted(body, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11
        if check != 10:
            return body + str(check)
        value += 1


def pl_regon(serial: int) -> str:
    """REGON (9 digits): 8 digits and a weighted mod-11 check digit."""
    body = f"{10 + _scramble(serial, 90) :02d}{_scramble(serial, 10**6):06d}"
    return body + str(_weighted(body, (8, 9, 2, 3, 4, 5, 6, 7)) % 11 % 10)


# Spain --------------------------------------------------------------------------------------------

def es_dni(serial: int) -> str:
    number = 10**7 + _scramble(serial, 9 * 10**7)
    return f"{number:08d}{_DNI_LETTERS[number % 23]}"


def es_nie(serial: int) -> str:
    prefix = "XYZ"[serial % 3]
    number = _scramble(serial, 10**7)
    return f"{prefix}{number:07d}{_DNI_LETTERS[int(f'{serial % 3}{number:07d}') % 23]}"


def es_cif(serial: int, province: str = "28") -> str:
    """CIF of a company: A (S.A.) or B (S.L.), province, 5 digits, Luhn check digit."""
    letter = "AB"[serial % 2]
    digits = f"{province}{_scramble(serial, 10**5):05d}"
    return letter + digits + _luhn_digit(digits)


# Mexico -------------------------------------------------------------------------------------------

def _plain(text: str) -> str:
    """Upper-case A-Z only: accents dropped, Ñ as X (the registry's rule), anything else removed."""
    text = text.upper().replace("Ñ", "X")
    text = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in text if "A" <= ch <= "Z")


def _first_inner(word: str, vowels: bool) -> str:
    for ch in word[1:]:
        if (ch in "AEIOU") == vowels:
            return ch
    return "X"


def _mx_name_key(given: str, family: str, mother: str) -> tuple[str, str, str, str]:
    paternal, maternal, name = _plain(family) or "X", _plain(mother) or "X", _plain(given) or "X"
    key = paternal[0] + _first_inner(paternal, True) + maternal[0] + name[0]
    if key in _INCONVENIENT:
        key = key[0] + "X" + key[2:]
    return key, paternal, maternal, name


def mx_curp(serial: int, given: str, family: str, mother: str, born, male: bool, state: str) -> str:
    """CURP: name letters, YYMMDD, H/M, state, inner consonants, homoclave, check digit (mod 10)."""
    key, paternal, maternal, name = _mx_name_key(given, family, mother)
    homoclave = str(serial % 10) if born.year < 2000 else "ABCDEFGHIJ"[serial % 10]
    body = (f"{key}{born.year % 100:02d}{born.month:02d}{born.day:02d}{'H' if male else 'M'}{state}"
            f"{_first_inner(paternal, False)}{_first_inner(maternal, False)}{_first_inner(name, False)}{homoclave}")
    check = sum(_CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(body))
    return body + str((10 - check % 10) % 10)


def _rfc_check(body: str) -> str:
    padded = ("   " + body)[-12:]
    check = sum(_RFC_ALPHABET.index(c) * (13 - i) for i, c in enumerate(padded))
    return _RFC_ALPHABET[(11 - check) % 11]


def _homoclave(serial: int) -> str:
    first, second = "123456789ABCDEFGHIJKLMNOPQRSTUV", "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    value = _scramble(serial, len(first) * len(second))
    return first[value % len(first)] + second[value // len(first)]


def mx_rfc_person(serial: int, given: str, family: str, mother: str, born) -> str:
    key = _mx_name_key(given, family, mother)[0]
    body = f"{key}{born.year % 100:02d}{born.month:02d}{born.day:02d}{_homoclave(serial)}"
    return body + _rfc_check(body)


def mx_rfc_company(serial: int, company: str, founded) -> str:
    words = [w for w in (_plain(w) for w in company.split()) if w and w not in {"DE", "Y", "SA", "CV", "SC"}]
    letters = ("".join(w[0] for w in words[:3]) + "XXX")[:3] if len(words) >= 3 else (
        ((words[0] if words else "X") + "XXX")[:3])
    body = f"{letters}{founded.year % 100:02d}{founded.month:02d}{founded.day:02d}{_homoclave(serial)}"
    return body + _rfc_check(body)


# Russia -------------------------------------------------------------------------------------------

def ru_inn_person(serial: int) -> str:
    body = f"{RU_REGIONS[serial % len(RU_REGIONS)]}{10 + serial // 7 % 40:02d}{_scramble(serial, 10**6):06d}"
    d1 = str(_weighted(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) % 11 % 10)
    d2 = str(_weighted(body + d1, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) % 11 % 10)
    return body + d1 + d2


def ru_inn_company(serial: int) -> str:
    body = f"{RU_REGIONS[serial % len(RU_REGIONS)]}{10 + serial // 7 % 40:02d}{_scramble(serial, 10**5):05d}"
    return body + str(_weighted(body, (2, 4, 10, 3, 5, 9, 4, 6, 8)) % 11 % 10)


def ru_ogrn(serial: int, founded_year: int) -> str:
    body = f"1{founded_year % 100:02d}{RU_REGIONS[serial % len(RU_REGIONS)]}{_scramble(serial, 10**7):07d}"
    return body + str(int(body) % 11 % 10)


# United States ------------------------------------------------------------------------------------

def us_ssn(serial: int) -> str:
    value = _scramble(serial, 898 * 99 * 9999)
    area = 1 + value % 898  # 001-898
    if area == 666:
        area = 667
    group = 1 + value // 898 % 99
    number = 1 + value // (898 * 99) % 9999
    if (area, group) in {(78, 5), (219, 9), (457, 55)}:  # numbers published in advertising
        group += 1
    return f"{area:03d}{group:02d}{number:04d}"


def us_ein(serial: int) -> str:
    return US_EIN_PREFIXES[serial % len(US_EIN_PREFIXES)] + f"{_scramble(serial, 10**7):07d}"


# IBANs --------------------------------------------------------------------------------------------

def _iban(country: str, bban: str) -> str:
    digits = "".join(_IBAN_VALUE[ch] for ch in bban + country) + "00"
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _es_national_check(bank_branch: str, account: str) -> str:
    def digit(value: str, weights) -> int:
        d = 11 - _weighted(value, weights) % 11
        return 0 if d == 11 else 1 if d == 10 else d

    weights = (1, 2, 4, 8, 5, 10, 9, 7, 3, 6)
    return f"{digit(bank_branch, weights[2:])}{digit(account, weights)}"


def iban(country: str, serial: int) -> str:
    """A valid IBAN of `country` (GR, PL, ES, RU): real bank codes, national check digits where defined."""
    account = _scramble(serial, 10**10)
    if country == "GR":
        bank = ("011", "014", "017", "026")[serial % 4]
        return _iban("GR", f"{bank}{serial % 10000:04d}{account:016d}")
    if country == "PL":
        bank = ("1020", "1140", "1050", "1090")[serial % 4] + f"{serial % 1000:03d}"
        check = _weighted(bank, (3, 9, 7, 1, 3, 9, 7)) % 10
        return _iban("PL", f"{bank}{(10 - check) % 10}{account:016d}")
    if country == "ES":
        bank_branch = ("0049", "2100", "0182", "0081")[serial % 4] + f"{serial % 10000:04d}"
        number = f"{account:010d}"
        return _iban("ES", f"{bank_branch}{_es_national_check(bank_branch, number)}{number}")
    if country == "RU":
        bik = ("044525225", "044525593", "044030653")[serial % 3]
        return _iban("RU", f"{bik}{serial % 100000:05d}40702810{account % 10**7:07d}")
    raise ValueError(f"no IBAN for {country}")
