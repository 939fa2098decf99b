"""Confidence: one score from both models, calibrated into a probability, mapped to tiers."""
