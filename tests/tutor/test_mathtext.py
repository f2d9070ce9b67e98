from pathlib import Path

import pytest
import yaml
from django.template import Context, Template

from psikt.llm.answer_text import answer_tex
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


def _demo_answers():
    for path in sorted((Path(__file__).resolve().parents[2] / "courses" / "demo" / "items").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text()):
            for answer in [item["answer"], *(step["answer"] for step in item.get("steps", ()))]:
                if answer["mode"] != "choice":
                    yield str(answer["value"])


def test_every_demo_answer_is_told_as_valid_typeset_math():
    """The tutor tells an answer typeset by psikt.llm (answer_tex); the page's math checker must read
    every demo answer so told (here, not in tests/llm, which run without the web application)."""
    values = sorted(set(_demo_answers()))
    assert len(values) > 50
    for value in values:
        text = answer_tex(value)
        assert text.startswith("$") and "*" not in text and "+ (" not in text, value
        assert math_problems(f"The answer is {text}.") == [], value
