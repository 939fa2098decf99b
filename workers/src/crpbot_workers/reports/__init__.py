"""Observation reports: the daily report (markdown + HTML with charts) and the metrics export."""
