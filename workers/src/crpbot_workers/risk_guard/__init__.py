"""The risk-guard HTTP service (`crpbot risk-guard serve`)."""
