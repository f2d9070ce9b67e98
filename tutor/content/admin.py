from django.contrib import admin
from django.utils import timezone

from .models import Course, Hint, Item, ItemTemplate, KnowledgeComponent, Misconception, Step


def _course_id(obj) -> int:
    if isinstance(obj, Hint):
        return obj.step.item.course_id
    if isinstance(obj, (Step, Misconception)):
        return obj.item.course_id
    return obj.course_id


def _courses_touched(course_ids) -> None:
    Course.objects.filter(pk__in=set(course_ids)).update(updated_at=timezone.now())


class CourseContentAdmin(admin.ModelAdmin):
    """An edit of a course's content touches the course's updated_at: every process holds the content
    in memory (learning's course engine) and reads it again when that changes."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _courses_touched([_course_id(form.instance)])

    def delete_model(self, request, obj):
        course_id = _course_id(obj)
        super().delete_model(request, obj)
        _courses_touched([course_id])

    def delete_queryset(self, request, queryset):
        course_ids = [_course_id(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        _courses_touched(course_ids)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "version", "updated_at")
    search_fields = ("title", "slug")
    # The learning app adds its "refit the tracer" action (learning/admin.py): content knows nothing of learning.


@admin.register(KnowledgeComponent)
class KnowledgeComponentAdmin(CourseContentAdmin):
    list_display = ("key", "name", "course")
    list_filter = ("course",)
    search_fields = ("key", "name")
    filter_horizontal = ("prerequisites",)


class StepInline(admin.StackedInline):
    model = Step
    extra = 0
    show_change_link = True


class MisconceptionInline(admin.TabularInline):
    model = Misconception
    extra = 0


@admin.register(Item)
class ItemAdmin(CourseContentAdmin):
    list_display = ("key", "course", "difficulty", "template")
    list_filter = ("course",)
    list_select_related = ("course", "template")
    search_fields = ("key", "statement")
    filter_horizontal = ("kcs",)
    inlines = (StepInline, MisconceptionInline)


class HintInline(admin.TabularInline):
    model = Hint
    extra = 0


@admin.register(Step)
class StepAdmin(CourseContentAdmin):
    list_display = ("__str__", "position")
    list_select_related = ("item",)
    search_fields = ("item__key", "key", "prompt")
    inlines = (HintInline,)


@admin.register(ItemTemplate)
class ItemTemplateAdmin(CourseContentAdmin):
    list_display = ("key", "course", "difficulty")
    list_filter = ("course",)
    search_fields = ("key",)


@admin.register(Hint)
class HintAdmin(CourseContentAdmin):
    list_display = ("step", "level")
    list_select_related = ("step__item",)


@admin.register(Misconception)
class MisconceptionAdmin(CourseContentAdmin):
    list_display = ("label", "item", "step", "answer")
    list_select_related = ("item", "step__item")
    search_fields = ("label", "item__key")
