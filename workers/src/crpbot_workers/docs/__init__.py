"""The reference pages generated from code: commands, configuration, telemetry."""
