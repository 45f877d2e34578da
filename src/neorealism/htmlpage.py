"""Self-contained, offline HTML pages: the reports of runs, comparisons and experiments.

A :class:`Page` is a list of blocks — headings, paragraphs, tables and
figures — rendered into one HTML file with its style inline and every plot
embedded as a base64 PNG (``data:image/png``), so the file opens anywhere,
without a network, a CDN or the files beside it.  Every figure is also kept
as a PNG file when the page is given a folder for them.  All text is
HTML-escaped; nothing the user wrote (a scenario name, a spec's hypothesis)
can add markup or script.

>>> page = Page("bipolar, seed 0", "100 worlds × 200 years")            # doctest: +SKIP
>>> page.heading("Power")
>>> page.figure(fig, "power shares over time", png="power.png")
>>> page.table(df)
>>> page.write("results/bipolar-seed0/report.html", png_dir="results/bipolar-seed0/report")
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["Page"]

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
h3{font-size:1.05em;margin-top:1.3em}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;
text-align:right}th{background:#f3f3f3}td.t,th.t{text-align:left}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}
.held{color:#006100;font-weight:600}.did-not-hold{color:#9c0006;font-weight:600}.inconclusive{color:#7a5c00}
footer{margin-top:3em;color:#777;font-size:.85em;border-top:1px solid #ddd;padding-top:.5em}
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cell(v: Any, digits: int) -> tuple[str, bool]:
    """A table cell's text, and whether it is text (left-aligned) rather than a number."""
    if isinstance(v, bool) or v is None:
        return ("–" if v is None else str(v)), True
    if isinstance(v, int):
        return f"{v:,}", False
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–", False
        return (f"{v:.{digits}g}" if abs(v) >= 1e5 or (v != 0 and abs(v) < 10 ** -digits) else f"{v:.{digits}f}"), False
    try:
        import numpy as np

        if isinstance(v, np.integer):
            return f"{int(v):,}", False
        if isinstance(v, np.floating):
            return _cell(float(v), digits)
    except ImportError:  # pragma: no cover
        pass
    return str(v), True


class Page:
    """An HTML report built block by block (see the module docstring)."""

    def __init__(self, title: str, subtitle: str = ""):
        self.title = str(title)
        self.subtitle = str(subtitle)
        self._blocks: list[str] = []
        #: (file name, PNG bytes) of every figure that asked to be kept as a file
        self.pngs: list[tuple[str, bytes]] = []

    # -- blocks ----------------------------------------------------------------------------------

    def heading(self, text: str, level: int = 2) -> Page:
        level = min(6, max(2, int(level)))
        self._blocks.append(f"<h{level}>{_esc(text)}</h{level}>")
        return self

    def paragraph(self, text: str, css: str | None = None) -> Page:
        cls = f' class="{_esc(css)}"' if css else ""
        self._blocks.append(f"<p{cls}>{_esc(text)}</p>")
        return self

    def bullets(self, items: Sequence[str]) -> Page:
        self._blocks.append("<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>")
        return self

    def code(self, text: str) -> Page:
        self._blocks.append(f"<pre>{_esc(text)}</pre>")
        return self

    def table(self, data: Any, columns: Sequence[str] | None = None, digits: int = 3,
              classes: dict[str, Any] | None = None) -> Page:
        """A table from a DataFrame or a list of rows (with ``columns``).

        ``classes`` maps a column name to a function of the cell's value
        giving a CSS class (e.g. the verdict's colour).
        """
        if hasattr(data, "to_dict") and hasattr(data, "columns"):
            columns = [str(c) for c in data.columns]
            rows = data.itertuples(index=False, name=None)
        else:
            rows = data
            columns = [str(c) for c in (columns or [])]
        classes = classes or {}
        head = "".join(f'<th class="t">{_esc(c)}</th>' for c in columns)
        body = []
        for row in rows:
            cells = []
            for c, v in zip(columns, row, strict=True):
                text, is_text = _cell(v, digits)
                cls = ["t"] if is_text else []
                if c in classes:
                    extra = classes[c](v)
                    if extra:
                        cls.append(str(extra))
                attr = f' class="{_esc(" ".join(cls))}"' if cls else ""
                cells.append(f"<td{attr}>{_esc(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        self._blocks.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        return self

    def figure(self, fig: Any, caption: str = "", png: str | None = None, dpi: int = 110) -> Page:
        """A matplotlib figure, embedded as a PNG (and kept as the file ``png`` when given); the figure is closed."""
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        try:
            fig.savefig(buf, format="png", dpi=dpi)
        finally:
            plt.close(fig)
        data = buf.getvalue()
        if png:
            self.pngs.append((str(png), data))
        b64 = base64.b64encode(data).decode("ascii")
        cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
        self._blocks.append(f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{b64}">{cap}</figure>')
        return self

    # -- output -------------------------------------------------------------------------------------

    def html(self) -> str:
        """The whole page (UTF-8 text; no external reference of any kind)."""
        from . import __version__

        sub = f'<p class="sub">{_esc(self.subtitle)}</p>' if self.subtitle else ""
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_esc(self.title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{_esc(self.title)}</h1>{sub}"
            + "\n".join(self._blocks)
            + f"<footer>neorealism {_esc(__version__)} — a self-contained report: every figure is embedded.</footer>"
            "</body></html>\n"
        )

    def write(self, path: str | Path, png_dir: str | Path | None = None) -> Path:
        """Write the page (atomically) and, into ``png_dir``, every figure kept as a file."""
        from .output import _atomic, atomic_write_text

        if png_dir is not None:
            d = Path(png_dir)
            d.mkdir(parents=True, exist_ok=True)
            for name, data in self.pngs:
                _atomic(d / name, lambda tmp, data=data: Path(tmp).write_bytes(data))
        return atomic_write_text(path, self.html())
