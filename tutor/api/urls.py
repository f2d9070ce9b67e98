from django.urls import path

from . import learners, views

urlpatterns = [
    path("courses/", views.CourseListView.as_view(), name="course-list"),
    path("courses/<slug:course>/", views.CourseDetailView.as_view(), name="course-detail"),
    path("learners/", learners.LearnerListView.as_view(), name="learner-list"),
    path("learners/<int:learner>/", learners.LearnerDetailView.as_view(), name="learner-detail"),
    path("learners/<int:learner>/next/", learners.NextItemView.as_view(), name="learner-next"),
    path("learners/<int:learner>/attempts/", learners.AttemptListView.as_view(), name="learner-attempts"),
    path("learners/<int:learner>/mastery/", learners.MasteryView.as_view(), name="learner-mastery"),
]
