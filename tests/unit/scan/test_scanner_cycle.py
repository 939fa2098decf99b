"""One scan cycle end to end on real bars, a tiny real artifact and the in-process guard."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from crpbot.db.repos.scan_cycles import scan_cycles
from crpbot.db.repos.signals import recent_signals
from crpbot.notify.alerts import SignalAlert
from crpbot.risk import RiskLimits
from crpbot.scan.adapters import FramesFeed
from crpbot.services.pause import StoredPauseFlag
from crpbot.signals.from_models import SignalRules
from tests.unit.scan.conftest import MakeScanner
from tests.unit.scan.support import BOT, HOUR, SYMBOLS, RecordingNotifier

ONE_PER_HOUR = RiskLimits(signals_per_hour=1, high_tier_per_hour=1)


def _stored(sessions: sessionmaker[Session]) -> dict[str, tuple[str, tuple[str, ...]]]:
    with sessions() as session:
        return {s.symbol: (s.status, s.reasons) for s in recent_signals(session, bot=BOT)}


def test_scanner_cycle_approves_stores_and_notifies(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    report = make_scanner(symbols=SYMBOLS[:1]).run_cycle(now)

    (result,) = report.results
    assert result.outcome == "approved" and result.size > 0
    assert _stored(sessions) == {SYMBOLS[0]: ("approved", ())}
    (alert,) = notifier.alerts
    assert isinstance(alert, SignalAlert)
    assert alert.symbol == SYMBOLS[0] and alert.size == result.size
    assert alert.bar_ts == now - HOUR
    with sessions() as session:
        (cycle,) = scan_cycles(session, bot=BOT)
    assert (cycle.symbols_ok, cycle.symbols_failed, cycle.signals) == (1, 0, 1)


def test_scanner_signal_levels_follow_the_side(
    make_scanner: MakeScanner, notifier: RecordingNotifier, now: datetime
) -> None:
    make_scanner(symbols=SYMBOLS[:1]).run_cycle(now)
    (alert,) = notifier.alerts
    assert isinstance(alert, SignalAlert)
    sign = 1.0 if alert.side == "long" else -1.0
    assert sign * (alert.target - alert.entry) > 0 > sign * (alert.stop - alert.entry)
    assert alert.expiry > now


def test_scanner_rejection_is_stored_with_reasons_and_not_notified(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    report = make_scanner(limits=ONE_PER_HOUR).run_cycle(now)

    assert [r.outcome for r in report.results] == ["approved", "rejected"]
    assert report.results[1].reasons == ("rate_limit_signals", "rate_limit_high_tier")
    assert _stored(sessions) == {
        SYMBOLS[0]: ("approved", ()),
        SYMBOLS[1]: ("rejected", ("rate_limit_signals", "rate_limit_high_tier")),
    }
    assert [a.symbol for a in notifier.alerts if isinstance(a, SignalAlert)] == [SYMBOLS[0]]


def test_scanner_below_the_gate_stores_and_asks_nothing(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    report = make_scanner(rules=SignalRules(min_confidence=0.99)).run_cycle(now)

    assert [r.outcome for r in report.results] == ["below_gate", "below_gate"]
    assert all(r.confidence is not None and r.confidence < 0.99 for r in report.results)
    assert _stored(sessions) == {}
    assert notifier.alerts == []


def test_scanner_rerun_at_the_same_time_duplicates_nothing(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    scanner = make_scanner(limits=RiskLimits(signals_per_hour=2, high_tier_per_hour=2))
    first = scanner.run_cycle(now)
    again = make_scanner(limits=RiskLimits(signals_per_hour=2, high_tier_per_hour=2)).run_cycle(now)

    assert [r.outcome for r in first.results] == ["approved", "approved"]
    assert [r.outcome for r in again.results] == ["already_decided", "already_decided"]
    assert [r.signal_id for r in again.results] == [r.signal_id for r in first.results]
    with sessions() as session:
        assert len(recent_signals(session, bot=BOT)) == 2
    assert len(notifier.alerts) == 2
    later = scanner.run_cycle(now + HOUR)
    assert {r.outcome for r in later.results} == {"rejected"}, "the first two still count"


def test_scanner_one_failing_symbol_does_not_stop_the_others(
    make_scanner: MakeScanner, sessions: sessionmaker[Session], now: datetime
) -> None:
    symbols = (SYMBOLS[0], "GONE-USD", SYMBOLS[1])
    report = make_scanner(symbols=symbols).run_cycle(now)

    assert [r.outcome for r in report.results] == ["approved", "failed", "approved"]
    assert "GONE-USD" in report.results[1].error
    assert report.result == "partial"
    with sessions() as session:
        (cycle,) = scan_cycles(session, bot=BOT)
    assert cycle.symbols_failed == 1 and cycle.errors[0].startswith("GONE-USD")


def test_scanner_with_too_little_history_fails_that_symbol(
    make_scanner: MakeScanner, now: datetime
) -> None:
    report = make_scanner(history_bars=50).run_cycle(now)
    assert {r.outcome for r in report.results} == {"failed"}
    assert "no complete window" in report.results[0].error
    assert report.result == "failed"


class _LeakyFeed:
    """Hands out bars that have not closed yet: the scanner must drop them itself."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def recent_bars(self, symbol: str, now: datetime, count: int) -> pd.DataFrame:
        end = self._frame.index.searchsorted(pd.Timestamp(now)) + 3
        return self._frame.iloc[end - count : end]


