"""Report files for people: the charts and the folders that replays and evaluations write."""
