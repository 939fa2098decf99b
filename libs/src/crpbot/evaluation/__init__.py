"""Evaluation: out-of-sample walk-forward metrics with block-bootstrap intervals and baselines."""
