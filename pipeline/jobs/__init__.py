"""Orchestration: hands values between the pure core and the I/O shell; the only layer that knows both."""
