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
# dollar signs that price something: "$5 and $10 per run" reads in TeX as the formula "5 and ", but a formula
# of a number and words, with no markup in it, is money; where the dollars do not pair, a "$" before a number
# is a price
_PRICED = re.compile(r"\d[^\\^_{}]*\s[A-Za-z]{2,}[^\\^_{}]*")
_DOLLAR = re.compile(r"(?<!\\)\$")
_PRICE = re.compile(r"(?<!\\)\$(?=\d)")

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
                    and following.isNodeType(latexwalker.LatexGroupNode) and following.nodelist
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
    """The text with what is plain text in an abstract, but markup in TeX, escaped (`_LITERAL`, dollars)."""
    text = _BARE.sub(lambda found: _LITERAL[found.group(0)], text)
    if len(_DOLLAR.findall(text)) % 2:  # an unpaired "$": the prices, not a formula that never ends
        return _PRICE.sub(r"\\$", text)
    parts = _DOLLAR.split(text)  # text, formula, text, formula, ..., text
    for n in range(1, len(parts), 2):
        delimiter = r"\$" if _PRICED.fullmatch(parts[n]) else "$"
        parts[n] = f"{delimiter}{parts[n]}{delimiter}"
    return "".join(parts)
