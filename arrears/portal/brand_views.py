"""The brand's stylesheet and logo, for every portal page (signed in or not); browsers cache them by the
brand's version, which the page puts in their address."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from arrears.portal.branding import brand_for, logo_for

CACHE = "public, max-age=86400"


@require_GET
def brand_css(request):
    brand = brand_for(request)
    # The colour was checked as #rrggbb when saved: nothing else can reach the stylesheet.
    response = HttpResponse(f":root {{ --brand: {brand.colour}; }}\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = CACHE
    return response


@require_GET
def brand_logo(request):
    found = logo_for(request)
    if found is None:
        raise Http404
    data, kind = found
    response = HttpResponse(data, content_type=kind)
    response["Cache-Control"] = CACHE
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
