"""The portal's documents, handed out as PDF files to save: only the signed-in debtor's own, never cached."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from arrears.portal.branding import brand_for
from arrears.portal.views import signed_in


def _attachment(pdf) -> HttpResponse:
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf.filename)
    # Personal data: no shared cache may keep it, and the browser keeps only the file the debtor saves.
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
def statement(request, pk: int):
    from arrears.portal import documents  # fpdf2 loads on the first document, not at every start-up
    return _attachment(documents.statement_of_account(actor=request.debtor_actor, account_id=pk,
                                                      brand=brand_for(request).name))


@signed_in
def arrangement_confirmation(request, pk: int):
    from arrears.portal import documents
    return _attachment(documents.arrangement_confirmation(actor=request.debtor_actor, arrangement_id=pk,
                                                          brand=brand_for(request).name))
