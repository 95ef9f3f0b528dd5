"""The web side: the JSON API (`summarizer.web.api`); editor pages will live beside it."""
