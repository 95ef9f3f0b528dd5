"""The editors' forms: the card editor's (a Card to form fields and back, what changed between two
revisions) and the digest editor's (at the end).

The form names every editable field of the Card. Lists of lines (authors, code links, review notes) are one per
line, and the first code link is the card's `code_url`;
results tables are cells `tables-T-row-R-C` under headings `tables-T-col-C`, with their page in `tables-T-page`,
and a ticked `tables-T-remove`, `tables-T-col-C-remove` or `tables-T-row-R-remove` drops a table, a column or a
row (the editor's script adds tables and columns); key numbers are rows `kn-I-<field>` whose hidden `kn-I-from`
carries the number a row started as, whole (its JSON; empty for a new row), so the fields the form does not
show (context, section, grounding) travel with it. Rows are kept in the order of their `kn-I-order`. The
card's other numbers travel the same way, `more-J-number` under `more-count`, and a ticked `more-J-pull` adds
one to the key numbers.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from summarizer.card import Card, KeyNumber, ResultsTable, code_url_from
from summarizer.digest.compose import Digest, Entry, QuickReference
from summarizer.errors import BadInput

__all__ = [
    "CHOICES",
    "DIFF_FIELDS",
    "DIGEST_TEXTS",
    "ENTRY_TEXTS",
    "LINE_LISTS",
    "TEXT_AREAS",
    "TEXT_FIELDS",
    "FieldDiff",
    "diff",
    "field_text",
    "form_layout",
    "link_target",
    "read_digest_form",
    "read_form",
]

# (field, label) in the order the editor shows them
TEXT_FIELDS = (
    ("name", "Short name"), ("headline", "Tagline"), ("title", "Paper title"), ("venue", "Venue"),
    ("peer_review_text", "Peer-review line"), ("submitted", "Submitted (YYYY-MM-DD)"),
    ("project_page", "Project page"),
)
TEXT_AREAS = (
    ("core_problem", "Core problem"), ("method", "Method"), ("results_text", "Results"),
    ("novelty", "Novelty"), ("credibility", "Credibility"), ("verdict", "Why read it"),
    ("resources_text", "Resources"), ("author_notes", "Author notes"),
)
LINE_LISTS = (
    ("authors", "Authors (one per line)"), ("institutions", "Institutions (one per line)"),
    ("categories", "Categories (one per line)"), ("code_urls", "Code links (one per line)"),
    ("quotes", "Quotes (one per line)"),
)
# every field the form writes, by its label: the editor's page and the edit-rates page name fields alike
FORM_LABELS = dict(TEXT_FIELDS + TEXT_AREAS + LINE_LISTS)
# what a draft asks an editor to check (card.needs_review), cleared by deleting its line; not in LINE_LISTS, as
# clearing a note corrects nothing of the draft (stats.py counts the corrections to LINE_LISTS)
REVIEW_NOTES = ("needs_review", "Review notes (one per line)")
# optional fields most drafts leave empty: the editor folds them under "More fields", open when one holds text
MORE_FIELDS = frozenset({"institutions", "categories", "quotes", "novelty", "credibility", "resources_text",
                         "author_notes"})
CHOICES = {
    "peer_review_status": ("accepted", "preprint", "unknown"),
    "code_status": ("released", "none", "unknown"),
}
NUMBER_FIELDS = ("metric", "setting", "value", "baseline", "page")
_OPTIONAL = {"name", "headline", "venue", "peer_review_text", "submitted", "project_page", "results_text",
             "novelty", "credibility", "verdict", "resources_text", "author_notes"}
# the fields a diff shows: all but the pipeline's bookkeeping (its timings and retrieval ids change every run)
DIFF_FIELDS = tuple(name for name in Card.model_fields if name not in ("provenance", "evidence"))
MAX_ROWS = 500  # per table or number list: a form is typed by a person
# where a field's content came from (Evidence.source), as the editor says it beside the field
SOURCES = {"arxiv_api": "from the arXiv entry", "pdf": "from the PDF", "model": "the model read",
           "parsed_table": "parsed table", "editor": "added by an editor"}


class FieldDiff(BaseModel):
    """One changed field between two revisions: its lines before and after, and a line-by-line diff."""

    model_config = ConfigDict(frozen=True)
    field: str
    before: list[str]
    after: list[str]
    lines: list[tuple[str, str]]  # (" ", "-" or "+", line)


def read_form(base: Card, form: Mapping[str, str]) -> tuple[Card, list[str]]:
    """The card `base` with every field the form holds replaced by the form's value, and what is wrong with
    it ([] when valid). When something is, the card is built without validation, to show the editor's form
    again with everything they typed (a refused save loses nothing)."""
    problems: list[str] = []
    update: dict[str, Any] = {}
    for name, _label in TEXT_FIELDS + TEXT_AREAS:
        if name in form:
            text = _clean(form[name])
            update[name] = text if text or name not in _OPTIONAL else None
            if name == "title" and not text:
                problems.append("the paper title cannot be empty")
    for name, _label in (*LINE_LISTS, REVIEW_NOTES):
        if name in form:
            update[name] = [line for line in (_clean(x) for x in form[name].splitlines()) if line]
    if "code_urls" in update:  # the exported reference card reads code_url: it follows the edited links
        update["code_url"] = code_url_from(update["code_urls"])
    for name, choices in CHOICES.items():
        if name in form:
            if form[name] in choices:
                update[name] = form[name]
            else:
                problems.append(f"{name} must be one of {', '.join(choices)}")
    try:
        if "tables-count" in form:
            update["results_tables"] = _tables(base, form, problems)
        if "kn-count" in form:
            update["key_numbers"], update["more_numbers"] = _numbers(base, form, problems)
    except BadInput as error:
        problems.append(str(error))
    if not problems:
        try:
            plain = {name: _plain(value) for name, value in update.items()}  # every value validated again
            return Card.model_validate({**base.model_dump(), **plain}), []
        except ValidationError as error:
            problems += [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    return base.model_copy(update=update), problems


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value.model_dump() if isinstance(value, BaseModel) else value


def _clean(text: str) -> str:
    """A field's text without surrounding blanks and with the browser's CRLF line ends as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _count(form: Mapping[str, str], key: str) -> int:
    try:
        count = int(form.get(key, "0"))
    except ValueError:
        raise BadInput(f"{key} must be a number") from None
    if not 0 <= count <= MAX_ROWS:
        raise BadInput(f"{key} must be between 0 and {MAX_ROWS}")
    return count


