import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")   # gunicorn: fails closed
application = get_wsgi_application()

from config.database import limit_web_statements  # noqa: E402  (needs the settings loaded above)
from tagging.serving import warm_up_in_background  # noqa: E402

from django.conf import settings  # noqa: E402

limit_web_statements()
if not settings.DEBUG:          # production: /ready turns 200 as soon as the model is loaded
    warm_up_in_background()
