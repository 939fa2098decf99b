"""The demo's settings and the key its cached models are stored under.

The defaults are sized for the 10-minute budget on a shared 2-core machine: a smaller window,
fewer epochs and folds and a narrower network than `crpbot train`'s defaults. The models are
still trained and evaluated walk-forward like the real ones; they are just cheaper.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

import crpbot
from crpbot.backtest.costs import TradingCosts, costs_for
from crpbot.confidence.calibration import METHODS
from crpbot.learning.recalibrate import RefitPolicy
from crpbot.models.splits import SplitConfig
from crpbot.models.train_config import TrainConfig
from crpbot.risk import RiskLimits
from crpbot.skill.gate import GateRules

DEMO_SYMBOL = "EUR-USD"
DEMO_DATASET = "EURUSD"
DEMO_GRANULARITY = "ONE_HOUR"
DEMO_BOT = "demo"
DEMO_ACCOUNT = "demo-paper"
MIN_TRAINING_BARS = 1_000
"""Fewest bars the replay window may leave for training: below this the walk-forward folds
hold a few dozen test samples each and the evaluation's intervals say nothing."""


def demo_train_config() -> TrainConfig:
    """Cheap but real: both models, early stopping, one thread so others keep theirs."""
    return TrainConfig(window=24, horizon=4, epochs=4, batch_size=64, hidden=16, threads=1)


@dataclass(frozen=True)
class DemoConfig:
    """Everything that changes what the demo computes.

    `replay_days` calendar days at the end of the data are held out of training and replayed
    as observation, so the replayed signals come from models that never saw those bars.
    `refit_every_hours` is how often the replay asks whether a recalibration is due; `refit`
    decides whether it is (enough new outcomes). `limits` are the guard's rules, and its risk
    per trade also sizes the backtest, so both stages risk the same share per signal.
    `skill` is the gate the replayed outcomes are judged by, charged the same costs.
    `costs` are what every backtest fill pays (the CLI passes the settings' costs for the
    demo's symbol; the default is the same table's FX entry, about 0.8 bp per side), and
    `random_seeds` how many random-side replays the backtest is compared with.
    """

    train: TrainConfig = field(default_factory=demo_train_config)
    splits: SplitConfig = field(default_factory=lambda: SplitConfig(n_folds=3))
    replay_days: int = 14
    n_boot: int = 200
    block: int = 48
    initial_balance: float = 100_000.0
    limits: RiskLimits = field(default_factory=RiskLimits)
    refit_every_hours: int = 24
    refit: RefitPolicy = field(default_factory=RefitPolicy)
    costs: TradingCosts = field(default_factory=lambda: costs_for(DEMO_SYMBOL))
    random_seeds: int = 200
    skill: GateRules = field(
        default_factory=lambda: GateRules(100, 2 * costs_for(DEMO_SYMBOL).per_side)
    )

    def __post_init__(self) -> None:
        if self.replay_days < 1:
            raise ValueError("replay_days must be at least 1")
        if self.n_boot < 10:
            raise ValueError("n_boot must be at least 10")
        if self.refit_every_hours < 1:
            raise ValueError("refit_every_hours must be at least 1")
        if self.random_seeds < 1:
            raise ValueError("random_seeds must be at least 1")


def model_cache_key(data_sha256: str, config: DemoConfig) -> str:
    """Same training bars, same training settings, same package version: same models.

    Only what shapes the weights and the shipped calibrator goes in (not the replay, bootstrap
    or account settings), so changing `--replay-days` retrains (other bars are held out) but a
    new `n_boot` does not. The calibration candidates are part of it: cached models calibrated
    before the identity was a candidate must not be reused as if chosen among all three.
    """
    shaping = {
        "data": data_sha256,
        "train": asdict(config.train),
        "splits": asdict(config.splits),
        "calibration": list(METHODS),
        "package": crpbot.__version__,
    }
    encoded = json.dumps(shaping, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
