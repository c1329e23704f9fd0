"""The start-up cache: used when current, rebuilt after any edit, ignored when unreadable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.app import build_core
from bot.config import load_settings
from bot.paths import resource_dir

ROOT = Path(__file__).resolve().parents[2]


def settings_for(tmp_path: Path):
    knowledge = tmp_path / "knowledge"
    if not knowledge.exists():
        shutil.copytree(resource_dir("knowledge"), knowledge)
    return load_settings({"BOT_DATA_DIR": str(tmp_path / "data"), "KNOWLEDGE_DIR": str(knowledge)})


def caches(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "cache").glob("core-*.pickle"))


def test_second_start_reads_the_cache_without_parsing_yaml(tmp_path):
    settings_for(tmp_path)
    env = dict(os.environ, BOT_DATA_DIR=str(tmp_path / "data"), KNOWLEDGE_DIR=str(tmp_path / "knowledge"))
    code = "import sys; from bot.cli import main; main(['ask', 'what is smtp?']); print('yaml' in sys.modules)"
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert first.stdout.strip().endswith("True") and second.stdout.strip().endswith("False")
    assert first.stdout.split("\n")[0] == second.stdout.split("\n")[0]


def test_editing_the_knowledge_base_rebuilds(tmp_path):
    settings = settings_for(tmp_path)
    build_core(settings, with_store=False)
    synonyms = tmp_path / "knowledge" / "synonyms.yaml"
    synonyms.write_text(synonyms.read_text(encoding="utf-8") + "pigeon: [piccione, pigeon]\n", encoding="utf-8")
    os.utime(synonyms, ns=(synonyms.stat().st_atime_ns, synonyms.stat().st_mtime_ns + 10**9))
    core = build_core(settings, with_store=False)
    assert core.kb.synonyms["pigeon"] == ("piccione", "pigeon")
    assert len(caches(tmp_path)) == 2


def test_an_unreadable_cache_is_replaced(tmp_path):
    settings = settings_for(tmp_path)
    build_core(settings, with_store=False)
    [path] = caches(tmp_path)
    path.write_bytes(b"not a pickle")
    core = build_core(settings, with_store=False)
    assert "smtp" in core.kb.articles
    assert path.read_bytes() != b"not a pickle"


def test_a_read_only_data_folder_still_starts(tmp_path):
    settings = settings_for(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cache").write_text("a file where the folder should be")
    core = build_core(settings, with_store=False)
    assert core.engine.analyse("what is smtp?").article == "smtp"
