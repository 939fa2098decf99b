"""Auto-learning from realised outcomes: resolve signals, pattern statistics, recalibration.

Pure domain: plain data in, plain data out, the clock passed in. The database side lives in
`crpbot.services.learning`.
"""
