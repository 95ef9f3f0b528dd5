"""One settings object: preset, then environment (flat and nested names), then explicit overrides."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from summarizer.errors import ConfigError
from summarizer.settings import Settings, load, masked_url
from workers.celery_app import celery_config


def test_defaults_are_the_embedded_stack() -> None:
    s = load(env={})
    assert s.llm.base_url is None and s.llm.gguf == "qwen2.5-coder-1.5b"
    assert s.index.chroma_url is None and s.database_url.startswith("sqlite")
    assert s.arxiv.min_interval_s == 3.0 and s.arxiv.max_pdf_bytes == 50 * 1024 * 1024


def test_environment_beats_preset_and_overrides_beat_environment() -> None:
    env = {"SUMMARIZER_PRESET": "local-tiny", "SUMMARIZER_LLM__N_CTX": "1234",
           "SUMMARIZER_LLM_BASE_URL": "http://127.0.0.1:8080/v1", "SUMMARIZER_CHROMA_URL": "http://127.0.0.1:8000"}
    s = load(env=env)
    assert s.llm.gguf == "smollm2-135m" and s.llm.n_ctx == 1234
    assert s.llm.base_url == "http://127.0.0.1:8080/v1" and s.index.chroma_url == "http://127.0.0.1:8000"
    assert load(env=env, llm={"n_ctx": 99}).llm.n_ctx == 99


def test_a_misspelt_setting_is_an_error_not_ignored() -> None:
    with pytest.raises(ConfigError, match="SUMMARIZER_LLM__TIMEOUT: Extra inputs are not permitted"):
        load(env={"SUMMARIZER_LLM__TIMEOUT": "3"})
    with pytest.raises(ConfigError, match="unknown preset"):
        load("no-such-preset", env={})


def test_a_bad_setting_names_the_variable_but_never_echoes_its_value() -> None:
    with pytest.raises(ConfigError) as caught:
        load(env={"SUMMARIZER_LLM__TEMPERATURE": "sk-secret-looking-value"})
    assert "SUMMARIZER_LLM__TEMPERATURE" in str(caught.value) and "sk-secret" not in str(caught.value)


def _variables(model: type[BaseModel], prefix: str = "SUMMARIZER_") -> list[str]:
    """The nested environment name of every setting, found by walking the models (new ones included)."""
    names = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += _variables(kind, f"{prefix}{name.upper()}__")
        else:
            names.append(prefix + name.upper())
    return names


SECRETS = ("sk-live-0123456789abcdef", "postgresql+psycopg://editor:hunter2-pw@db.internal:notaport/cards")


def test_no_settings_error_repeats_the_value_whichever_variable_a_secret_was_pasted_into() -> None:
    refused = set()
    for variable in [*_variables(Settings), "SUMMARIZER_LLM__API_KYE", "SUMMARIZER_WEB__PASSWORD"]:
        for secret in SECRETS:
            try:
                load(env={variable: secret})
            except ConfigError as exc:
                refused.add(variable)
                assert variable in str(exc) or variable.startswith("SUMMARIZER_DIGEST__"), str(exc)
                assert "0123456789abcdef" not in str(exc) and "hunter2" not in str(exc), (variable, str(exc))
    # the check has teeth: numbers, choices, times, zones, the database URL and misspelt names are refused
    assert {"SUMMARIZER_LLM__TEMPERATURE", "SUMMARIZER_LLM__JSON_MODE", "SUMMARIZER_DIGEST__TIMEZONE",
            "SUMMARIZER_DIGEST__CATEGORIES", "SUMMARIZER_DATABASE_URL", "SUMMARIZER_LLM__API_KYE"} <= refused


def test_a_malformed_database_url_is_a_settings_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="SUMMARIZER_DATABASE_URL: Value error, not a database URL"):
        load(env={"SUMMARIZER_DATABASE_URL": "editor:hunter2 at db.internal"})
    assert load(env={"SUMMARIZER_DATABASE_URL": "sqlite:///:memory:"}).database_url == "sqlite:///:memory:"


def test_the_api_key_is_masked_everywhere_but_where_it_is_sent() -> None:
    settings = load(env={"SUMMARIZER_LLM_API_KEY": "sk-live-0123456789abcdef"})

    shown = [repr(settings), str(settings.llm), settings.model_dump_json(), str(settings.model_dump())]
    assert not any("0123456789abcdef" in text for text in shown)
    assert settings.llm.api_key is not None
    assert settings.llm.api_key.get_secret_value() == "sk-live-0123456789abcdef"


def test_urls_in_errors_and_logs_show_no_password() -> None:
    assert masked_url("redis://:hunter2@cache.internal:6379/0") == "redis://:***@cache.internal:6379/0"
    assert masked_url("postgresql+psycopg://editor:p@ss:w0rd@db.internal/cards") == \
        "postgresql+psycopg://editor:***@db.internal/cards"
    # a bad port stays readable (it is what the error is about); a URL without a password is left as it is
    assert masked_url("http://u:hunter2@chroma:notaport") == "http://u:***@chroma:notaport"
    assert masked_url("sqlite:///:memory:") == "sqlite:///:memory:"
    assert "hunter2" not in masked_url("http://u:hunter2@[::1")


def test_beat_starts_the_nightly_digest_at_the_configured_time_in_the_configured_zone() -> None:
    config = celery_config(load(env={"SUMMARIZER_DIGEST__AT": "05:45", "SUMMARIZER_DIGEST__TIMEZONE": "Asia/Tokyo"}))

    entry = config["beat_schedule"]["nightly-digest"]
    assert entry["task"] == "summarizer.digest"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({5}, {45})
    assert config["timezone"] == "Asia/Tokyo"
    assert config["task_routes"]["summarizer.digest"]["queue"] == "llm"


def test_digest_settings_refuse_an_unknown_time_zone_a_bad_time_and_a_bad_category() -> None:
    for env, name in (({"SUMMARIZER_DIGEST__TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
                      ({"SUMMARIZER_DIGEST__AT": "25:00"}, "SUMMARIZER_DIGEST__AT"),
                      ({"SUMMARIZER_DIGEST__CATEGORIES": '["cs.CV", "not a category!"]'}, "arXiv category"),
                      ({"SUMMARIZER_DIGEST__CATEGORIES": "cs.CV, bad one"}, "arXiv category")):
        with pytest.raises(ConfigError, match=name):
            load(env=env)
    assert load(env={"SUMMARIZER_DIGEST__CATEGORIES": "cs.CV, stat.ML"}).digest.categories == ["cs.CV", "stat.ML"]


def test_the_sign_in_limits_are_read_and_a_malformed_one_is_refused_by_name() -> None:
    web = load(env={}).web
    assert (web.signin_limit, web.signin_address_limit) == ("5/minute", "20/minute")
    assert load(env={"SUMMARIZER_WEB__SIGNIN_ADDRESS_LIMIT": "50 per hour"}).web.signin_address_limit == "50 per hour"
    for variable in ("SUMMARIZER_WEB__SIGNIN_LIMIT", "SUMMARIZER_WEB__SIGNIN_ADDRESS_LIMIT"):
        with pytest.raises(ConfigError, match=f"{variable}: Value error, not a rate like 5/minute"):
            load(env={variable: "twenty a minute"})
