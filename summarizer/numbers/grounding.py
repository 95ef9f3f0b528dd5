"""The last stage of a card: every number in it checked against the paper's text, ungrounded ones removed."""

from __future__ import annotations

import re
from typing import Literal

from summarizer.card import Card, FlaggedNumber, Grounding, KeyNumber, ResultsTable
from summarizer.numbers import pointers
from summarizer.numbers.normalise import DASHES, PaperNumbers, numbers_in, paper_numbers

PROSE_FIELDS = ("headline", "core_problem", "method", "results_text", "verdict")


def check(card: Card, pages: list[str], *, remove_ungrounded: bool = True) -> Card:
    """Check every number of the card against the paper; remove (or flag) what the paper does not print.

    A number holds when it is printed on the page the card cites for it (for prose: one of the pages of
    its evidence; anywhere when it cites none), with its sign when it has one, and not only as a page
    number, a citation or a date (`PaperNumbers`); a citation in the prose holds when the paper prints the
    same citation ("Smith et al., 2019", "[12]"). Removed numbers leave a visible "[number not in
    paper]" in the prose and are listed in `grounding.flagged`, so the editor sees what the model
    claimed; nothing ungrounded is published.
    """
    paper = paper_numbers(tuple(pages))
    checked = held = 0
    flagged: list[FlaggedNumber] = []
    updates: dict[str, object] = {}
    for field in PROSE_FIELDS:
        text = getattr(card, field)
        if not text:
            continue
        evidence = card.evidence_for(field)
        cited = evidence.pages if evidence and evidence.pages else None
        for number in dict.fromkeys(numbers_in(_without_printed_citations(text, paper))):
            checked += 1
            if paper.has(number) if cited is None else any(paper.on_page(number, p) for p in cited):
                held += 1
                continue
            action: Literal["removed", "flagged"] = "removed" if remove_ungrounded else "flagged"
            flagged.append(FlaggedNumber(field=field, number=number, action=action))
            text = _mark(text, number, remove=remove_ungrounded)
        updates[field] = text
    for number_field in ("key_numbers", "more_numbers"):
        kept: list[KeyNumber] = []
        for kn in getattr(card, number_field):
            parts = [kn.value] + (re.split(r";\s*", kn.baseline) if kn.baseline else [])
            found = [(part, numbers_in(part)) for part in parts]
            values = [n for _, numbers in found for n in numbers]
            words = [part for part, numbers in found if not numbers]  # "unpublished", a grant id: as printed
            if kn.section == "metadata":  # a date, a DOI, a citation year (publication.facts): no result,
                # and no number of it counts alone; the whole value must be printed on its page
                words, values = parts, []
            ok = (all(paper.on_page(v, kn.page) or (kn.page is None and paper.has(v)) for v in values)
                  and all(paper.prints(w, kn.page) for w in words))
            checked += 1
            held += ok
            if ok:
                kept.append(kn)
            else:
                flagged.append(FlaggedNumber(field=number_field, number=kn.value, action="removed"))
        updates[number_field] = kept
    tables: list[ResultsTable] = []
    for table in card.results_tables:
        rows = []
        for row in table.rows:
            cells_ok = True
            for cell in row[1:]:
                for number in numbers_in(cell):
                    checked += 1
                    good = paper.on_page(number, table.page) if table.page else paper.has(number)
                    held += good
                    cells_ok &= good
                    if not good:
                        flagged.append(FlaggedNumber(field="results_tables", number=number, action="removed"))
            if cells_ok:
                rows.append(row)
        if rows:
            tables.append(table.model_copy(update={"rows": rows}))
    needs_review = list(card.needs_review)
    if flagged and "ungrounded numbers" not in needs_review:
        needs_review.append("ungrounded numbers")
    return card.model_copy(update={
        **updates, "results_tables": tables, "needs_review": needs_review,
        "grounding": Grounding(checked=checked, held=held, flagged=flagged),
    })


def _without_printed_citations(text: str, paper: PaperNumbers) -> str:
    """The prose without the citations the paper itself prints: their years and labels are the paper's."""
    for start, end in reversed(pointers.citations(text)):
        if paper.prints(text[start:end], None):
            text = f"{text[:start]}{' ' * (end - start)}{text[end:]}"
    return text


def _mark(text: str, number: str, *, remove: bool) -> str:
    """Make an ungrounded number visible to the editor (or drop it) in normalised prose."""
    # the prose may print U+2212 for "-"; an unsigned number is not the tail of a signed one
    sign = {"-": f"[-{DASHES}]", "+": r"\+"}.get(number[:1], f"(?<![-+{DASHES}])")
    pattern = re.compile(r"(?<![\w.,])" + sign + re.escape(number.lstrip("+-")) + r"(?![\d])")
    marker = "[number not in paper]" if remove else r"\g<0> [not in paper]"
    marked, n = pattern.subn(marker, text)
    if n == 0:  # written with other separators or signs than the normalised form: say so at the end
        marked = f"{text} [{'removed' if remove else 'not in paper'}: {number}]"
    return marked
