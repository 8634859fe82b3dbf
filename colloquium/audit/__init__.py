"""The audit log: who exported or mailed what, and when."""
