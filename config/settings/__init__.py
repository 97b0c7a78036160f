"""Settings: ``config.settings.local`` (manage.py, tests: the embedded default) and
``config.settings.production`` (the WSGI app, gunicorn, Celery: fails closed), both on ``base``."""
