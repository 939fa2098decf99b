"""crpbot."""
