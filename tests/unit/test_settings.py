"""One settings object: preset, then environment (flat and nested names), then explicit overrides."""

from __future__ import annotations

import pytest

from summarizer.errors import ConfigError
from summarizer.settings import load
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
