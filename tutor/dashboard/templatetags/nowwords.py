"""`{% load nowwords %}{{ moment|since:at }}`: how long ago `moment` was at `at`, as now.duration says it
("under a minute", "7 min", "1 h 5 min"); Django's timesince would say "0 minutes"."""

from django import template

from tutor.dashboard.now import duration

register = template.Library()


@register.filter
def since(moment, at) -> str:
    return duration(at - moment) if moment and at else ""
