"""Settings from the environment and a YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_follow_the_contract():
    s = load_settings({})
    assert s.support_email == "supporto@mosajco.com"
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("localhost", 25, "none")
    assert s.telegram_base_url == "https://api.telegram.org/bot"
    assert s.bot_data_dir == Path("./data")
    assert s.outbox_retry_seconds == 30


@pytest.mark.parametrize("port, security", [("587", "starttls"), ("465", "tls"), ("2525", "none")])
def test_smtp_security_defaults_from_the_port(port, security):
    assert load_settings({"SMTP_PORT": port}).smtp_security == security


def test_yaml_file_in_lower_case_and_the_environment_wins(tmp_path):
    config = tmp_path / "bot.yaml"
    config.write_text("support_email: help@example.com\nsmtp_port: 587\nlog_level: debug\n")
    s = load_settings({"BOT_CONFIG": str(config), "SMTP_PORT": "465"})
    assert s.support_email == "help@example.com"
    assert (s.smtp_port, s.smtp_security) == (465, "tls")
    assert s.log_level == "DEBUG"


def test_secrets_never_print(tmp_path):
    s = load_settings({"TELEGRAM_BOT_TOKEN": "123:ABC-secret", "SMTP_PASSWORD": "hunter2"})
    assert "ABC-secret" not in repr(s) and "hunter2" not in repr(s)
    assert "ABC-secret" not in str(s.telegram_bot_token)
    assert s.telegram_bot_token.value == "123:ABC-secret"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SMTP_PORT": "abc"}, "SMTP_PORT must be a whole number"),
        ({"SMTP_SECURITY": "ssl3"}, "SMTP_SECURITY must be one of"),
        ({"OUTBOX_RETRY_SECONDS": "-1"}, "must not be negative"),
        ({"BOT_CONFIG": "/no/such/file.yaml"}, "cannot read the configuration file"),
    ],
)
def test_bad_values_get_a_clear_message(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_unknown_keys_in_the_file_are_refused(tmp_path):
    config = tmp_path / "bot.yaml"
    config.write_text("smtp_hots: mail.example.com\n")
    with pytest.raises(ConfigError, match="smtp_hots"):
        load_settings({"BOT_CONFIG": str(config)})


def test_a_secret_cannot_be_revealed_by_accident():
    import json
    import pickle

    token = load_settings({"TELEGRAM_BOT_TOKEN": "123:ABC-secret"}).telegram_bot_token
    assert f"{token}" == str(token) == repr(token) == "<SECRET>"
    for reveal in (lambda: json.dumps({"token": token}), lambda: "x" + token, lambda: pickle.dumps(token)):
        with pytest.raises(TypeError):
            reveal()
    assert token.value == "123:ABC-secret" and token


def test_every_path_to_standard_error_is_redacted(tmp_path):
    # Regression: redaction sat on the root handler only; a library's own handler or an uncaught
    # traceback printed the token.
    import os
    import subprocess
    import sys

    code = (
        "import logging, sys\n"
        "from bot.logs import configure_logging\n"
        "from bot.config import load_settings\n"
        "configure_logging(load_settings())\n"
        "own = logging.getLogger('library'); own.propagate = False\n"
        "own.addHandler(logging.StreamHandler(sys.stderr)); own.error('calling https://x/bot123:ABC-secret/getMe')\n"
        "print('token 123:ABC-secret')\n"
        "raise RuntimeError('bad token 123:ABC-secret')\n"
    )
    env = dict(os.environ, TELEGRAM_BOT_TOKEN="123:ABC-secret")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "ABC-secret" not in done.stderr + done.stdout
    assert done.stderr.count("<SECRET>") == 2 and "RuntimeError" in done.stderr


def test_retention_and_staff_ids_are_read():
    s = load_settings({"DATA_RETENTION_DAYS": "30", "SUPPORT_STAFF_IDS": "11, 22;33"})
    assert s.data_retention_days == 30 and s.support_staff_ids == {11, 22, 33}
    assert load_settings({}).data_retention_days == 365
    with pytest.raises(ConfigError, match="SUPPORT_STAFF_IDS"):
        load_settings({"SUPPORT_STAFF_IDS": "giulia"})


@pytest.mark.parametrize("key", ["DATA_RETENTION_DAYS", "SUPPORT_IDLE_CLOSE_DAYS", "OUTBOX_RETRY_SECONDS", "LEASE_SECONDS"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_number_that_is_not_finite_is_refused_naming_the_key(key, value):
    # Regression: "nan" was accepted and quietly switched retention and idle closing off.
    with pytest.raises(ConfigError, match=key):
        load_settings({key: value})


@pytest.mark.parametrize("value", ["70000", "-1", "0", "８０", "80.5"])
@pytest.mark.parametrize("key", ["HTTP_PORT", "WEBHOOK_PORT", "SMTP_PORT"])
def test_a_port_out_of_range_is_refused_naming_the_key(key, value):
    with pytest.raises(ConfigError, match=key):
        load_settings({key: value})


@pytest.mark.parametrize("secret", ["has space", "bang!", "x" * 257, "ünïcode"])
def test_a_webhook_secret_telegram_would_refuse_is_refused_at_start(secret):
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET") as error:
        load_settings({"WEBHOOK_SECRET": secret})
    assert secret not in str(error.value)


def test_a_webhook_url_must_be_https():
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings({"WEBHOOK_URL": "http://bot.example.it/telegram"})
    assert load_settings({"WEBHOOK_URL": "https://bot.example.it/tg-hook"}).webhook_path == "/tg-hook"
    assert load_settings({"WEBHOOK_URL": "https://bot.example.it"}).webhook_path == "/telegram"


def test_support_staff_ids_are_ascii_digits():
    with pytest.raises(ConfigError, match="SUPPORT_STAFF_IDS"):
        load_settings({"SUPPORT_STAFF_IDS": "12,³4"})
    assert load_settings({"SUPPORT_STAFF_IDS": "12, -34"}).support_staff_ids == frozenset({12, -34})
