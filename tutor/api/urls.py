from django.urls import path

from . import views

urlpatterns = [
    path("courses/", views.CourseListView.as_view(), name="course-list"),
    path("courses/<slug:course>/", views.CourseDetailView.as_view(), name="course-detail"),
]
