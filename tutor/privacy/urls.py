from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.my_data, name="my-data"),
    path("learners/<int:learner_id>/export/", views.learner_export_download, name="export"),
    path("learners/<int:learner_id>/erase/", views.learner_erase_confirm, name="erase"),
]
