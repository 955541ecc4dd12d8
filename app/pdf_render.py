"""Render a self-contained HTML document to a tagged PDF: HTML on stdin, PDF on stdout.

Run as a script in its own short-lived process (``python -I app/pdf_render.py``), never imported by the web
workers: WeasyPrint with Pango, fontTools and its CSS engine costs each process that imports it about 35 MB
of private memory for good (measured), which two workers cannot afford on a 512 MB dyno under load. The
process exits after one document, so its memory goes back at once.
"""

import logging
import sys


def main() -> int:
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its INFO lines narrate every rendering step
    html = sys.stdin.buffer.read().decode("utf-8")
    # PDF/UA-1: structure tree (tags), document language and title.
    sys.stdout.buffer.write(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