def test_scanner_never_scores_a_bar_that_has_not_closed(
    make_scanner: MakeScanner,
    eurusd: pd.DataFrame,
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    scanner = make_scanner(symbols=SYMBOLS[:1])
    scanner.deps.feed = _LeakyFeed(eurusd)
    mid_bar = now + timedelta(minutes=30)
    report = scanner.run_cycle(mid_bar)

    assert report.results[0].outcome == "approved"
    (alert,) = notifier.alerts
    assert isinstance(alert, SignalAlert)
    assert alert.bar_ts == now - HOUR, "the bar open at `now` closes after mid_bar"


class _ShuffledFeed(_LeakyFeed):
    """Two old bars swapped, forming ones at the end."""

    def recent_bars(self, symbol: str, now: datetime, count: int) -> pd.DataFrame:
        bars = super().recent_bars(symbol, now, count)
        return bars.iloc[[1, 0, *range(2, len(bars))]]


def test_scanner_fails_a_symbol_whose_bars_are_out_of_order(
    make_scanner: MakeScanner, eurusd: pd.DataFrame, notifier: RecordingNotifier, now: datetime
) -> None:
    scanner = make_scanner(symbols=SYMBOLS[:1])
    scanner.deps.feed = _ShuffledFeed(eurusd)
    (result,) = scanner.run_cycle(now + timedelta(minutes=30)).results
    assert result.outcome == "failed" and "strictly increase" in str(result.error)
    assert notifier.alerts == []


def test_scanner_reports_no_new_bar_when_the_market_is_closed(
    make_scanner: MakeScanner, eurusd: pd.DataFrame, sessions: sessionmaker[Session]
) -> None:
    saturday = pd.Timestamp("2018-01-06T12:00Z")
    assert saturday.floor("h") not in eurusd.index
    report = make_scanner().run_cycle(saturday.to_pydatetime())
    assert [r.outcome for r in report.results] == ["no_new_bar", "no_new_bar"]
    assert report.result == "ok"
    assert _stored(sessions) == {}


def test_scanner_skips_the_cycle_while_paused(
    make_scanner: MakeScanner,
    sessions: sessionmaker[Session],
    notifier: RecordingNotifier,
    now: datetime,
) -> None:
    scanner = make_scanner()
    flag = StoredPauseFlag(sessions, BOT, clock=lambda: now)
    scanner.deps.pause = flag
    flag.set_paused(True)

    paused = scanner.run_cycle(now)
    assert paused.paused and paused.results == () and paused.result == "paused"
    assert _stored(sessions) == {} and notifier.alerts == []

    flag.set_paused(False)
    resumed = scanner.run_cycle(now)
    assert [r.outcome for r in resumed.results] == ["approved", "approved"]


def test_scanner_frames_feed_slices_at_now(eurusd: pd.DataFrame, now: datetime) -> None:
    bars = FramesFeed({"X": eurusd}, "ONE_HOUR").recent_bars("X", now, 10)
    assert len(bars) == 10
    assert bars.index[-1] == pd.Timestamp(now) - HOUR


@pytest.mark.parametrize("naive", [datetime(2018, 1, 3, 12)])
def test_scanner_refuses_a_naive_clock(make_scanner: MakeScanner, naive: datetime) -> None:
    with pytest.raises(ValueError, match="timezone"):
        make_scanner().run_cycle(naive)
