from django.shortcuts import render

from .models import Course


def home(request):
    courses = Course.objects.order_by("title").values("slug", "title", "description")
    return render(request, "home.html", {"courses": courses})
