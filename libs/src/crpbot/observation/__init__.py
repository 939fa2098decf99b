"""Observation mode's read side: what the stored signals, outcomes and equity say about a
period (statistics, a paper account that follows the FTMO rules, the period summary)."""
