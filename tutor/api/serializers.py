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
