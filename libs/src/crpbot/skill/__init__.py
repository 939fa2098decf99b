"""What a signal is worth: expectancy in R after costs, the break-even win rate, and the skill
gate that opens only on out-of-sample evidence."""
