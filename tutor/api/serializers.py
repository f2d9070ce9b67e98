from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class KnowledgeComponentOut(serializers.Serializer):
    id = serializers.CharField(source="key")
    name = serializers.CharField()
    prerequisites = serializers.ListField(child=serializers.CharField(), help_text="ids of declared prerequisite KCs")


class CourseOut(serializers.Serializer):
    id = serializers.CharField(source="slug")
    title = serializers.CharField()
    description = serializers.CharField()
    version = serializers.IntegerField()
    item_count = serializers.IntegerField()
    template_count = serializers.IntegerField()


class CourseDetailOut(CourseOut):
    kcs = serializers.SerializerMethodField()

    @extend_schema_field(KnowledgeComponentOut(many=True))
    def get_kcs(self, course) -> list[dict]:
        return KnowledgeComponentOut(self.context["kcs"], many=True).data


class LearnerIn(serializers.Serializer):
    course = serializers.SlugField()
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    planner = serializers.CharField(max_length=32, required=False, default="adaptive")


class LearnerOut(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField()
    planner = serializers.CharField()
    external_id = serializers.CharField()


class StepOut(serializers.Serializer):
    id = serializers.CharField()
    prompt = serializers.CharField()


class ItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    kcs = serializers.ListField(child=serializers.CharField())
    prompt = serializers.CharField()
    steps = StepOut(many=True)
    difficulty = serializers.FloatField()


class NextOut(serializers.Serializer):
    item = ItemOut()
    reason = serializers.DictField()


class AttemptIn(serializers.Serializer):
    item = serializers.IntegerField()
    step = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    answer = serializers.CharField(max_length=2000, required=False, allow_blank=True, trim_whitespace=False)
    correct = serializers.BooleanField(required=False, allow_null=True, default=None)
    timestamp = serializers.DateTimeField(required=False)
    idempotency_key = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")

    def validate(self, data):
        if ("answer" in data) == (data.get("correct") is not None):
            raise serializers.ValidationError("give exactly one of answer (checked here) or correct (self-graded)")
        return data


class FeedbackOut(serializers.Serializer):
    move = serializers.CharField()
    text = serializers.CharField()
    hint_level = serializers.IntegerField()


class AttemptOut(serializers.Serializer):
    id = serializers.IntegerField()
    correct = serializers.BooleanField()
    verdict = serializers.CharField()
    feedback = FeedbackOut()
    mastery = serializers.DictField(child=serializers.FloatField())


class AttemptRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    step = serializers.CharField(source="step_key")
    answer = serializers.CharField(source="raw_answer")
    verdict = serializers.CharField()
    correct = serializers.BooleanField()
    timestamp = serializers.DateTimeField(source="answered_at")


class MasteryOut(serializers.Serializer):
    p = serializers.FloatField()
    sd = serializers.FloatField()
