from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reporting.home import home_context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    template, context = home_context(request.user)
    return render(request, template, context)
