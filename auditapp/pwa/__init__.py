"""Installable web app: manifest, service worker and offline page."""
