"""Client side: an HTML page of the shop -> WebShop's text observation and its clickable elements.

The visible text is read in document order; each text run and each link becomes one segment,
and segments are joined with `` [SEP] `` as in WebShop's text mode::

    Instruction: [SEP] i need ... [SEP] Back to Search [SEP] Page 1 (Total results: 50) [SEP]
    Next > [SEP] B0ABCDEFGH [SEP] Lumora Aria Cotton Crew Neck T-Shirt [SEP] $12.99 [SEP] ...

Links are the clickable elements, named by their text (``Back to Search``, ``Next >``, an ASIN,
an option value, ``Buy Now``); a page with a form has a search box. ``<meta>`` tags (the page
kind, its canonical state, ...) are collected apart from the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Page", "parse_page", "element_key"]

SEP = " [SEP] "


def element_key(text: str) -> str:
    """How a clicked name is matched to an element: case and spacing do not matter."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Page:
    """One fetched page, as the agent sees it.

    Attributes:
        kind: ``search``, ``results``, ``item``, ``description``, ``features``, ``done`` or ``error``.
        state: the page's canonical address without the session (the server's ``state`` meta).
        text: the observation: the visible text, ``[SEP]``-separated.
        clickables: ``(name, href)`` of each link, in page order (first of equal names only).
        search_action: the search form's address, or None where there is no search box.
        meta: every ``<meta name=... content=...>``.
    """

    kind: str
    state: str
    text: str
    clickables: tuple[tuple[str, str], ...]
    search_action: str | None
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def find(self, name: str) -> str | None:
        """The href of the element called ``name`` (any case and spacing), or None."""
        key = element_key(name)
        for label, href in self.clickables:
            if element_key(label) == key:
                return href
        return None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.meta: dict[str, str] = {}
        self.form_action: str | None = None
        self._text: list[str] = []
        self._href: str | None = None
        self._skip = 0  # inside <head>, <title>, <script>, <style>

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        self._text = []
        if text:
            self.segments.append(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "name" in a:
            self.meta[a["name"] or ""] = a.get("content") or ""
        elif tag in ("head", "title", "script", "style"):
            self._skip += 1
        elif tag == "a":
            self._flush()
            self._href = a.get("href") or ""
        elif tag == "form":
            self.form_action = a.get("action") or ""
        elif self._href is None:
            self._flush()  # block and inline elements alike separate segments (but not inside a link)

    def handle_endtag(self, tag):
        if tag in ("head", "title", "script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._href is not None:
            label = " ".join("".join(self._text).split())
            self._text = []
            if label:
                self.segments.append(label)
                self.links.append((label, self._href))
            self._href = None
        elif self._href is None:
            self._flush()

    def handle_data(self, data):
        if not self._skip:
            self._text.append(data)


def parse_page(html: str) -> Page:
    """Read one page of the shop."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader._flush()
    seen: set[str] = set()
    clickables = []
    for label, href in reader.links:
        key = element_key(label)
        if key not in seen:
            seen.add(key)
            clickables.append((label, href))
    return Page(
        kind=reader.meta.get("page", "error"),
        state=reader.meta.get("state", ""),
        text=SEP.join(reader.segments),
        clickables=tuple(clickables),
        search_action=reader.form_action,
        meta=reader.meta,
    )
