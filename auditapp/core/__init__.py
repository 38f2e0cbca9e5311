"""Leaf layer: infrastructure that imports no domain package."""
