"""Every text field of a Card, however hostile, stays text: in the Markdown entry, the digest and the HTML pages.

The cards are built by walking the pydantic fields, so a field added to the Card later is covered here
without touching this file.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any, Literal, Union, get_args, get_origin

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from pydantic import BaseModel

from summarizer import render
from summarizer.card import Card
from summarizer.digest import compose
from summarizer.service import publishing, web

MARKUP = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href='javascript:alert(1)'>x</a>",
    "[x](javascript:alert(1))", "![x](https://evil.example/x.png)", "<https://evil.example>", "`code`", "```",
    "~~~", "~~struck~~", "*em*", "__strong__", "|", "| a | b |", "\\", "&lt;b&gt;", "&#60;i&#62;", "&amp;",
    "\"'", "{{ 7*7 }}", "    indented", "  ", "-->", "]]>",
]
BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\v", "\f", "\x1c", "\x1e", "  \n", "\\\n"]
# what a field would print at the start of a line of its own if a break inside it were kept
FORGED = ["# Forged", "## Forged", "- forged item", "1. forged", "> forged", "Accepted at Nature", "=====",
          "| forged | row |"]
FORGED_TUPLE = tuple(FORGED)
PIECES = (st.sampled_from(MARKUP) | st.sampled_from(FORGED)
          | st.tuples(st.sampled_from(BREAKS), st.sampled_from(FORGED)).map("".join) | st.text(max_size=12))
# non-blank, as the harmless text is: a blank field is left out of an entry, which is no forgery
HOSTILE = st.lists(PIECES, min_size=1, max_size=5).map("".join).filter(str.strip)
SCALARS: dict[object, st.SearchStrategy[Any]] = {
    int: st.integers(0, 40), float: st.floats(0, 100), bool: st.booleans(),
}
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])  # GitHub's flavour, as readers see it


def _value(draw: Callable[[st.SearchStrategy[Any]], Any], annotation: Any) -> Any:
    """A value of the annotated type: hostile text for every str (keys too), two items per list."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is str:
        return draw(HOSTILE)
    if origin is Literal:
        return draw(st.sampled_from(args))
    if origin in (Union, types.UnionType):  # Optional: always filled, so every field is shown
        return _value(draw, next(a for a in args if a is not type(None)))
    if origin is list:
        return [_value(draw, args[0]) for _ in range(2)]
    if origin is dict:
        return {_value(draw, args[0]): _value(draw, args[1])}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: _value(draw, field.annotation) for name, field in annotation.model_fields.items()}
    if annotation in SCALARS:
        return draw(SCALARS[annotation])
    raise TypeError(f"a Card field of type {annotation!r}: teach this test to fill it")


@st.composite
def hostile_cards(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Card:
    return Card.model_validate(_value(draw, Card))


def _harmless(value: Any) -> Any:
    """The same card with every text replaced by a plain word (choices, numbers and flags kept)."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return {name: getattr(value, name) if get_origin(field.annotation) is Literal else
                _harmless(getattr(value, name)) for name, field in fields.items()}
    if isinstance(value, str):
        return "plain"
    if isinstance(value, list):
        return [_harmless(v) for v in value]
    if isinstance(value, dict):
        return {_harmless(k): _harmless(v) for k, v in value.items()}
    return value


def _digest(card: Card) -> compose.Digest:
    made = compose.entry(card, revision=1, reason="")
    return compose.Digest(date="2031-03-04", title="One paper", dek="The dek.", intro="The intro.",
                          entries=[made], quick_reference=[compose.quick_reference(made, card)])


def _markdown_shape(text: str) -> list[tuple[str, str]]:
    """The blocks a Markdown reader sees, and inside them every inline element but plain text."""
    shape = []
    for token in MD.parse(text):
        shape.append((token.type, token.tag))
        shape += [(child.type, child.tag) for child in token.children or [] if child.type != "text"]
    return shape


class _Elements(HTMLParser):
    """Every element and attribute name of a page, in order, and the links' targets."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.links: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(name for name, _ in attrs)))
        self.links += [value or "" for name, value in attrs if name == "href"]


def _renderings(card: Card) -> dict[str, str]:
    digest = _digest(card)
    return {"entry.md": render.markdown(card), "digest.md": compose.markdown(digest)}


def _pages(card: Card) -> dict[str, str]:
    # the editor's live preview (the route's own response) and the published digest's body
    preview = web._fragment("entry.html", 200, card=card).body
    return {"preview": bytes(preview).decode(), "published": publishing.body(_digest(card))}


@settings(max_examples=50, deadline=None)
@given(hostile_cards())
def test_no_card_field_adds_a_line_a_heading_a_row_or_markup_to_the_markdown(card: Card) -> None:
    plain = Card.model_validate(_harmless(card))
    for (name, text), expected in zip(_renderings(card).items(), _renderings(plain).values(), strict=True):
        assert _markdown_shape(text) == _markdown_shape(expected), name
        lines = text.splitlines()
        assert len(lines) == len(expected.splitlines()) == text.count("\n"), name
        assert "<" not in text, name
        # a line the template starts with a field (a caption) may start with any text; no other line may
        own = [line.startswith(FORGED_TUPLE) for line, harmless in zip(lines, expected.splitlines(), strict=True)
               if not harmless.startswith("plain")]
        assert not any(own), name


@settings(max_examples=50, deadline=None)
@given(hostile_cards())
def test_no_card_field_adds_an_element_an_attribute_or_a_link_to_the_pages(card: Card) -> None:
    plain = Card.model_validate(_harmless(card))
    for (name, page), expected in zip(_pages(card).items(), _pages(plain).values(), strict=True):
        seen = _Elements(page)
        assert seen.elements == _Elements(expected).elements, name
        assert all(link.startswith("https://arxiv.org/abs/") for link in seen.links), name


def test_a_bare_carriage_return_in_a_field_cannot_forge_a_line_of_the_entry() -> None:
    card = Card(title="T", arxiv_id="2401.00001\rAccepted at Nature", version="v1\r# Forged",
                submitted="2024-01-01\u2028- forged item", venue="Nowhere\rAccepted at Nature",
                peer_review_status="preprint")

    text = render.markdown(card)

    assert "ArXiv: 2401.00001 Accepted at Naturev1 # Forged · Venue: Nowhere Accepted at Nature" in text
    assert "Preprint (submitted 2024-01-01 - forged item)." in text
    assert not any(line.startswith(("Accepted at", "# Forged", "- forged")) for line in text.splitlines())
