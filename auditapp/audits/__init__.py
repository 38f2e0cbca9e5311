"""Audits: walking a journey as a customer would, touchpoint by touchpoint."""
