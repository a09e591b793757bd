"""Operator tools behind `python -m bot doctor` and `python -m bot db ...`: no Discord needed."""
