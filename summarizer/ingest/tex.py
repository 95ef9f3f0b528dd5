"""arXiv metadata as a reader sees it: titles and abstracts are written in TeX ("$36\\times$ higher", "90\\%",
"\\textbf{Zeta}"), which every step after ingest (the claims read from an abstract, the prompts, the digest)
wants as plain text ("36× higher", "90%", "Zeta").

Pure: text in, text out. pylatexenc parses; it runs nothing and reads no file.
"""

from __future__ import annotations

import itertools
import logging
import re

from pylatexenc import latex2text, latexwalker, macrospec

logger = logging.getLogger(__name__)

# characters that are markup in TeX but plain text in an abstract, as arXiv shows it: a bare percent sign
# ("50% fewer", a comment in TeX that would drop the rest of the line), an ampersand ("R&D") and a tilde
# ("~2,900 GPU hours", a space in TeX); escaped, each stays itself
_LITERAL = {"%": r"\%", "&": r"\&", "~": r"\textasciitilde{}"}
_BARE = re.compile(r"(?<!\\)[%&~]")
# dollar signs that price something: "$5 and $10 per run" reads in TeX as the formula "5 and ", but a "formula"
# that is a number running into words (no markup, a word of three letters or more: not "$10 dB$") is money, and so
# is a "$" before a number that no later "$" closes ("at a cost of $50.")
_DOLLAR = re.compile(r"(?<!\\)\$")
_PRICED = re.compile(r"\d[^\\^_{}]*\s[A-Za-z]{3,}[^\\^_{}]*")

# a macro abstracts use whose arguments pylatexenc's parser does not know (its converter does): a link
_PARSING = latexwalker.get_default_latex_context_db()
_PARSING.add_context_category("abstracts", macros=[macrospec.MacroSpec("href", "{{")])


class _Converter(latex2text.LatexNodes2Text):  # type: ignore[misc]  # pylatexenc has no type hints
    """pylatexenc's converter, keeping what a macro it has no text for holds: its arguments' text ("\\texttt{x}"
    -> "x"), or, without arguments, its name ("\\ours" -> "ours"): authors' own macros name their method.
    An authors' macro before a braced argument ("\\method{Zeta}") is that argument's text alone ("\\ours{}"
    stays "ours"): the parser does not know it takes one, so the argument follows as a group. One converter
    per text: it keeps those macros."""

    def __init__(self) -> None:
        super().__init__(math_mode="text")
        self._wrapping: set[int] = set()  # the ids of authors' macros right before their braced argument

    def nodelist_to_text(self, nodelist: list[latexwalker.LatexNode]) -> str:
        for node, following in itertools.pairwise(nodelist):
            if (node is not None and node.isNodeType(latexwalker.LatexMacroNode) and not node.macro_post_space
                    and not (node.nodeargd and node.nodeargd.argnlist) and following is not None
                    and following.isNodeType(latexwalker.LatexGroupNode) and _holds_text(following)
                    and self.latex_context.get_macro_spec(node.macroname) is None):
                self._wrapping.add(id(node))
        text: str = super().nodelist_to_text(nodelist)
        return text

    def macro_node_to_text(self, node: latexwalker.LatexMacroNode) -> str:
        if id(node) in self._wrapping:
            return ""
        if self.latex_context.get_macro_spec(node.macroname) is None:
            arguments = [a for a in (node.nodeargd.argnlist if node.nodeargd else None) or [] if a is not None]
            if arguments:
                return "".join(str(self._groupnodecontents_to_text(a)) for a in arguments)
            return f"{node.macroname}{node.macro_post_space}"
        text: str = super().macro_node_to_text(node)
        return text


def _holds_text(group: latexwalker.LatexGroupNode) -> bool:
    """Whether a braced group holds more than spaces ("{Zeta}", not "{}" or "{ }")."""
    return any(node is not None and not (node.isNodeType(latexwalker.LatexCharsNode) and not node.chars.strip())
               for node in group.nodelist)


def plain(text: str) -> str:
    """The text with its TeX markup rendered as plain text, spaces collapsed; the text itself where it does
    not render (left as the author wrote it rather than lost)."""
    try:
        nodes = latexwalker.LatexWalker(_source(text), latex_context=_PARSING,
                                        tolerant_parsing=True).get_latex_nodes()[0]
        rendered = str(_Converter().nodelist_to_text(nodes))
    # pylatexenc fails on odd input in many ways (deep nesting: RecursionError; a macro short of its arguments,
    # "\\href{x}" alone: AttributeError, KeyError, IndexError): whatever it raises, the text is kept
    except Exception as exc:  # noqa: BLE001
        logger.warning("TeX not rendered, kept as written: %s", exc)
        rendered = text
    return " ".join((rendered if rendered.strip() or not text.strip() else text).split())


def _source(text: str) -> str:
    """The text with what is plain text in an abstract, but markup in TeX, escaped (`_LITERAL`, prices)."""
    text = _BARE.sub(lambda found: _LITERAL[found.group(0)], text)
    dollars = [found.start() for found in _DOLLAR.finditer(text)]
    prices: list[int] = []
    n = 0
    while n < len(dollars):
        at = dollars[n]
        closing = dollars[n + 1] if n + 1 < len(dollars) else None
        if text[at + 1:at + 2].isdigit() and (closing is None or _PRICED.fullmatch(text[at + 1:closing])):
            prices.append(at)  # a price: the next "$" is looked at afresh
            n += 1
        else:
            n += 2  # a formula and the "$" that closes it
    for at in reversed(prices):
        text = f"{text[:at]}\\{text[at:]}"
    return text
