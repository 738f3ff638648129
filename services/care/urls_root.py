"""Routes that must sit at the site root: the worker app's service worker (its scope is
the folder it is served from) and its manifest."""

from django.urls import path

from services.care.views import queue

urlpatterns = [
    path("sw.js", queue.service_worker, name="service_worker"),
    path("manifest.webmanifest", queue.manifest, name="web_manifest"),
]
