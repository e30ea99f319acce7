"""White-labelling: each servicer's brand (name, logo, colour, support contacts) by the host the debtor
reached; colours that would make text unreadable and logos that are not plain images are refused."""

import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arrears.core.models import AuditEvent
from arrears.core.roles import Role
from arrears.portal import branding
from arrears.portal.models import PortalBrand

pytestmark = pytest.mark.django_db
HOST = "pay.example.gr"


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture(autouse=True)
def _host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]


@pytest.fixture
def brand(system):
    return branding.save_brand(actor=system, host=HOST, name="Πειραιώς Servicing", colour="#0B5394", logo=png(),
                               support_phone="+30 210 000 0000", support_email="help@example.gr")


def test_without_a_brand_the_portal_carries_the_configured_name_in_the_house_colour(client, settings):
    settings.PORTAL_BRAND_NAME = "Demo Servicer"
    page = client.get(reverse("portal:sign_in")).content.decode()
    assert "Demo Servicer" in page and reverse("portal:brand_css") not in page
    assert client.get(reverse("portal:brand_logo")).status_code == 404


def test_the_host_chooses_the_brand_its_logo_colour_and_contacts(client, brand):
    page = client.get(reverse("portal:sign_in"), HTTP_HOST=HOST).content.decode()
    assert "Πειραιώς Servicing" in page and 'alt="Πειραιώς Servicing"' in page
    assert f"{reverse('portal:brand_css')}?v={branding.brand_for_host(HOST).version}" in page
    assert "help@example.gr" in page and "tel:+30 210 000 0000" in page
    css = client.get(reverse("portal:brand_css"), HTTP_HOST=HOST)
    assert css["Content-Type"].startswith("text/css") and "--brand: #0b5394;" in css.content.decode()
    logo = client.get(reverse("portal:brand_logo"), HTTP_HOST=HOST)
    assert (logo["Content-Type"], logo.content) == ("image/png", png())
    assert logo["Content-Security-Policy"] == "default-src 'none'"
    # Another host has no brand of its own and no default row: the configured name.
    assert "Πειραιώς" not in client.get(reverse("portal:sign_in")).content.decode()


def test_the_default_brand_serves_hosts_without_their_own(client, system, brand):
    branding.save_brand(actor=system, name="Default Servicer", colour="#333333")
    assert "Default Servicer" in client.get(reverse("portal:sign_in")).content.decode()
    assert "Πειραιώς Servicing" in client.get(reverse("portal:sign_in"), HTTP_HOST=HOST).content.decode()


@pytest.mark.parametrize(("values", "field"), [
    ({"colour": "#ffff00"}, "colour"),        # white on yellow: unreadable
    ({"colour": "red"}, "colour"),
    ({"colour": "#0b5394;} body{display:none"}, "colour"),
    ({"host": "https://pay.example.gr/portal"}, "host"),
    ({"host": HOST}, "host"),                 # taken by the fixture's brand
    ({"name": "  "}, "name"),
    ({"logo": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"}, "logo"),
    ({"logo": png() + b"\0" * 200_000}, "logo"),
])
def test_bad_brands_are_refused_at_their_field_and_nothing_changes(system, brand, values, field):
    before = list(PortalBrand.objects.values_list("host", "name", "colour", "logo_type"))
    with pytest.raises(ValidationError) as refused:
        branding.save_brand(actor=system, **{"host": "other.example.gr", "name": "Other", **values})
    assert field in refused.value.message_dict
    assert list(PortalBrand.objects.values_list("host", "name", "colour", "logo_type")) == before


def test_the_contrast_ratio_is_wcags():
    assert round(branding.contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert branding.contrast_ratio("#767676", "#ffffff") >= 4.5 > branding.contrast_ratio("#777777", "#ffffff")


def test_only_administrators_manage_brands_and_every_change_is_audited(client, make_user, make_creditor, system):
    agent = make_user("agent", Role.AGENT, creditors=[make_creditor()])
    with pytest.raises(PermissionDenied):
        branding.save_brand(actor=agent, name="Mine")
    client.force_login(agent)
    assert client.get(reverse("admin:portal_portalbrand_changelist")).status_code == 403
    admin = make_user("admin", Role.ADMIN)
    client.force_login(admin)
    refused = client.post(reverse("admin:portal_portalbrand_add"), {
        "host": HOST, "name": "Bad", "colour": "#eeeeee", "support_phone": "", "support_email": ""})
    assert refused.status_code == 200 and not PortalBrand.objects.exists()
    saved = client.post(reverse("admin:portal_portalbrand_add"), {
        "host": HOST, "name": "Alpha Servicing", "colour": "#0b5394", "support_phone": "", "support_email": "",
        "logo_file": SimpleUploadedFile("logo.png", png(), content_type="image/png")})
    assert saved.status_code == 302
    row = PortalBrand.objects.get()
    assert (row.name, row.logo_type, bytes(row.logo)) == ("Alpha Servicing", "image/png", png())
    audit = AuditEvent.objects.get(action="portal.brand_saved")
    assert audit.actor == admin and audit.after["logo_bytes"] == len(png())