def _tables(base: Card, form: Mapping[str, str], problems: list[str]) -> list[ResultsTable]:
    """The tables as the form leaves them, ticked tables, columns and rows dropped. A table left blank adds
    nothing (as the blank row), and a table whose every column is ticked goes with its columns."""
    tables: list[ResultsTable] = []
    for t in range(_count(form, "tables-count")):
        prefix = f"tables-{t}"
        if form.get(f"{prefix}-remove"):
            continue
        kept = [c for c in range(_count(form, f"{prefix}-columns")) if not form.get(f"{prefix}-col-{c}-remove")]
        columns = [_clean(form.get(f"{prefix}-col-{c}", "")) for c in kept]
        rows: list[list[str]] = []
        for r in range(_count(form, f"{prefix}-rows")):
            if form.get(f"{prefix}-row-{r}-remove"):
                continue
            row = [_clean(form.get(f"{prefix}-row-{r}-{c}", "")) for c in kept]
            if any(row):  # the blank row at the end adds a row only when filled in
                rows.append(row)
        caption = _clean(form.get(f"{prefix}-caption", ""))
        if not kept or not (caption or any(columns) or rows):
            continue
        tables.append(ResultsTable(caption=caption, columns=columns, rows=rows, page=_page(base, form, t, problems)))
    return tables


def _page(base: Card, form: Mapping[str, str], t: int, problems: list[str]) -> int | None:
    """The page table `t` was parsed from. The form carries it: after a refused save the form shows the edited
    tables, which need not stand at their places in the card; a form without it (opened before the form carried
    pages) stands on the card's places."""
    if f"tables-{t}-page" not in form:
        return base.results_tables[t].page if t < len(base.results_tables) else None
    page = form[f"tables-{t}-page"].strip()
    if page and not page.isdecimal():
        problems.append(f"table {t + 1}: the page is a number")
    return int(page) if page.isdecimal() else None


def _numbers(base: Card, form: Mapping[str, str], problems: list[str]) -> tuple[list[KeyNumber], list[KeyNumber]]:
    """The key numbers as the form orders them, then the other numbers ticked to join them; and the other
    numbers left (the card's own when the form holds none)."""
    rows: list[tuple[float, int, KeyNumber]] = []
    for i in range(_count(form, "kn-count")):
        prefix = f"kn-{i}"
        if form.get(f"{prefix}-remove"):
            continue
        source = _carried(form, f"{prefix}-from", f"key number {i + 1}", problems)
        values = {name: _clean(form.get(f"{prefix}-{name}", "")) for name in NUMBER_FIELDS}
        if source is None and not any(values.values()):
            continue  # the blank row, left blank
        if not values["metric"] or not values["value"]:
            problems.append(f"key number {i + 1}: give both what it measures and its value")
        page, order = values["page"], form.get(f"{prefix}-order") or str(i + 1)
        if (page and not page.isdecimal()) or not _is_number(order):
            problems.append(f"key number {i + 1}: page and order are numbers")
        kept = source.model_dump() if source is not None else {"section": "results", "grounded": False}
        rows.append((float(order) if _is_number(order) else i + 1, i, KeyNumber.model_construct(**{
            **kept, "metric": values["metric"], "setting": values["setting"] or None, "value": values["value"],
            "baseline": values["baseline"] or None, "page": int(page) if page.isdecimal() else None,
        })))
    others: list[KeyNumber] = []
    for j in range(_count(form, "more-count")):
        number = _carried(form, f"more-{j}-number", f"other number {j + 1}", problems)
        if number is not None and form.get(f"more-{j}-pull"):
            rows.append((float("inf"), MAX_ROWS + j, number))  # after the rows, in the others' order
        elif number is not None:
            others.append(number)
    ordered = [number for _order, _i, number in sorted(rows, key=lambda row: (row[0], row[1]))]
    # a form without the other numbers (one posted by hand) leaves the card's as they are
    return ordered, others if "more-count" in form else base.more_numbers


