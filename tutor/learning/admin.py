from django import forms
from django.contrib import admin, messages

from tutor.content.admin import CourseAdmin
from tutor.content.models import Course

from .models import Attempt, Classroom, Cohort, Enrollment, Learner, LearnerState, TracerModel, TutorTurn
from .refit import tracer_model_activate
from .services import cohort_attach
from .tasks import tracer_refit


@admin.action(description="Refit the tracer from these courses' answers (background job)")
def tracers_refit(modeladmin, request, courses):
    """Also the first fit of a course that has no tracer version yet; TracerModel's admin reuses it."""
    course_ids = sorted(set(courses.values_list("pk", flat=True)))
    for course_id in course_ids:
        tracer_refit.delay(course_id, None, True)
    modeladmin.message_user(request, f"queued a refit for {len(course_ids)} course(s)")


class CourseWithTracerAdmin(CourseAdmin):
    """The content app's Course admin plus what the learning app does with a course."""

    actions = (*CourseAdmin.actions, tracers_refit)


admin.site.unregister(Course)
admin.site.register(Course, CourseWithTracerAdmin)


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "created_at")
    list_filter = ("kind",)
    list_select_related = ("user", "api_client")


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    raw_id_fields = ("learner",)


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "course")
    filter_horizontal = ("teachers",)
    inlines = (EnrollmentInline,)


class CohortAdminForm(forms.ModelForm):
    attach_to = forms.ModelChoiceField(
        Classroom.objects.none(), required=False,
        help_text="Enrol all of this cohort's learners in this class, so that its teachers can read them.",
    )

    class Meta:
        model = Cohort
        fields = ("name",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only classes of the cohort's course can take it in.
        self.fields["attach_to"].queryset = Classroom.objects.filter(course_id=self.instance.course_id)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    form = CohortAdminForm
    list_display = ("__str__", "course", "planner", "created_at")
    list_select_related = ("api_client", "course")
    readonly_fields = ("api_client", "course", "planner", "created_at")

    def has_add_permission(self, request):
        return False  # cohorts are created with their learners, through the API

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if classroom := form.cleaned_data.get("attach_to"):
            added = cohort_attach(cohort=obj, classroom=classroom)
            self.message_user(request, f"{added} learner(s) of {obj} newly enrolled in {classroom}.")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Read-only: the attempt log is append-only and written by the tutoring services."""

    list_display = ("id", "learner", "item", "step_key", "verdict", "answered_at", "source")
    list_filter = ("verdict", "source")
    list_select_related = ("learner__user", "learner__api_client", "item")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LearnerState)
class LearnerStateAdmin(admin.ModelAdmin):
    list_display = ("learner", "course", "tracer_version", "updated_at")
    list_select_related = ("learner__user", "learner__api_client", "course")
    readonly_fields = ("last_attempt",)


@admin.register(TutorTurn)
class TutorTurnAdmin(admin.ModelAdmin):
    list_display = ("id", "learner", "item", "step_key", "move_intent", "hint_level", "backend", "created_at")
    list_filter = ("move_category", "backend", "fell_back")
    list_select_related = ("learner__user", "learner__api_client", "item")


@admin.register(TracerModel)
class TracerModelAdmin(admin.ModelAdmin):
    list_display = ("id", "course", "is_active", "created_at")
    list_filter = ("course", "is_active")
    exclude = ("checkpoint",)  # binary weights: not editable by hand
    readonly_fields = ("metrics", "created_at", "is_active")  # switched only by the actions below
    actions = ("refit_courses", "serve_version")

    @admin.action(description="Refit the tracer of these versions' courses (background job)")
    def refit_courses(self, request, queryset):
        tracers_refit(self, request, Course.objects.filter(tracer_models__in=queryset))

    @admin.action(description="Serve the selected version (switch or roll back)")
    def serve_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "select exactly one version to serve", level=messages.ERROR)
            return
        model = queryset.get()
        tracer_model_activate(model=model)
        self.message_user(request, f"course {model.course} now serves tracer version {model.pk}")
