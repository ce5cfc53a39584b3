"""The app's URLs plus the benchmark's two baselines, never part of ``config.urls``."""

from django.urls import path

import config.urls
from bench import baselines

urlpatterns = [
    *config.urls.urlpatterns,
    path("bench/plain/", baselines.plain, name="bench-plain"),
    path("bench/drf-projects/", baselines.BareProjectList.as_view(), name="bench-drf-projects"),
]