def _is_number(text: str) -> bool:
    """A finite number ("2", "1.5"; not "inf" or "nan", which would sort nowhere)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _carried(form: Mapping[str, str], key: str, label: str, problems: list[str]) -> KeyNumber | None:
    """The number the form carries in `key` (None when empty: a row the editor added). The form carries the
    number itself, not its place in the card: after a refused save the form shows the edited numbers, whose
    places need not be the ones they have in the card the next save starts from."""
    text = form.get(key, "")
    if not text:
        return None
    try:
        return KeyNumber.model_validate_json(text)
    except ValidationError:
        problems.append(f"{label}: the form lost the number it started as; reload the page")
        return None


# --- links and notes -------------------------------------------------------------------------------------

# a link the pipeline stores without its scheme (drafting/assemble.py strips it): host.tld, a port, a path
_BARE_LINK = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?(?:[/?#]\S*)?",
                        re.IGNORECASE)
_WEB_LINK = re.compile(r"https?://\S+", re.IGNORECASE)


def link_target(url: str | None) -> str | None:
    """The address a stored link opens: an http(s) link as stored, a bare "github.com/x/y" as https; None for
    anything else (javascript:, data:, other schemes, text), which the editor shows as text."""
    if not url:
        return None
    if _WEB_LINK.fullmatch(url):
        return url
    return f"https://{url}" if _BARE_LINK.fullmatch(url) else None


def _note_field(note: str) -> str | None:
    """The form field a review note names first ("the verdict is left to an editor": verdict), if any."""
    names = [name for name, _label in TEXT_FIELDS + TEXT_AREAS + LINE_LISTS]
    found = [(match.start(), name) for name in names
             if (match := re.search(rf"\b{name.replace('_', ' ')}\b", note, re.IGNORECASE))]
    return min(found)[1] if found else None


def field_label(name: str) -> str:
    """A card field as the editor names it: its form label without the typing hint ("Authors (one per
    line)": "Authors"), else as the editor heads the rest ("results_tables": "Results tables")."""
    label = FORM_LABELS.get(name)
    return label.split(" (")[0] if label else name.replace("_", " ").capitalize()


def form_layout(card: Card) -> dict[str, Any]:
    """The editor's fields for `card` as editor.html groups them: each review note with the field it links to
    (the notes' own field when it names none), and whether "More fields" opens (one of them holds something,
    or a flagged number or a note points into it)."""
    notes = [(note, _note_field(note) or REVIEW_NOTES[0]) for note in card.needs_review]
    pointed = {f.field for f in card.grounding.flagged} | {field for _note, field in notes}
    return {
        "text_fields": TEXT_FIELDS, "text_areas": TEXT_AREAS, "line_lists": LINE_LISTS, "choices": CHOICES,
        "review_notes": REVIEW_NOTES, "labels": FORM_LABELS, "notes": notes, "sources": SOURCES,
        "more": MORE_FIELDS, "href": link_target,
        "more_open": any(getattr(card, name) for name in MORE_FIELDS) or bool(pointed & MORE_FIELDS),
    }


# --- diffs ---------------------------------------------------------------------------------------------


def field_text(name: str, value: Any) -> list[str]:
    """A field's value as lines an editor can compare: text by paragraph, lists by item, tables by row."""
    if value is None or value == "" or value == []:
        return []
    if name in ("key_numbers", "more_numbers"):
        return [_number_line(KeyNumber.model_validate(v)) for v in value]
    if name == "results_tables":
        lines: list[str] = []
        for table in (ResultsTable.model_validate(v) for v in value):
            lines += [f"[{table.caption}]", " | ".join(table.columns)] + [" | ".join(row) for row in table.rows]
        return lines
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [f"{key}: {value[key]}" for key in sorted(value)]
    return str(value).splitlines() or [""]


