"""The demo and local development: SQLite and the filesystem broker unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# The API schema and its Swagger UI are open in the demo (config/api_docs.py).
GATEHOUSE_PUBLIC_API_DOCS = env.bool("GATEHOUSE_PUBLIC_API_DOCS", default=DEBUG)
