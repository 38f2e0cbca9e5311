"""Findings: friction points (säröt) found on a walk, with their photos."""
