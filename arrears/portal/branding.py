"""White-labelling: the brand a debtor sees is chosen by the host name they reached.

Brands change seldom and every page needs one, so each process keeps what it read for CACHE_SECONDS:
a change in the back office shows everywhere within that time (at once in the process that saved it).
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record, snapshot
from arrears.portal.models import PortalBrand

HOUSE_COLOUR = "#1f4e79"
CACHE_SECONDS = 60
LOGO_MAX_BYTES = 200_000
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
COLOUR = re.compile(r"^#[0-9a-f]{6}$")
FIELDS = ["host", "name", "colour", "support_phone", "support_email", "logo_type"]


@dataclass(frozen=True)
class Brand:
    name: str
    colour: str = HOUSE_COLOUR
    has_logo: bool = False
    support_phone: str = ""
    support_email: str = ""
    version: str = "0"  # changes with the brand, so browsers fetch its stylesheet and logo anew

    @property
    def custom_colour(self) -> bool:
        return self.colour != HOUSE_COLOUR


_cache: dict[str, tuple[float, Brand]] = {}


def host_of(request) -> str:
    return request.get_host().rsplit(":", 1)[0].lower()


def brand_for_host(host: str) -> Brand:
    cached = _cache.get(host)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    rows = {row.host: row for row in PortalBrand.objects.filter(host__in=[host, ""]).defer("logo")}
    row = rows.get(host) or rows.get("")
    brand = Brand(settings.PORTAL_BRAND_NAME) if row is None else Brand(
        name=row.name, colour=row.colour, has_logo=bool(row.logo_type), support_phone=row.support_phone,
        support_email=row.support_email, version=str(int(row.updated_at.timestamp())))
    _cache[host] = (time.monotonic() + CACHE_SECONDS, brand)
    return brand


def brand_for(request) -> Brand:
    return brand_for_host(host_of(request))


def logo_for(request) -> tuple[bytes, str] | None:
    host = host_of(request)
    rows = {row.host: row for row in PortalBrand.objects.filter(host__in=[host, ""]).only("host", "logo", "logo_type")}
    row = rows.get(host) or rows.get("")
    return (bytes(row.logo), row.logo_type) if row is not None and row.logo_type else None


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b_ = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def logo_type(data: bytes) -> str:
    """The image type of an uploaded logo, or a refusal: PNG or JPEG only (an SVG may carry script)."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": _("The logo may be at most %(kb)s KB.") % {"kb": LOGO_MAX_BYTES // 1000}})
    for magic, kind in LOGO_TYPES.items():
        if data.startswith(magic):
            return kind
    raise ValidationError({"logo": _("The logo must be a PNG or JPEG image.")})


def clean_brand(*, brand: PortalBrand | None = None, host: str = "", name: str, colour: str = HOUSE_COLOUR,
                logo: bytes | None = None, **_ignored) -> dict:
    """The brand's values as they would be saved, or a refusal naming each bad field."""
    host, name, colour = host.strip().lower(), name.strip(), colour.strip().lower()
    errors = {}
    if host and not HOST.match(host):
        errors["host"] = _("Give a host name such as pay.example.gr, without http:// or a path.")
    elif PortalBrand.objects.filter(host=host).exclude(pk=brand.pk if brand else None).exists():
        errors["host"] = _("Another brand already has this host name.")
    if not name:
        errors["name"] = _("Give the name debtors will see.")
    if not COLOUR.match(colour):
        errors["colour"] = _("Give the colour as # and six hexadecimal digits, e.g. #1f4e79.")
    elif contrast_ratio(colour, "#ffffff") < 4.5:
        errors["colour"] = _("White text on this colour is too hard to read (contrast %(ratio).1f:1; at least "
                             "4.5:1 is needed). Choose a darker colour.") % {"ratio": contrast_ratio(colour, "#ffffff")}
    kind = None
    if logo:
        try:
            kind = logo_type(logo)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {"host": host, "name": name, "colour": colour, "logo_type": kind}


def save_brand(*, actor, brand: PortalBrand | None = None, host: str = "", name: str, colour: str = HOUSE_COLOUR,
               support_phone: str = "", support_email: str = "", logo: bytes | None = None,
               remove_logo: bool = False) -> PortalBrand:
    """Create or change a brand. `logo`: new image bytes; None keeps the current one."""
    authorize(actor, roles.MANAGE_PORTAL)
    clean = clean_brand(brand=brand, host=host, name=name, colour=colour, logo=logo)
    with transaction.atomic():
        before = snapshot(brand, FIELDS) if brand else None
        brand = brand or PortalBrand()
        brand.host, brand.name, brand.colour = clean["host"], clean["name"], clean["colour"]
        brand.support_phone, brand.support_email = support_phone.strip(), support_email.strip()
        if clean["logo_type"]:
            brand.logo, brand.logo_type = logo, clean["logo_type"]
        elif remove_logo:
            brand.logo, brand.logo_type = b"", ""
        brand.full_clean(exclude=["logo"])
        brand.save()
        record(actor=actor, action="portal.brand_saved", obj=brand, before=before,
               after={**snapshot(brand, FIELDS), "logo_bytes": len(brand.logo or b"")})
    _cache.clear()
    return brand
