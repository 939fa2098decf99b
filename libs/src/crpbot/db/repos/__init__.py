"""One repository module per table family: thin typed reads and writes over the models."""
