"""A page of the site as a real HTML parser (``html.parser``) reads it, for the tests.

It records every element with its attributes and the text inside it (entities
decoded, as a browser shows them), so that a test can ask what a reader sees
in a paper's title and whether anything executable came from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Element]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                found.append(child)
            found.extend(child.find_all(tag, cls))
        return found

    def find(self, tag: str | None = None, cls: str | None = None) -> Element:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag or '*'} class={cls}> in the page"
        return found[0]

    def iter(self) -> list[Element]:
        return [self, *(node for child in self.children for node in child.iter())]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        names = [element.tag for element in self.open]
        assert tag in names, f"</{tag}> closes nothing: the markup is broken"
        while self.open[-1].tag != tag:
            self.open.pop()
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def parse(page: str) -> Element:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader.root


def executable(root: Element) -> list[str]:
    """Everything in the page that could run script, other than the site's own ``search.js``."""
    found = []
    for element in root.iter():
        for name, value in element.attrs.items():
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                found.append(f"<{element.tag} {name}={value!r}>")
        if element.tag == "script" and (element.text.strip()
                                        or not (element.attrs.get("src") or "").endswith(
                                            "search.js")):
            found.append(f"<script {element.attrs}>{element.text}")
        if element.tag in ("iframe", "object", "embed", "img", "svg", "math", "form", "base"):
            found.append(f"<{element.tag}>")
    return found
