from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from tutor.content.selectors import course_kcs, course_list

from .serializers import CourseDetailOut, CourseOut


class CourseListView(APIView):
    @extend_schema(responses=CourseOut(many=True))
    def get(self, request):
        return Response(CourseOut(course_list(), many=True).data)


class CourseDetailView(APIView):
    @extend_schema(responses=CourseDetailOut)
    def get(self, request, course: str):
        found = get_object_or_404(course_list(), slug=course)
        return Response(CourseDetailOut(found, context={"kcs": course_kcs(course=found)}).data)
