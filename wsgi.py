"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from auditapp import create_app

app = create_app()
