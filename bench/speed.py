"""Start-up and batch speed of ``mailbot ask``, against importing python-telegram-bot, in one run.

    python bench/speed.py [--runs 7] [--questions 5000]

Prints the median wall time of ``python -m bot ask QUESTION`` and of ``python -c "import telegram.ext"``
with their ratio (below 1 means ask answers before telegram.ext has even been imported), and the
questions per second of ``ask --json -`` reading a batch from standard input, start-up excluded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"


def wall(cmd: list[str], stdin: bytes = b"", env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, check=True, cwd=ROOT, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--questions", type=int, default=5000)
    args = parser.parse_args()
    env = dict(os.environ, BOT_DATA_DIR=tempfile.mkdtemp(prefix="mailbot-bench-"))

    ask = [sys.executable, "-m", "bot", "ask", "che differenza c'è tra pop3 e imap?"]
    telegram = [sys.executable, "-c", "import telegram.ext"]
    wall(ask, env=env), wall(telegram)  # warm the file cache for both
    ask_times, telegram_times = [], []
    for _ in range(args.runs):  # interleaved, so that machine noise hits both alike
        ask_times.append(wall(ask, env=env))
        telegram_times.append(wall(telegram))
    ask_median, telegram_median = statistics.median(ask_times), statistics.median(telegram_times)
    print(f"python -m bot ask QUESTION      median {ask_median * 1000:7.1f} ms over {args.runs} runs")
    print(f"python -c 'import telegram.ext' median {telegram_median * 1000:7.1f} ms over {args.runs} runs")
    print(f"ratio ask / import telegram.ext        {ask_median / telegram_median:7.2f}  (bar: below 1)")

    texts = [q["text"] for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]
    batch = "\n".join(texts[i % len(texts)] for i in range(args.questions)) + "\n"
    one = [sys.executable, "-m", "bot", "ask", "--json", "-"]
    startup = statistics.median(wall(one, b"imap\n", env) for _ in range(3))
    total = wall(one, batch.encode("utf-8"), env)
    rate = args.questions / max(total - startup, 1e-9)
    print(f"ask --json - batch of {args.questions}: {total:.2f} s, start-up {startup:.2f} s")
    print(f"questions per second after start-up     {rate:7.0f}  (bar: at least 2000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
