"""arXiv metadata as a reader sees it: titles and abstracts are written in TeX ("$36\\times$ higher", "90\\%",
"\\textbf{Zeta}"), which every step after ingest (the claims read from an abstract, the prompts, the digest)
wants as plain text ("36× higher", "90%", "Zeta").

Pure: text in, text out. pylatexenc parses; it runs nothing and reads no file.
"""

from __future__ import annotations

import logging
import re

from pylatexenc import latex2text, latexwalker, macrospec

logger = logging.getLogger(__name__)

# characters that are markup in TeX but plain text in an abstract, as arXiv shows it: a bare percent sign
# ("50% fewer", a comment in TeX that would drop the rest of the line), an ampersand ("R&D") and a tilde
# ("~2,900 GPU hours", a space in TeX); escaped, each stays itself
_LITERAL = {"%": r"\%", "&": r"\&", "~": r"\textasciitilde{}"}
_BARE = re.compile(r"(?<!\\)[%&~]")

# a macro abstracts use whose arguments pylatexenc's parser does not know (its converter does): a link
_PARSING = latexwalker.get_default_latex_context_db()
_PARSING.add_context_category("abstracts", macros=[macrospec.MacroSpec("href", "{{")])


class _Converter(latex2text.LatexNodes2Text):  # type: ignore[misc]  # pylatexenc has no type hints
    """pylatexenc's converter, keeping what a macro it has no text for holds: its arguments' text ("\\texttt{x}"
    -> "x"), or, without arguments, its name ("\\ours" -> "ours"): authors' own macros name their method."""

    def macro_node_to_text(self, node: latexwalker.LatexMacroNode) -> str:
        if self.latex_context.get_macro_spec(node.macroname) is None:
            arguments = [a for a in (node.nodeargd.argnlist if node.nodeargd else None) or [] if a is not None]
            if arguments:
                return "".join(str(self._groupnodecontents_to_text(a)) for a in arguments)
            return f"{node.macroname}{node.macro_post_space}"
        text: str = super().macro_node_to_text(node)
        return text


_CONVERTER = _Converter(math_mode="text")


def plain(text: str) -> str:
    """The text with its TeX markup rendered as plain text, spaces collapsed; the text itself where it does
    not render (left as the author wrote it rather than lost)."""
    try:
        nodes = latexwalker.LatexWalker(_BARE.sub(lambda found: _LITERAL[found.group(0)], text),
                                        latex_context=_PARSING, tolerant_parsing=True).get_latex_nodes()[0]
        rendered = str(_CONVERTER.nodelist_to_text(nodes))
    # pylatexenc fails on odd input in many ways (deep nesting: RecursionError; a macro short of its arguments,
    # "\\href{x}" alone: AttributeError, KeyError, IndexError): whatever it raises, the text is kept
    except Exception as exc:  # noqa: BLE001
        logger.warning("TeX not rendered, kept as written: %s", exc)
        rendered = text
    return " ".join((rendered if rendered.strip() or not text.strip() else text).split())
