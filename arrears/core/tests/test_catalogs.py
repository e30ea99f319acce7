"""The translation catalogs are complete, agree with Django's plural rules, keep every placeholder, and the
compiled catalogs are what Django actually loads."""

import contextlib
import gettext
import re
from pathlib import Path

import django
import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.utils import translation

import arrears
from arrears.portfolio.models import Account

LANGUAGES = ["el", "pl", "es", "ru"]
LOCALE_DIR = Path(arrears.__file__).resolve().parent / "locale"
PROJECT_ROOT = LOCALE_DIR.parent.parent
DJANGO_LOCALE_DIR = Path(django.__file__).resolve().parent / "conf" / "locale"
# Number of plural forms in Django's own catalog for each language (CLDR-based): ours must agree, so that
# the admin's strings and ours pluralise the same way.
PLURAL_FORMS = {"el": 2, "es": 3, "pl": 4, "ru": 4}

PYTHON_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)
BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z_]?[\w.]*\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module", params=LANGUAGES)
def lang(request):
    return request.param


@pytest.fixture(scope="module")
def catalog(lang):
    return _read(_po_path(lang))


def _messages(catalog):
    return [m for m in catalog if m.id]


def _python_placeholders(text: str) -> set[tuple[str | None, str]]:
    return {(m["name"], m["conv"]) for m in PYTHON_PLACEHOLDER.finditer(text) if m["conv"] != "%"}


def _forms(message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def test_header(catalog, lang):
    assert not catalog.fuzzy, f"{lang}: the header is marked fuzzy"
    assert str(catalog.locale) == lang, f"{lang}: the Language header is {catalog.locale!r}"
    assert catalog.charset.upper() == "UTF-8"
    assert catalog.language_team and "LANGUAGE" not in catalog.language_team, (
        f"{lang}: the Language-Team header is not filled in: {catalog.language_team!r}"
    )


def test_every_message_is_translated(catalog, lang):
    untranslated = [m.id for m in _messages(catalog) if not all(s.strip() for s in _forms(m))]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated}"


def test_no_message_is_fuzzy(catalog, lang):
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy: {fuzzy}"


def test_plural_forms_match_djangos_catalog(catalog, lang):
    django_catalog = _read(DJANGO_LOCALE_DIR / lang / "LC_MESSAGES" / "django.po")
    assert catalog.num_plurals == django_catalog.num_plurals == PLURAL_FORMS[lang]
    ours, djangos = gettext.c2py(catalog.plural_expr), gettext.c2py(django_catalog.plural_expr)
    differ = [n for n in range(2000) if ours(n) != djangos(n)]
    assert not differ, f"{lang}: our plural rule disagrees with Django's for n in {differ[:10]}"
    wrong_count = [m.id for m in _messages(catalog) if m.pluralizable and len(m.string) != catalog.num_plurals]
    assert not wrong_count, f"{lang}: plural messages without {catalog.num_plurals} forms: {wrong_count}"


def test_python_format_placeholders_are_kept(catalog, lang):
    plural = gettext.c2py(catalog.plural_expr)
    numbers_by_form = {}
    for n in range(2000):
        numbers_by_form.setdefault(plural(n), set()).add(n)
    problems = []
    for m in _messages(catalog):
        # babel flags every msgid with a % as python-format, even one the source marks no-python-format.
        if "python-format" not in m.flags or "no-python-format" in m.flags:
            continue
        if not m.pluralizable:
            if _python_placeholders(m.string) != _python_placeholders(m.id):
                problems.append((m.id, m.string))
            continue
        singular, plural_ = (_python_placeholders(i) for i in m.id)
        for form, text in enumerate(m.string):
            found = _python_placeholders(text)
            # A form used for n == 1 alone may leave out the count, as the English singular does.
            allowed = [singular, plural_] if numbers_by_form.get(form) == {1} else [plural_]
            if found not in allowed:
                problems.append((m.id[0], form, text))
    assert not problems, f"{lang}: placeholders differ from the msgid: {problems}"


def test_brace_placeholders_and_html_are_kept(catalog, lang):
    problems = []
    for m in _messages(catalog):
        ids = list(m.id) if m.pluralizable else [m.id]
        for pattern in (BRACE_PLACEHOLDER, HTML_TAG):
            expected = [sorted(pattern.findall(i)) for i in ids]
            problems += [(ids[0], text) for text in _forms(m) if sorted(pattern.findall(text)) not in expected]
    assert not problems, f"{lang}: placeholders or tags differ from the msgid: {problems}"


@pytest.fixture
def compiled(lang, settings):
    """The compiled catalog, built from the .po if `make messages` has not done so (or it is older)."""
    po = _po_path(lang)
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with contextlib.chdir(PROJECT_ROOT):
            call_command("compilemessages", locale=[lang], verbosity=0,
                         ignore_patterns=[".venv", "bench", "staticfiles", "var", ".git", "node_modules"])
        # Changing LOCALE_PATHS makes Django drop the catalogs it loaded before the .mo existed.
        settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)
    assert mo.exists()
    return mo


def test_compiled_catalog_is_loaded(compiled, catalog, lang):
    expected = catalog.get("account").string
    with translation.override(lang):
        shown = str(Account._meta.verbose_name)
    assert shown != "account", f"{lang}: Account's verbose name is not translated"
    assert shown == expected, f"{lang}: Django shows {shown!r}, the catalog says {expected!r}"
