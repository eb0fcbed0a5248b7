"""Deployment glue: the WSGI entry point (wsgi.py), gunicorn configuration, reverse-proxy example."""
