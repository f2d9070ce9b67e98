from django.urls import path

from . import preview, views

urlpatterns = [
    path("practice/preview/", preview.answer_preview, name="practice-preview"),
    path("<slug:course>/", views.course_home, name="course-home"),
    path("<slug:course>/practice/", views.practice, name="practice"),
    path("<slug:course>/practice/next/", views.practice_next, name="practice-next"),
    path("<slug:course>/practice/steps/", views.practice_steps, name="practice-steps"),
    path("<slug:course>/practice/mastery/", views.practice_mastery, name="practice-mastery"),
    path("<slug:course>/practice/review/<slug:kc>/", views.practice_review, name="practice-review"),
    path("<slug:course>/progress/", views.progress, name="progress"),
]
