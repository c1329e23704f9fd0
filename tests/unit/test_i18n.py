"""The gettext catalogues: complete, consistent with the code, loaded loudly."""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import CatalogueError, Translator, negotiate
from bot.paths import resource_dir

ROOT = Path(__file__).resolve().parents[2]
LOCALES = resource_dir("locales")


def catalogue(lang: str):
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_an_italian_translation():
    missing = [m.id for m in catalogue("it") if m.id and not m.string]
    assert missing == []


@pytest.mark.parametrize("lang", ["it", "en"])
def test_translations_keep_the_same_placeholders(lang):
    wrong = [m.id for m in catalogue(lang) if m.id and m.string and placeholders(m.id) != placeholders(m.string)]
    assert wrong == []


def test_catalogues_hold_every_message_of_the_code_and_nothing_else():
    in_code = {
        message
        for _, _, message, _, _ in extract_from_dir(ROOT / "bot", method_map=[("**.py", "python")], keywords={"_": None, "N_": None, "_t": None, "_tc": (2,)})
    }
    for lang in ("it", "en"):
        in_catalogue = {m.id for m in catalogue(lang) if m.id}
        assert in_code - in_catalogue == set(), f"run the pybabel extract/update steps of docs/i18n.md ({lang})"
        assert in_catalogue - in_code == set(), f"obsolete messages in {lang}"


def test_a_missing_catalogue_fails_at_start_up(tmp_path):
    shutil.copytree(LOCALES, tmp_path / "locales")
    shutil.rmtree(tmp_path / "locales" / "it")
    with pytest.raises(CatalogueError, match="no catalogue for language 'it'"):
        Translator(tmp_path / "locales")


def test_a_broken_catalogue_fails_at_start_up(tmp_path):
    shutil.copytree(LOCALES, tmp_path / "locales")
    for mo in (tmp_path / "locales").rglob("*.mo"):
        mo.unlink()
    (tmp_path / "locales" / "en" / "LC_MESSAGES" / "messages.po").write_text('msgid "x"\nmsgid "y"\n')
    with pytest.raises(CatalogueError):
        Translator(tmp_path / "locales")


def test_po_files_are_compiled_when_no_mo_exists(tmp_path):
    shutil.copytree(LOCALES, tmp_path / "locales")
    for mo in (tmp_path / "locales").rglob("*.mo"):
        mo.unlink()
    assert Translator(tmp_path / "locales").gettext("it", "Was this helpful?") == "Ti è stato utile?"


@pytest.mark.parametrize(
    "code, lang",
    [("it", "it"), ("it-IT", "it"), ("en_GB", "en"), ("en-US", "en"), ("pt-BR", None), ("", None), (None, None), ("zz-!!", None)],
)
def test_negotiate_telegram_language_codes(code, lang):
    assert negotiate(code) == lang


@pytest.mark.parametrize("lang", ["it", "en"])
def test_no_fuzzy_translations(lang):
    # A fuzzy entry is a guess by pybabel update; gettext ignores it and shows the English text.
    assert [m.id for m in catalogue(lang) if m.id and m.fuzzy] == []
