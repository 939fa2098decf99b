"""Models: an LSTM for P(up) and a small Transformer for trend strength, trained walk-forward.

Import the submodules directly; this package root stays free of torch so listing commands and
the confidence layer do not pay for loading it.
"""
