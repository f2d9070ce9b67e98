"""`{% load mathtext %}{{ text|math }}`: content text with its `$...$` math as MathML."""

from django import template

from tutor.content.mathtext import math_html

register = template.Library()


@register.filter(name="math", is_safe=True)
def math(value) -> str:
    """Escape the text and typeset its math; the input is plain content text, never HTML."""
    return math_html(value)
