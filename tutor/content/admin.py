from django.contrib import admin

from .models import Course, Hint, Item, ItemTemplate, KnowledgeComponent, Misconception, Step


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "version", "updated_at")
    search_fields = ("title", "slug")
    # The learning app adds its "refit the tracer" action (learning/admin.py): content knows nothing of learning.


@admin.register(KnowledgeComponent)
class KnowledgeComponentAdmin(admin.ModelAdmin):
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
class ItemAdmin(admin.ModelAdmin):
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
class StepAdmin(admin.ModelAdmin):
    list_display = ("__str__", "position")
    list_select_related = ("item",)
    search_fields = ("item__key", "key", "prompt")
    inlines = (HintInline,)


@admin.register(ItemTemplate)
class ItemTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "course", "difficulty")
    list_filter = ("course",)
    search_fields = ("key",)


@admin.register(Hint)
class HintAdmin(admin.ModelAdmin):
    list_display = ("step", "level")
    list_select_related = ("step__item",)


@admin.register(Misconception)
class MisconceptionAdmin(admin.ModelAdmin):
    list_display = ("label", "item", "step", "answer")
    list_select_related = ("item", "step__item")
    search_fields = ("label", "item__key")
