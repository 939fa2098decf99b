"""Services: use cases that load state through adapters, call the pure domain and store the
result, each in one transaction. They sit between the adapters (`crpbot.db`) and the domain."""
