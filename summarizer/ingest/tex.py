"""arXiv metadata as a reader sees it: titles and abstracts are written in TeX ("$36\\times$ higher", "90\\%",
"\\textbf{Zeta}"), which every step after ingest (the claims read from an abstract, the prompts, the digest)
wants as plain text ("36× higher", "90%", "Zeta").

Pure: text in, text out. pylatexenc parses; it runs nothing and reads no file.
"""

from __future__ import annotations

import re

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import LatexMacroNode, LatexWalkerError

# characters that are markup in TeX but plain text in an abstract, as arXiv shows it: a bare percent sign
# ("50% fewer", a comment in TeX that would drop the rest of the line), an ampersand ("R&D") and a tilde
# ("~2,900 GPU hours", a space in TeX); escaped, each stays itself
_LITERAL = {"%": r"\%", "&": r"\&", "~": r"\textasciitilde{}"}
_BARE = re.compile(r"(?<!\\)[%&~]")


class _Converter(LatexNodes2Text):  # type: ignore[misc]  # pylatexenc has no type hints
    """pylatexenc's converter, keeping an unknown macro's name ("\\ours" -> "ours") rather than dropping it:
    authors' own macros name their method."""

    def macro_node_to_text(self, node: LatexMacroNode) -> str:
        if self.latex_context.get_macro_spec(node.macroname) is None:
            return f"{node.macroname}{node.macro_post_space}"
        text: str = super().macro_node_to_text(node)
        return text


_CONVERTER = _Converter(math_mode="text")


def plain(text: str) -> str:
    """The text with its TeX markup rendered as plain text, spaces collapsed; the text itself where it does
    not parse (it is left as the author wrote it rather than lost)."""
    try:
        rendered = _CONVERTER.latex_to_text(_BARE.sub(lambda found: _LITERAL[found.group(0)], text))
    except (LatexWalkerError, RecursionError):
        rendered = text
    return " ".join(str(rendered).split())
