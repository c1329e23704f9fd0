"""Speed and memory of the answer engine, beside the rule-based engine it replaced, in one run.

    python bench/speed.py [--runs 7] [--questions 5000] [--old REV] [--no-large] [--no-rss]

Prints, for this checkout and for the old engine (the commit REV, checked out in a temporary git
worktree; by default the last commit before the learned engine):
- the median wall time of ``python -m bot ask QUESTION`` (start-up from the cache) against
  ``python -c "import telegram.ext"``, measured alternately in the same run; bar: a ratio below 1;
- answers per second of ``ask --json -`` reading a batch from standard input, start-up excluded;
  bar: at least 2,000;
- building the engine from the YAML with no cache (for the learned engine: training, in the child
  process the bot uses, imports included); bar: at most 5 s;
then, for this checkout only:
- the peak RSS of the real ``python -m bot run`` answering 500 messages over HTTP (bench/throughput.py's
  measure, against the tests' Bot API stand-in, first start: it trains); bar: at most 90 MB;
- the same batch against a synthetic knowledge base ten times larger (each article copied nine times
  under new ids, its questions reworded by shuffling); bar: at least 1,000 answers per second.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"
OLD_ENGINE = "d4af4be"  # the last commit of the rule-based engine


def wall(cmd: list[str], cwd: Path, stdin: bytes = b"", env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=cwd, env=env)
    return time.perf_counter() - start


def fresh_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_CACHE_DIR", "KNOWLEDGE_DIR")}
    env.update(BOT_DATA_DIR=tempfile.mkdtemp(prefix="mailbot-bench-"), **extra)
    return env


def measure(checkout: Path, runs: int, batch: str, questions: int, env: dict[str, str] | None = None) -> dict[str, float]:
    """Start-up, batch rate and cold build time of ``python -m bot ask`` in ``checkout``."""
    env = env or fresh_env()
    ask = [sys.executable, "-m", "bot", "ask", "che differenza c'è tra pop3 e imap?"]
    telegram = [sys.executable, "-c", "import telegram.ext"]
    cold = fresh_env(**{k: v for k, v in env.items() if k == "KNOWLEDGE_DIR"})
    build = wall(ask, checkout, env=cold)  # no cache yet: the engine is built (trained) first
    wall(ask, checkout, env=env), wall(telegram, checkout)  # warm the cache and the file cache
    ask_times, telegram_times = [], []
    for _ in range(runs):  # interleaved, so that machine noise hits both alike
        ask_times.append(wall(ask, checkout, env=env))
        telegram_times.append(wall(telegram, checkout))
    one = [sys.executable, "-m", "bot", "ask", "--json", "-"]
    startup = statistics.median(wall(one, checkout, b"imap\n", env) for _ in range(3))
    total = wall(one, checkout, batch.encode("utf-8"), env)
    return {
        "ask_ms": statistics.median(ask_times) * 1000,
        "telegram_ms": statistics.median(telegram_times) * 1000,
        "ratio": statistics.median(ask_times) / statistics.median(telegram_times),
        "per_second": questions / max(total - startup, 1e-9),
        "build_s": build - statistics.median(ask_times),
    }


def old_checkout(rev: str) -> Path | None:
    folder = Path(tempfile.mkdtemp(prefix="mailbot-old-")) / "checkout"
    done = subprocess.run(["git", "worktree", "add", "--detach", str(folder), rev], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"(old engine {rev} not measured: {done.stderr.strip()})")
        return None
    return folder


def synthetic_knowledge(copies: int = 9) -> Path:
    """The knowledge base with every article copied ``copies`` times under new ids, questions shuffled."""
    folder = Path(tempfile.mkdtemp(prefix="mailbot-large-")) / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    rng = random.Random(7)
    for path in sorted((ROOT / "knowledge" / "articles").glob("*.yaml")):
        article = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n in range(1, copies + 1):
            copy = dict(article, id=f"{article['id']}-copy{n}", related=[])
            copy["questions"] = {
                lang: [" ".join(rng.sample(q.split(), len(q.split()))) + f" variante{n}" for q in qs]
                for lang, qs in article["questions"].items()
            }
            (folder / "articles" / f"{copy['id']}.yaml").write_text(yaml.safe_dump(copy, allow_unicode=True), encoding="utf-8")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--old", default=OLD_ENGINE, help="the commit of the engine to compare with ('' for none)")
    parser.add_argument("--no-large", action="store_true", help="skip the knowledge base ten times larger")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak RSS of run")
    args = parser.parse_args()

    texts = [q["text"] for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]
    batch = "\n".join(texts[i % len(texts)] for i in range(args.questions)) + "\n"
    rows = {"learned (this checkout)": measure(ROOT, args.runs, batch, args.questions)}
    old = old_checkout(args.old) if args.old else None
    if old is not None:
        try:
            rows[f"rule-based ({args.old})"] = measure(old, args.runs, batch, args.questions)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)

    print(f"{'engine':<28}{'ask ms':>9}{'import telegram.ext ms':>23}{'ratio':>8}{'answers/s':>11}{'build s':>9}")
    for name, r in rows.items():
        print(f"{name:<28}{r['ask_ms']:>9.1f}{r['telegram_ms']:>23.1f}{r['ratio']:>8.2f}{r['per_second']:>11.0f}{r['build_s']:>9.2f}")
    print("bars: ratio below 1, at least 2000 answers/s, build at most 5 s")

    if not args.no_rss:
        sys.path.insert(0, str(ROOT / "bench"))
        from throughput import run_process_peak_rss

        print(f"peak RSS of 'python -m bot run' (first start, 500 messages over HTTP): {run_process_peak_rss(100):.1f} MB  (bar: at most 90)")
    if not args.no_large:
        large = synthetic_knowledge()
        env = fresh_env(KNOWLEDGE_DIR=str(large))
        r = measure(ROOT, 3, batch, args.questions, env=env)
        articles = len(list((large / "articles").glob("*.yaml")))
        print(f"knowledge base ten times larger ({articles} articles): {r['per_second']:.0f} answers/s (bar: at least 1000), "
              f"built in {r['build_s']:.1f} s, ask start-up {r['ask_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
