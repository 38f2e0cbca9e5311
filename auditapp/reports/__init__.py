"""Printable reports: audit, development list, journey map (PDF and preview)."""
