"""The edit rate: per card field, how often editors changed the model's draft before publishing, by week."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from summarizer.service.editing import FORM_LABELS, field_label

__all__ = ["EDITED_FIELDS", "EditRates", "edit_rates"]

# the fields an editor writes (what the editor shows), plus the tables and numbers, with their labels
EDITED_FIELDS = {name: field_label(name) for name in (
    *FORM_LABELS, "peer_review_status", "code_status", "results_tables", "key_numbers",
)}


class EditRates(BaseModel):
    """Cards reviewed and, per field, the share of them where editors changed the model's draft."""

    model_config = ConfigDict(frozen=True)
    period: str  # an ISO week "2026-W48", or "all"
    cards: int
    rates: dict[str, float]


def edit_rates(corrections: Iterable[tuple[datetime, dict[str, Any], dict[str, Any]]]) -> list[EditRates]:
    """Edit rates per ISO week, newest first, then over all time ([] when nothing was reviewed)."""
    weeks: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    every: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for when, draft, edited in corrections:
        year, week, _day = when.isocalendar()
        weeks.setdefault(f"{year}-W{week:02d}", []).append((draft, edited))
        every.append((draft, edited))
    if not every:
        return []
    return [_rates(period, weeks[period]) for period in sorted(weeks, reverse=True)] + [_rates("all", every)]


def _rates(period: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> EditRates:
    return EditRates(period=period, cards=len(pairs), rates={
        name: sum(draft.get(name) != edited.get(name) for draft, edited in pairs) / len(pairs)
        for name in EDITED_FIELDS
    })
