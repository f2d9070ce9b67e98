from django.urls import path

from . import assignments, classes, now_page, planners_page, problems_page, structure_page, views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("class/<int:classroom_id>/", views.overview, name="overview"),
    path("class/<int:classroom_id>/learner/<int:learner_id>/", views.learner, name="learner"),
    path("class/<int:classroom_id>/structure/", structure_page.structure, name="structure"),
    path("class/<int:classroom_id>/curriculum/", planners_page.curriculum, name="curriculum"),
    path("class/<int:classroom_id>/curriculum/compare/", planners_page.comparison_new, name="comparison-new"),
    path("class/<int:classroom_id>/curriculum/compare/progress/", planners_page.comparison_progress,
         name="comparison-progress"),
    path("class/<int:classroom_id>/mastery.csv", views.mastery_csv, name="mastery-csv"),
    path("class/<int:classroom_id>/attempts.csv", views.attempts_csv, name="attempts-csv"),
    path("class/<int:classroom_id>/problems/", problems_page.problems, name="problems"),
    path("class/<int:classroom_id>/now/", now_page.now, name="now"),
    path("class/<int:classroom_id>/now/acknowledge/", now_page.acknowledge, name="now-acknowledge"),
    # Class management (classes.py); join is the learner's side.
    path("classes/", classes.classes, name="classes"),
    path("class/<int:classroom_id>/manage/", classes.class_manage, name="class-manage"),
    path("class/<int:classroom_id>/code/", classes.code_replace, name="class-code"),
    path("class/<int:classroom_id>/roster/", classes.roster_import, name="class-roster"),
    path("class/<int:classroom_id>/manage/learner/<int:learner_id>/remove/", classes.learner_remove,
         name="class-learner-remove"),
    path("join/", classes.join, name="join"),
    # Assignments (assignments.py): set, list, progress, close.
    path("class/<int:classroom_id>/assignments/", assignments.assignments, name="assignments"),
    path("class/<int:classroom_id>/assignments/<int:assignment_id>/", assignments.assignment, name="assignment"),
    path("class/<int:classroom_id>/assignments/<int:assignment_id>/close/", assignments.assignment_close_view,
         name="assignment-close"),
]
