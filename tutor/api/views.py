from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from tutor.content.selectors import course_kcs, course_list
from tutor.learning.engine import course_engine

from .serializers import CourseDetailOut, CourseGraphOut, CourseOut, errors


class CourseListView(APIView):
    @extend_schema(responses={200: CourseOut(many=True), **errors(401)})
    def get(self, request):
        return Response(CourseOut(course_list(), many=True).data)


class CourseDetailView(APIView):
    @extend_schema(responses={200: CourseDetailOut, **errors(401, 404)})
    def get(self, request, course: str):
        found = get_object_or_404(course_list(), slug=course)
        return Response(CourseDetailOut(found, context={"kcs": course_kcs(course=found)}).data)


class CourseGraphView(APIView):
    @extend_schema(responses={200: CourseGraphOut, **errors(401, 404)})
    def get(self, request, course: str):
        """Declared prerequisite edges, and the serving tracer's probability for every ordered KC pair."""
        found = get_object_or_404(course_list(), slug=course)
        engine = course_engine(found)
        learned = engine.tracer.prerequisites()
        return Response({
            "course": found.slug,
            "kcs": learned.kcs,
            "declared": [{"source": pre, "target": kc} for kc, pres in engine.prerequisites_of.items() for pre in pres],
            "learned": [
                {"source": source, "target": target, "p": float(learned.matrix[j, k])}
                for k, target in enumerate(learned.kcs) for j, source in enumerate(learned.kcs) if j != k
            ],
        })