def _number_line(number: KeyNumber) -> str:
    setting = f" ({number.setting})" if number.setting else ""
    baseline = f" vs {number.baseline}" if number.baseline else ""
    page = f" [p. {number.page}]" if number.page else ""
    return f"{number.metric}{setting}: {number.value}{baseline}{page}"


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], fields: Sequence[str] = DIFF_FIELDS
) -> list[FieldDiff]:
    """Field-by-field differences from `before` (None: an empty card) to `after`, for the named fields."""
    changes: list[FieldDiff] = []
    for name in fields:
        old = field_text(name, None if before is None else before.get(name))
        new = field_text(name, after.get(name))
        if old == new:
            continue
        lines = [(line[0], line[2:]) for line in difflib.ndiff(old, new) if line[0] in " -+"]
        changes.append(FieldDiff(field=name, before=old, after=new, lines=lines))
    return changes


# --- the digest editor ------------------------------------------------------------------------------------

DIGEST_TEXTS = (("title", "Title"), ("dek", "Dek"), ("intro", "Intro"), ("closing", "Closing"))
ENTRY_TEXTS = (("name", "Short name"), ("headline", "Heading"), ("byline", "Authors / institution"),
               ("problem", "Core problem"), ("method", "Method"), ("results", "Results"),
               ("resources", "Resources"), ("peer_review", "Peer-review status"), ("why", "Why read it"))
EntryFor = Callable[[str], tuple[Entry, QuickReference] | None]


def read_digest_form(digest: Digest, form: Mapping[str, str], entry_for: EntryFor) -> tuple[Digest, list[str]]:
    """The digest as the editor's form leaves it, and what is wrong with the form (nothing is saved then).

    The form names each entry it showed by its paper: `entry-I-id` (I: its place on the page) with its
    fields `entry-I-<field>`, kept in the order of their `entry-I-order`; `entry-I-remove` drops one and
    `entry-I-swap` puts the card of another candidate in its place (entry_for makes its entry from that
    paper's card, None when it has none yet). Mentions are `mention-J-id`, `mention-J-note` and
    `mention-J-remove`. Entries are matched by paper, never by place, so a form opened on an older revision
    edits the papers it showed.
    """
    problems: list[str] = []
    texts = {name: " ".join(form.get(name, getattr(digest, name)).split()) for name, _ in DIGEST_TEXTS}
    if not texts["title"]:
        problems.append("the title is empty")
    current = {e.arxiv_id: e for e in digest.entries}
    references = {r.arxiv_id: r for r in digest.quick_reference}
    rows: list[tuple[float, int, Entry, QuickReference | None]] = []
    i = 0
    while f"entry-{i}-id" in form and i < MAX_ROWS:
        prefix, paper = f"entry-{i}-", form[f"entry-{i}-id"].strip()
        i += 1
        if form.get(prefix + "remove"):
            continue
        swap = form.get(prefix + "swap", "").strip()
        reference: QuickReference | None
        if swap and swap != paper:
            found = entry_for(swap)
            if found is None:
                problems.append(f"{swap} has no card yet: queue it and swap it in when its card is ready")
                continue
            entry, reference = found
        else:
            if paper in current:
                entry, reference = current[paper], references.get(paper)
            else:  # another editor removed it meanwhile: the form still holds it, rebuilt from its card
                found = entry_for(paper)
                if found is None:
                    problems.append(f"{paper} is no longer in this digest and has no card")
                    continue
                entry, reference = found
            entry = entry.model_copy(update={
                name: " ".join(form[prefix + name].split()) for name, _ in ENTRY_TEXTS if prefix + name in form})
        order_text = form.get(prefix + "order", str(i)).strip()
        try:
            order = float(order_text)
        except ValueError:
            problems.append(f"entry {i}: the position {order_text!r} is not a number")
            order = float(i)
        rows.append((order, i, entry, reference))
    rows.sort(key=lambda row: (row[0], row[1]))
    entries = [entry for _, _, entry, _ in rows]
    if len({e.arxiv_id for e in entries}) < len(entries):
        problems.append("a paper appears twice among the entries")
    known = {m.arxiv_id: m for m in digest.mentions}
    mentions = []
    j = 0
    while f"mention-{j}-id" in form and j < MAX_ROWS:
        prefix, paper = f"mention-{j}-", form[f"mention-{j}-id"].strip()
        j += 1
        if paper in known and not form.get(prefix + "remove"):
            mentions.append(known[paper].model_copy(
                update={"note": " ".join(form.get(prefix + "note", known[paper].note).split())}))
    shown = {e.arxiv_id for e in entries}
    quick = [r.model_copy(update={"name": e.name, "core_contribution": e.headline})
             for e, r in ((e, r) for _, _, e, r in rows if r is not None)]
    edited = digest.model_copy(update={
        **texts, "entries": entries, "quick_reference": quick,
        "mentions": [m for m in mentions if m.arxiv_id not in shown],
    })
    return edited, problems
