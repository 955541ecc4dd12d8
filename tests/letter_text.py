"""The client letter's text as a reader meets it: the ``main`` element's blocks, each one ending a sentence.

Used by the letter's readability test and by benchmarks/letter_readability.py (which measures the same text).
"""

from __future__ import annotations

from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "dt", "dd"}


class _Blocks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.blocks, self.current, self.depth = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth = 1
        elif tag in BLOCKS and self.depth:
            self._close()

    def handle_endtag(self, tag):
        if tag in BLOCKS or tag == "main":
            self._close()
        if tag == "main":
            self.depth = 0

    def handle_data(self, data):
        if self.depth and data.strip():
            self.current.append(data.strip())

    def _close(self):
        if self.current:
            self.blocks.append(" ".join(self.current))
            self.current = []


def letter_sentences(html: str) -> str:
    """The letter's main text, each block (heading, paragraph, list item) ending a sentence as a reader pauses."""
    parser = _Blocks()
    parser.feed(html)
    return " ".join(b if b[-1] in ".:;!?" else f"{b}." for b in parser.blocks)
