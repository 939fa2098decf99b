"""The scanner's entry side: wiring from `Settings` and the `crpbot run` loop."""
