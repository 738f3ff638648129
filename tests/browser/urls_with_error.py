"""The portal's URLs plus one that fails, so a browser test can see the 500 page."""

from django.urls import path

from sanlian.urls import urlpatterns as portal


def _fail(request):
    raise RuntimeError("a page that fails, for the 500 page's browser test")


urlpatterns = [path("test-only/fail/", _fail), *portal]
