"""``gunicorn benchmarks.ceiling.wsgi`` (with ``DJANGO_SETTINGS_MODULE=benchmarks.ceiling.settings``)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
