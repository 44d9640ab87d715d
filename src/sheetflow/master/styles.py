"""Cell formats shared by the consolidated workbook's sheets."""

from __future__ import annotations

from typing import Any

import xlsxwriter

from sheetflow.xlsxutil import smiley_formats_for

FLAG_FILL = "#FCE4D6"


class Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"valign": "top", "text_wrap": True, "font_size": 10}

        def f(**kw: Any) -> Any:
            return wb.add_format({**base, **kw})

        smiley = {"align": "center", "valign": "top", "font_size": 13}
        self.title = f(bold=True, font_size=18, text_wrap=False)
        self.subtitle = f(font_size=13, text_wrap=False)
        self.heading = f(bold=True, font_size=12, text_wrap=False, bottom=1)
        self.label = f(bold=True)
        self.text = f()
        # A sentence under a heading, on one line into the empty cells to its right: a
        # wrapped one in the first column was cut off at the row's height.
        self.sentence = f(text_wrap=False)
        self.header = f(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", border=1)
        self.cell = f(border=1, border_color="#BFBFBF")
        # One line that may run on into the empty cells to its right (a state in words),
        # indented so it does not read as one word with the number on its left (an
        # indent without align="left" is lost in LibreOffice).
        line = {"align": "left", "indent": 1}
        self.cell_line = f(border=1, border_color="#BFBFBF", text_wrap=False, **line)
        self.header_line = f(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", border=1, **line)
        self.number = f(border=1, border_color="#BFBFBF", align="right")
        self.total = f(border=1, bold=True, top=2, align="right")
        self.total_label = f(border=1, bold=True, top=2)
        self.section = f(bold=True, font_size=14, bg_color="#D9E1F2", bottom=2, text_wrap=False)
        self.initiative = f(bold=True, font_size=11, bg_color="#EDF2F9", top=1)
        self.initiative_smiley = f(bold=True, bg_color="#EDF2F9", top=1, align="center")
        self.italic = f(italic=True, font_color="#404040")
        self.note = f(italic=True, font_color="#404040", text_wrap=False)
        self.smiley = wb.add_format({**smiley, "border": 1, "border_color": "#BFBFBF"})
        self.smiley_plain = wb.add_format({**smiley, "font_size": 14})
        self.flag_cell = f(border=1, border_color="#BFBFBF", bg_color=FLAG_FILL)
        self.flag_smiley = wb.add_format(
            {**smiley, "border": 1, "border_color": "#BFBFBF", "bg_color": FLAG_FILL}
        )
        self.smileys = smiley_formats_for(wb)
