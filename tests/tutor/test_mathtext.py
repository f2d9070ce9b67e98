import pytest
from django.template import Context, Template

from tutor.content.mathtext import math_html, math_problems, plain_text


def test_math_spans_become_mathml_with_a_plain_alttext_and_text_is_escaped():
    html = math_html(r"Solve for $x$: $5x + 3 = 2x + 12$ <b>now</b> & $\frac{3}{4}$")
    assert html.count("<math ") == 3 and "<mfrac>" in html
    assert 'alttext="5x + 3 = 2x + 12"' in html and 'alttext="3/4"' in html
    assert "&lt;b&gt;now&lt;/b&gt; &amp;" in html
    assert "$" not in html


def test_escaped_dollar_is_a_dollar_sign_and_money_is_never_math():
    assert math_html(r"A car costs \$25,000 and a bike \$300.") == "A car costs $25,000 and a bike $300."
    assert plain_text(r"\$5 for $x$") == "$5 for x"
    assert math_problems(r"costs \$25,000 and \$300") == []
    # unescaped amounts do not become math, and the loader is told about them
    assert math_html("pay $5 and $6") == "pay $5 and $6"
    assert "outside math" in math_problems("pay $5 and $6")[0]
    assert "outside math" in math_problems("costs $25,000")[0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (r"$\frac{1}$", "missing an argument"),
        (r"$\fraction{1}{2}$", "unknown TeX command"),
        (r"$x^$", "not valid TeX"),
        (r"$\left( x$", "not valid TeX"),
        (r"${x$", "unbalanced braces"),
    ],
)
def test_bad_tex_is_a_problem_but_never_raises_when_shown(text, fragment):
    problems = math_problems(text)
    assert problems and fragment in problems[0], problems
    shown = math_html(text)
    assert "<math" not in shown and "math-source" in shown


def test_typographic_operators_are_operators_for_screen_readers():
    html = math_html("$4 × (−2)$")
    assert "<mo>&#x000D7;</mo>" in html and "<mo>&#x02212;</mo>" in html and "<mi>" not in html


def test_plain_text_linearises_math():
    assert plain_text(r"Write $\frac{75}{100}$ as $x^{10} \cdot \sqrt{4}$") == "Write 75/100 as x^10 · sqrt(4)"
    assert plain_text(r"$\frac{x + 1}{2}$") == "(x + 1)/2"


def test_template_filter():
    rendered = Template("{% load mathtext %}<p>{{ text|math }}</p>").render(Context({"text": "Is $x < 3$? <i>"}))
    assert rendered.startswith("<p>Is <math ") and "&#x0003C;" in rendered and "&lt;i&gt;</p>" in rendered
    assert Template("{% load mathtext %}{{ missing|math }}").render(Context({})) == ""
