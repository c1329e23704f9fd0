"""The per-customer message limit."""

from bot.core.flood import DROP, OK, WARN, FloodGuard


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_twenty_a_minute_then_one_warning_then_silence_until_the_window_passes():
    clock = Clock()
    guard = FloodGuard(limit=20, window=60, clock=clock)
    assert [guard.check("a") for _ in range(20)] == [OK] * 20
    assert guard.check("a") == WARN
    assert guard.check("a") == DROP
    assert guard.check("b") == OK  # others are not affected
    clock.now = 61
    assert guard.check("a") == OK


def test_idle_customers_are_forgotten():
    clock = Clock()
    guard = FloodGuard(clock=clock)
    guard.check("a")
    clock.now = 120
    guard.forget_idle()
    assert guard._seen == {}
