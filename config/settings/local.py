"""The demo and local development: SQLite and the filesystem broker unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

# Off by default: whoever evaluates the demo sees Gatehouse's own 403/404/500 pages, never
# Django's debug 404 listing every URL pattern. Developers opt in: `DEBUG=true make demo`.
DEBUG = env.bool("DEBUG", default=False)
# The API schema and its Swagger UI are open in the demo (config/api_docs.py), DEBUG or not.
GATEHOUSE_PUBLIC_API_DOCS = env.bool("GATEHOUSE_PUBLIC_API_DOCS", default=True)
# With DEBUG off, runserver serves no static file: WhiteNoise does, straight from static/ and the
# apps (no collectstatic step), and it picks up an edited stylesheet without a restart.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
