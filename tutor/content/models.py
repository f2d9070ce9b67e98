"""Course content: KCs with declared prerequisites, items with steps, hint ladders and known
misconceptions, and parameterised templates. Loaded from course packs (see docs/course-format.md)."""

from django.db import models

from psikt.checking import MODES

_ANSWER_MODE_VALID = models.Q(answer__mode__in=list(MODES))


class Course(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    # Hash of the whole loaded pack: anything cached from the content is stale when it changes.
    content_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class KnowledgeComponent(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="kcs")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # "j is a prerequisite of k": k.prerequisites contains j. Acyclic: the loader rejects cycles.
    prerequisites = models.ManyToManyField("self", symmetrical=False, related_name="dependents", blank=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["course", "key"], name="kc_key_unique_in_course"),)
        ordering = ["course", "id"]  # noqa: RUF012 -- Meta is read, never mutated; a tuple would need a migration

    def __str__(self) -> str:
        return self.name


class ItemTemplate(models.Model):
    """A parameterised item; each learner gets concrete Items drawn from it (Item.template)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="templates")
    key = models.SlugField(max_length=64)
    kcs = models.ManyToManyField(KnowledgeComponent, related_name="templates")
    difficulty = models.FloatField(default=0.0)
    spec = models.JSONField(help_text="The template as written in the course pack.")
    content_hash = models.CharField(max_length=64)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["course", "key"], name="template_key_unique_in_course"),)

    def __str__(self) -> str:
        return self.key


class Item(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=128)
    kcs = models.ManyToManyField(KnowledgeComponent, related_name="items")
    difficulty = models.FloatField(default=0.0)
    statement = models.TextField()
    answer = models.JSONField(help_text="{mode, value, tolerance?, simplified?, choices?}")
    template = models.ForeignKey(ItemTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="instances")
    parameters = models.JSONField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["course", "key"], name="item_key_unique_in_course"),
            models.CheckConstraint(condition=_ANSWER_MODE_VALID, name="item_answer_mode_valid"),
            models.CheckConstraint(
                condition=models.Q(template__isnull=True, parameters__isnull=True)
                | models.Q(template__isnull=False, parameters__isnull=False),
                name="item_parameters_iff_template",
            ),
        )
        ordering = ["course", "id"]  # noqa: RUF012 -- Meta is read, never mutated; a tuple would need a migration

    def __str__(self) -> str:
        return self.key


class Step(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(max_length=64)
    position = models.PositiveSmallIntegerField()
    prompt = models.TextField()
    answer = models.JSONField()
    kcs = models.ManyToManyField(KnowledgeComponent, related_name="steps")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["item", "key"], name="step_key_unique_in_item"),
            models.UniqueConstraint(fields=["item", "position"], name="step_position_unique_in_item"),
            models.CheckConstraint(condition=_ANSWER_MODE_VALID, name="step_answer_mode_valid"),
        )
        ordering = ["item", "position"]  # noqa: RUF012 -- Meta is read, never mutated; a tuple would need a migration

    def __str__(self) -> str:
        return f"{self.item.key}/{self.key}"


class Hint(models.Model):
    class Level(models.IntegerChoices):
        POINTING = 1, "Pointing hint"
        TEACHING = 2, "Teaching hint"
        BOTTOM_OUT = 3, "Bottom-out hint"

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="hints")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    text = models.TextField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["step", "level"], name="hint_level_unique_in_step"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3), name="hint_level_valid"),
        )
        ordering = ["step", "level"]  # noqa: RUF012 -- Meta is read, never mutated; a tuple would need a migration


class Misconception(models.Model):
    """A known wrong answer to a step (or to the item's final answer when step is empty)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="misconceptions")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.CASCADE, related_name="misconceptions")
    answer = models.CharField(max_length=500)
    label = models.SlugField(max_length=64)
    feedback = models.TextField()

    class Meta:
        ordering = ["item", "step", "id"]  # noqa: RUF012 -- Meta is read, never mutated; a tuple would need a migration
