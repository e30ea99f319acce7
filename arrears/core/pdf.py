"""PDF documents the servicer hands a debtor (statements, confirmations, letters), built on fpdf2.

Every page carries the servicer's name and "page n of m"; tables repeat their headings on each page and put
amounts to the right. A document is dated by its own date, not by the clock, so the same inputs give the same
bytes. Text is set in DejaVu Sans, vendored in fonts/: the PDF core fonts cover Latin-1 only, and debtors read
Greek, Polish and Russian.
"""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
BODY, SMALL, HEADING, TITLE = 9.5, 8, 12, 16  # points
LINE = 5  # mm per line of body text
MARGIN = 18  # mm on every side
GREY = (110, 110, 110)
RULE = (190, 190, 190)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
BOLD = FontFace(emphasis="BOLD")

# fontTools reports every glyph it keeps when fpdf2 subsets a font: dozens of INFO lines per document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Column:
    heading: str
    share: float = 1  # of the text width, relative to the table's other columns
    amount: bool = False  # amounts (and counts) are right-aligned so their digits line up


class _Pages(FPDF):
    """fpdf2 calls header() and footer() on every page it opens or closes, page breaks included."""

    def __init__(self, brand: str, title: str, page_label: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.brand, self.doc_title, self.page_label = brand, title, page_label
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)

    def header(self):
        self.set_font(FAMILY, "B", BODY)
        self.cell(self.epw / 2, LINE, self.brand)
        self.set_font(FAMILY, "", SMALL)
        self.set_text_color(*GREY)
        self.cell(self.epw / 2, LINE, self.doc_title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.set_text_color(0)
        self.set_font(FAMILY, "", BODY)
        self.ln(6)

    def footer(self):
        self.set_y(-MARGIN + 6)
        self.set_font(FAMILY, "", SMALL)
        self.set_text_color(*GREY)
        # "{nb}" is fpdf2's alias for the page count, filled in when the document is output.
        self.cell(0, LINE, self.page_label % {"page": self.page_no(), "pages": "{nb}"}, align="C")
        self.set_text_color(0)


class Document:
    """A document of one title: `heading`, `paragraph`, `key_values` and `table` add to it in order, `output`
    gives the PDF. Strings arrive already translated and formatted by the caller."""

    def __init__(self, *, title: str, dated: dt.date, subtitle: str = "", brand: str | None = None,
                 language: str | None = None):
        self.title = title
        brand = brand or settings.PORTAL_BRAND_NAME
        self._pdf = _Pages(brand, title, _("Page %(page)s of %(pages)s"))
        self._pdf.set_title(title)
        self._pdf.set_author(brand)
        self._pdf.set_creator("arrears")
        self._pdf.set_lang(language or get_language() or settings.LANGUAGE_CODE)
        self._pdf.set_creation_date(dt.datetime.combine(dated, dt.time(), tzinfo=dt.UTC))
        self._pdf.add_page()
        self._pdf.set_font(FAMILY, "B", TITLE)
        self._pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self._pdf.set_font(FAMILY, "", BODY)
            self._pdf.set_text_color(*GREY)
            self._pdf.multi_cell(0, LINE, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self._pdf.set_text_color(0)
        self._pdf.ln(3)

    def heading(self, text: str) -> None:
        # A heading is never left alone at the foot of a page, away from what it heads.
        if self._pdf.get_y() + 4 * LINE > self._pdf.page_break_trigger:
            self._pdf.add_page()
        self._pdf.ln(3)
        self._pdf.set_font(FAMILY, "B", HEADING)
        self._pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.set_font(FAMILY, "", BODY)
        self._pdf.ln(1)

    def paragraph(self, text: str) -> None:
        self._pdf.set_font(FAMILY, "", BODY)
        self._pdf.multi_cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.ln(2)

    def key_values(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value side by side, labels in bold; a value may run over several lines (an address)."""
        self._pdf.set_font(FAMILY, "", BODY)
        with self._pdf.table(col_widths=(1, 2), first_row_as_headings=False, text_align=("LEFT", "LEFT"),
                             borders_layout=TableBordersLayout.NONE, line_height=LINE, padding=(0.8, 1),
                             v_align="TOP") as table:
            for label, value in rows:
                row = table.row()
                row.cell(label, style=BOLD)
                row.cell(value)
        self._pdf.ln(2)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]],
              total: Sequence[str] | None = None) -> None:
        """Headings repeated on every page the table runs onto; an optional total row in bold at the end."""
        self._pdf.set_font(FAMILY, "", BODY)
        self._pdf.set_draw_color(*RULE)
        align = tuple("RIGHT" if c.amount else "LEFT" for c in columns)
        with self._pdf.table(col_widths=tuple(c.share for c in columns), text_align=align, headings_style=HEADINGS,
                             borders_layout=TableBordersLayout.HORIZONTAL_LINES, line_height=LINE,
                             padding=(1, 1.5), repeat_headings=1) as table:
            table.row([c.heading for c in columns])
            for cells in rows:
                table.row(list(cells))
            if total is not None:
                table.row(list(total), style=BOLD)
        self._pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self._pdf.output())
