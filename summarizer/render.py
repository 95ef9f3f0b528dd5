"""Cards as JSON and as Markdown that reads like one entry of the seed digests."""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, StrictUndefined

from summarizer.card import Card

# emphasis, code spans, links and images, table cells, strikethrough (GFM), escapes themselves
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md_escape(text: object) -> str:
    """Escape Markdown and HTML syntax in untrusted text (paper and model output, editors' edits)."""
    text = _ENTITY.sub("&amp;", str(text)).replace("<", "&lt;").replace(">", "&gt;")
    # str.split() breaks at every line break Python knows (\r, \v, \x85, \u2028, ...), not only \n, so
    # none can start a line of its own; collapsing the other runs of spaces too means a field cannot end
    # in the two spaces of a hard line break, nor start with the four of a code block
    return " ".join(_MD_SPECIAL.sub(r"\\\1", text).split())


# what makes a line a heading, a list item, a rule or a setext underline when it starts the line
_BLOCK_START = re.compile(r"^(\s*)(#|[-+=]|\d+(?=[.)]))")


def md_block(text: object) -> str:
    """md_escape for a field that starts a block (a paragraph, a caption, a list item's first words): it
    cannot turn into a heading, a (nested) list or a rule either."""
    escaped = md_escape(text)
    match = _BLOCK_START.match(escaped)
    if match is None:
        return escaped
    if match.group(2)[0].isdigit():  # "1. x" -> "1\. x"
        end = match.end()
        return escaped[:end] + "\\" + escaped[end:]
    return escaped[:match.start(2)] + "\\" + escaped[match.start(2):]


def md_cell(text: object) -> str:
    return md_escape(text) if str(text).strip() else " "


_ENV = Environment(
    loader=PackageLoader("summarizer", "templates"), undefined=StrictUndefined,
    autoescape=False,  # Markdown, not HTML: every untrusted value goes through the md filter instead
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
)
_ENV.filters["md"] = md_escape
_ENV.filters["md_block"] = md_block
_ENV.filters["cell"] = md_cell


def render_markdown(template: str, **context: object) -> str:
    """A Markdown template of summarizer/templates, its untrusted values escaped by the `md` filter."""
    text = _ENV.get_template(template).render(**context)
    # paragraphs are separated by one blank line; table and list lines stay together
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def markdown(card: Card) -> str:
    """One digest entry: heading, byline, problem, method, results table, resources, why read it."""
    return render_markdown("card.md.j2", card=card)


def json_text(card: Card) -> str:
    return card.model_dump_json(indent=2) + "\n"
