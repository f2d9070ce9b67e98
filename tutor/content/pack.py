"""Course packs: read a folder of YAML/JSON files, validate all of it, and describe every problem
with its file, line and field. Plain Python (no Django): the loader service stores the result.

The format is documented in docs/course-format.md.
"""

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from psikt.checking import (
    CORRECT,
    MODES,
    AnswerSpec,
    CouldNotRead,
    Misconception,
    check_answer,
    condition_holds,
    normalize,
    render_answer,
    validate_answer_text,
)

from .mathtext import math_problems, plain_text

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
# Authors write 3, 0.5 or "3/4"; answers are kept as text so every mode reads them the same way.
AnswerText = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)]
TEMPLATE_DRAWS_CHECKED = 50
MAX_DRAW_TRIES = 100


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Choice(_Strict):
    key: Annotated[str, Field(min_length=1, max_length=16)]
    text: Annotated[str, Field(min_length=1)]


class Answer(_Strict):
    mode: Literal[MODES]  # type: ignore[valid-type]
    value: Annotated[AnswerText, Field(min_length=1, max_length=500)]
    tolerance: Annotated[float, Field(ge=0)] = 1e-9
    simplified: bool = False
    choices: list[Choice] = []

    @model_validator(mode="after")
    def _choices_fit_mode(self) -> "Answer":
        keys = [c.key for c in self.choices]
        if self.mode == "choice":
            if len(keys) < 2 or len(set(keys)) != len(keys):
                raise ValueError("a choice answer needs at least two choices with distinct keys")
            if self.value not in keys:
                raise ValueError(f"value {self.value!r} is not one of the choice keys {keys}")
        elif keys:
            raise ValueError(f"choices are only allowed in choice mode, not {self.mode!r}")
        return self

    def spec(self) -> AnswerSpec:
        return AnswerSpec(
            mode=self.mode,
            value=self.value,
            tolerance=self.tolerance,
            simplified=self.simplified,
            choices=tuple((c.key, c.text) for c in self.choices),  # the loader checks texts as learners give them
        )


class KnownMistake(_Strict):
    answer: Annotated[AnswerText, Field(min_length=1, max_length=500)]
    label: Key
    feedback: Annotated[str, Field(min_length=1)]

    def misconception(self) -> Misconception:
        return Misconception(answer=self.answer, label=self.label, feedback=self.feedback)


class StepSpec(_Strict):
    id: Key
    prompt: Annotated[str, Field(min_length=1)]
    answer: Answer
    kcs: list[Key] | None = None
    hints: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=3, max_length=3)]
    misconceptions: list[KnownMistake] = []
    # The prompt restates earlier steps' answers ("Now finish: 12 + 5" after "What is 3x?"), so it
    # must stay hidden until those steps are solved or told; without it the loader refuses that.
    shows_earlier_answers: bool = False


class ItemSpec(_Strict):
    id: Key
    kcs: Annotated[list[Key], Field(min_length=1)]
    difficulty: Annotated[float, Field(ge=-5, le=5)] = 0.0
    statement: Annotated[str, Field(min_length=1)]
    answer: Answer
    misconceptions: list[KnownMistake] = []
    steps: Annotated[list[StepSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _ids_and_misconceptions(self) -> "ItemSpec":
        step_ids = [s.id for s in self.steps]
        if len(set(step_ids)) != len(step_ids):
            raise ValueError(f"step ids repeat: {step_ids}")
        if not self.misconceptions and not any(s.misconceptions for s in self.steps):
            raise ValueError("an item needs at least one known misconception (on the answer or a step)")
        return self


class Parameter(_Strict):
    low: int | None = None
    high: int | None = None
    choices: list[int] = []
    exclude: list[int] = []

    @model_validator(mode="after")
    def _range_or_choices(self) -> "Parameter":
        if self.choices:
            if self.low is not None or self.high is not None:
                raise ValueError("give either low/high or choices, not both")
        elif self.low is None or self.high is None or self.low > self.high:
            raise ValueError("give low <= high, or a list of choices")
        elif self.high - self.low > 1_000_000:
            raise ValueError("the range is too wide (at most 1,000,000 values)")
        if not [v for v in self.values() if v not in self.exclude]:
            raise ValueError("every value is excluded")
        return self

    def values(self) -> list[int] | range:
        return self.choices or range(self.low, self.high + 1)

    def draw(self, rng: random.Random) -> int:
        while True:
            value = rng.choice(self.values())
            if value not in self.exclude:
                return value


class TemplateSpec(ItemSpec):
    parameters: Annotated[dict[Annotated[str, Field(pattern=r"^[a-w]$")], Parameter], Field(min_length=1)]
    where: list[str] = []


class KCSpec(_Strict):
    id: Key
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    prerequisites: list[Key] = []


class CourseSpec(_Strict):
    slug: Key
    title: Annotated[str, Field(min_length=1)]
    description: str = ""
    version: Annotated[int, Field(ge=1)] = 1


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '(file)'}: {self.message}"


class PackError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class CoursePack:
    course: CourseSpec
    kcs: list[KCSpec]
    items: list[ItemSpec]
    templates: list[TemplateSpec]
    # Where each item/template/KC was defined (document, list index), for messages about problems
    # found after the schema check.
    origins: dict[str, tuple["_Document", int]] = field(default_factory=dict)


def content_hash(spec: BaseModel) -> str:
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def pack_hash(pack: "CoursePack") -> str:
    parts = [content_hash(spec) for spec in [pack.course, *pack.kcs, *pack.items, *pack.templates]]
    return hashlib.sha256("".join(parts).encode()).hexdigest()


# ---------------------------------------------------------------- reading files with line numbers


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """The line of the deepest YAML node along a pydantic error location."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


@dataclass
class _Document:
    file: str
    data: Any
    node: yaml.Node | None

    def line(self, loc: tuple) -> int | None:
        return _line_of(self.node, loc)


def _read(path: Path, root: Path, problems: list[Problem]) -> _Document | None:
    name = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # JSON is read as YAML, the same way
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(name, None, "", f"cannot read the file: {error}"))
        return None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(Problem(name, mark.line + 1 if mark else None, "", f"not valid YAML/JSON: {error}"))
        return None
    return _Document(name, data, node)


def _validate(model: type[BaseModel], document: _Document, loc: tuple, data: Any, problems: list[Problem]):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            full = loc + tuple(detail["loc"])
            message = detail["msg"].removeprefix("Value error, ")
            problems.append(Problem(document.file, document.line(full), _field_path(full), message))
        return None


def _list_documents(document: _Document, model: type[BaseModel], problems: list[Problem]) -> Iterator:
    if not isinstance(document.data, list):
        problems.append(Problem(document.file, document.line(()), "", "expected a list at the top level"))
        return
    for index, entry in enumerate(document.data):
        spec = _validate(model, document, (index,), entry, problems)
        if spec is not None:
            yield index, spec


def _pack_files(root: Path, folder: str) -> list[Path]:
    directory = root / folder
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def _single_file(root: Path, stem: str, problems: list[Problem]) -> Path | None:
    found = [root / f"{stem}{suffix}" for suffix in (".yaml", ".yml", ".json") if (root / f"{stem}{suffix}").exists()]
    if len(found) != 1:
        problems.append(Problem(str(root / stem), None, "", f"expected exactly one {stem}.yaml (or .json)"))
        return None
    return found[0]


def read_pack(path: str | Path) -> CoursePack:
    """Read and validate a whole pack; raise PackError listing every problem found."""
    root = Path(path)
    if not root.is_dir():
        raise PackError([Problem(str(root), None, "", "not a folder")])
    problems: list[Problem] = []
    course = None
    kcs: list[KCSpec] = []
    items: list[ItemSpec] = []
    templates: list[TemplateSpec] = []
    origins: dict[str, tuple[_Document, int]] = {}

    def remember(kind: str, key: str, document: _Document, index: int) -> None:
        """Record where a key was defined; a second definition is a problem."""
        origin_key = f"kc:{key}" if kind == "kcs" else f"item:{key}"
        if origin_key in origins:
            first, first_index = origins[origin_key]
            problems.append(Problem(document.file, document.line((index, "id")), f"[{index}].id",
                                    f"id {key!r} is already defined in {first.file}:{first.line((first_index, 'id'))}"))
        origins[origin_key] = (document, index)

    if (course_file := _single_file(root, "course", problems)) and (document := _read(course_file, root, problems)):
        course = _validate(CourseSpec, document, (), document.data, problems)
    if (kcs_file := _single_file(root, "kcs", problems)) and (document := _read(kcs_file, root, problems)):
        for index, spec in _list_documents(document, KCSpec, problems):
            remember("kcs", spec.id, document, index)
            kcs.append(spec)
    for folder, model, bucket in (("items", ItemSpec, items), ("templates", TemplateSpec, templates)):
        for file in _pack_files(root, folder):
            if document := _read(file, root, problems):
                for index, spec in _list_documents(document, model, problems):
                    remember(folder, spec.id, document, index)
                    bucket.append(spec)
    if not items and not templates and not problems:
        problems.append(Problem(str(root), None, "items", "the pack has no items or templates"))

    pack = CoursePack(course, kcs, items, templates, origins)
    if not problems:
        _check_references(pack, problems)
    if not problems:
        _check_prerequisites_acyclic(pack, problems)
    if not problems:
        for item in items:
            _check_item_answers(pack, item, problems)
            for field_path, message in content_problems(item) + earlier_answer_problems(item):
                problems.append(_problem_at(pack, "item", item.id, field_path, message))
        for template in templates:
            _check_template(pack, template, problems)
    if problems:
        raise PackError(problems)
    return pack


# ---------------------------------------------------------------- whole-pack checks


def _problem_at(pack: CoursePack, kind: str, key: str, field_path: str, message: str) -> Problem:
    """A problem in a field of a KC or item, given as a path like 'steps[0].answer.value'."""
    document, index = pack.origins[f"{kind}:{key}"]
    loc = (index,) + tuple(int(p) if p.isdigit() else p for p in re.findall(r"\w+", field_path))
    return Problem(document.file, document.line(loc), _field_path(loc), message)


def _check_references(pack: CoursePack, problems: list[Problem]) -> None:
    known = {kc.id for kc in pack.kcs}
    for kc in pack.kcs:
        for index, parent in enumerate(kc.prerequisites):
            if parent not in known:
                problems.append(_problem_at(pack, "kc", kc.id, f"prerequisites[{index}]", f"unknown KC {parent!r}"))
            elif parent == kc.id:
                problems.append(_problem_at(pack, "kc", kc.id, f"prerequisites[{index}]", "a KC cannot require itself"))
    for item in [*pack.items, *pack.templates]:
        for index, kc in enumerate(item.kcs):
            if kc not in known:
                problems.append(_problem_at(pack, "item", item.id, f"kcs[{index}]", f"unknown KC {kc!r}"))
        for s_index, step in enumerate(item.steps):
            for index, kc in enumerate(step.kcs or []):
                if kc not in known:
                    problems.append(
                        _problem_at(pack, "item", item.id, f"steps[{s_index}].kcs[{index}]", f"unknown KC {kc!r}")
                    )


def _check_prerequisites_acyclic(pack: CoursePack, problems: list[Problem]) -> None:
    parents = {kc.id: kc.prerequisites for kc in pack.kcs}
    state: dict[str, str] = {}  # "visiting" | "done"

    def visit(kc: str, path: list[str]) -> list[str] | None:
        state[kc] = "visiting"
        for parent in parents[kc]:
            if state.get(parent) == "visiting":
                return path[path.index(parent):] + [parent] if parent in path else [kc, parent]
            if parent not in state and (cycle := visit(parent, path + [parent])):
                return cycle
        state[kc] = "done"
        return None

    for kc in parents:
        if kc not in state and (cycle := visit(kc, [kc])):
            chain = " -> ".join(reversed(cycle))
            problems.append(_problem_at(pack, "kc", cycle[0], "prerequisites", f"prerequisite cycle: {chain}"))
            return


def _answers(item: ItemSpec) -> Iterator[tuple[str, Answer, list[KnownMistake]]]:
    yield "answer", item.answer, item.misconceptions
    for index, step in enumerate(item.steps):
        yield f"steps[{index}].answer", step.answer, step.misconceptions


def _check_consistent(answer: Answer, mistakes: list[KnownMistake]) -> str | None:
    """The expected answer must check as correct, and no known mistake may."""
    try:
        validate_answer_text(answer.mode, answer.value)
    except CouldNotRead as error:
        return f"the answer {answer.value!r} cannot be read in {answer.mode} mode: {error}"
    if check_answer(answer.spec(), answer.value).verdict != CORRECT:
        return f"the answer {answer.value!r} does not check as correct in {answer.mode} mode"
    for mistake in mistakes:
        result = check_answer(answer.spec(), mistake.answer)
        if result.verdict == CORRECT:
            return f"the known mistake {mistake.answer!r} ({mistake.label}) is accepted as correct"
        if result.verdict == "unreadable":
            return f"the known mistake {mistake.answer!r} cannot be read: {result.reason}"
    return None


def _check_item_answers(pack: CoursePack, item: ItemSpec, problems: list[Problem]) -> None:
    for path, answer, mistakes in _answers(item):
        if message := _check_consistent(answer, mistakes):
            problems.append(_problem_at(pack, "item", item.id, path, message))


# A placeholder is a parameter name in braces, `{a}`, also inside math; every other brace is text
# (TeX groups: `$\frac{{a}}{{b}}$` is the fraction a/b once a and b are substituted).
_PLACEHOLDER = re.compile(r"\{([a-w])\}")
_FORMATTED_PLACEHOLDER = re.compile(r"\{([a-w])[!:][^{}]*\}")


def _placeholders(text: str) -> set[str]:
    if bad := _FORMATTED_PLACEHOLDER.search(text):
        raise CouldNotRead(f"bad placeholder: {{{bad.group(1)}}} takes no format spec or conversion")
    return set(_PLACEHOLDER.findall(text))


def fill_placeholders(text: str, values: Mapping[str, int]) -> str:
    """A template text for one draw: each `{name}` of a parameter replaced by its value."""
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]) if match.group(1) in values else match.group(0), text)


def _texts(item: ItemSpec) -> Iterator[tuple[str, str]]:
    """Every text a learner may read: statement, prompts, choices, hints and feedback."""
    yield "statement", item.statement
    for index, choice in enumerate(item.answer.choices):
        yield f"answer.choices[{index}].text", choice.text
    for index, mistake in enumerate(item.misconceptions):
        yield f"misconceptions[{index}].feedback", mistake.feedback
    for s_index, step in enumerate(item.steps):
        yield f"steps[{s_index}].prompt", step.prompt
        for index, choice in enumerate(step.answer.choices):
            yield f"steps[{s_index}].answer.choices[{index}].text", choice.text
        for h_index, hint in enumerate(step.hints):
            yield f"steps[{s_index}].hints[{h_index}]", hint
        for m_index, mistake in enumerate(step.misconceptions):
            yield f"steps[{s_index}].misconceptions[{m_index}].feedback", mistake.feedback


def _check_template(pack: CoursePack, template: TemplateSpec, problems: list[Problem]) -> None:
    found_before = len(problems)
    names = set(template.parameters)
    for path, text in _texts(template):
        try:
            unknown = _placeholders(text) - names
        except CouldNotRead as error:
            problems.append(_problem_at(pack, "item", template.id, path, str(error)))
            continue
        if unknown:
            problems.append(_problem_at(pack, "item", template.id, path, f"unknown placeholders {sorted(unknown)}"))
    for path, answer, _ in _answers(template):
        if answer.mode in ("choice", "exact"):
            problems.append(_problem_at(pack, "item", template.id, f"{path}.mode", f"templates cannot use {answer.mode} mode"))
    if len(problems) > found_before:
        return
    rng = random.Random(f"validate:{template.id}")
    # An earlier answer restated in a later prompt is a property of the template when most draws
    # show it ("Now add {p}" where p is the product); a parameter that equals it by chance is not.
    restated: Counter[tuple[str, str]] = Counter()
    for _ in range(TEMPLATE_DRAWS_CHECKED):
        try:
            values = draw_parameters(template, rng)
        except CouldNotRead as error:
            problems.append(_problem_at(pack, "item", template.id, "where", str(error)))
            return
        if message := _unrenderable(template, values):
            path, reason = message
            problems.append(_problem_at(pack, "item", template.id, path, f"{reason} (parameters {values})"))
            return
        concrete = instantiate_with(template, values)
        for path, answer, mistakes in _answers(concrete):
            if message := _check_consistent(answer, mistakes):
                problems.append(_problem_at(pack, "item", template.id, path, f"{message} (parameters {values})"))
                return
        if found := content_problems(concrete):
            problems.extend(
                _problem_at(pack, "item", template.id, path, f"{message} (parameters {values})") for path, message in found
            )
            return
        restated.update((path, re.sub(r"'[^']*'", "'...'", message, count=1)) for path, message in earlier_answer_problems(concrete))
    for (path, message), count in sorted(restated.items()):
        if count > TEMPLATE_DRAWS_CHECKED // 2:
            problems.append(_problem_at(pack, "item", template.id, path, f"{message} (in {count} of {TEMPLATE_DRAWS_CHECKED} draws)"))


def _unrenderable(template: TemplateSpec, values: Mapping[str, int]) -> tuple[str, str] | None:
    """The first answer or known mistake whose expression cannot be computed for these parameters."""
    for path, answer, mistakes in _answers(template):
        mistakes_path = path.removesuffix("answer") + "misconceptions"
        candidates = [(f"{path}.value", answer.value)]
        candidates += [(f"{mistakes_path}[{i}].answer", m.answer) for i, m in enumerate(mistakes)]
        for field_path, expression in candidates:
            try:
                render_answer(answer.mode, expression, values)
            except CouldNotRead as error:
                return field_path, str(error)
    return None


# ---------------------------------------------------------------- content checks: math and giveaways
#
# Steps are revealed one at a time: the statement (and the final answer's choices) are on the page
# from the start, step k's prompt and choices from when step k is reached, and the final answer is
# asked after the last step. A visible text gives an answer away when something in it, copied as it
# stands, is accepted by the checker as the answer of a step not yet solved or as the final answer.

_RUN_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<word>[A-Za-z]+)|(?P<op>[-+*/^=()<>−–×÷·])|(?P<space>\s+)|(?P<other>.)",
    re.DOTALL,
)
_MATH_WORDS = frozenset({"sqrt", "abs", "pi"})
_OPERATORS = "+*/^=<>−–×÷·-"
_SIGNED_NUMBER = re.compile(r"(?<![\w)])[-−]?\d+(?:\.\d+)?(?:\s*/\s*\d+)?|\d+(?:\.\d+)?")


def _runs(text: str) -> list[str]:
    """Maximal stretches of math in plain text: '5x + 3 = 2x + 12' in 'Solve for x: 5x + 3 = 2x + 12.'"""
    runs, current, previous = [], [], ""
    for match in _RUN_TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        mathy = kind in ("number", "op", "space") or (
            kind == "word" and (len(token) == 1 or token in _MATH_WORDS or (previous == "number" and len(token) <= 3))
        )
        if mathy:
            current.append(token)
        else:
            runs.append("".join(current))
            current = []
        previous = kind
    runs.append("".join(current))
    return [run for run in (_trimmed(r) for r in runs) if run]


# A bare integer or a lone letter in prose ("subtract 4 from both sides", "solve for x") names a
# quantity without offering it as an answer; that it equals an answer is a coincidence, frequent in
# template draws. Fractions, decimals and expressions are what a learner copies.
_NOT_OFFERED = re.compile(r"[-−–+]?\s*(?:\d+|[A-Za-z])")


def _trimmed(run: str) -> str:
    """A run without dangling operators or unbalanced brackets at its ends."""
    while True:
        before = run
        run = run.strip().rstrip("+*/^=<>−–×÷·-").lstrip("+*/^=<>×÷·")
        if run.startswith("(") and run.count("(") > run.count(")"):
            run = run[1:]
        if run.endswith(")") and run.count(")") > run.count("("):
            run = run[:-1]
        if run == before:
            return run


def stated_results(text: str) -> list[str]:
    """The results of arithmetic a text states: '17' in '12 + 5 = 17' (both sides)."""
    found = []
    for run in _runs(plain_text(text)):
        if run.count("=") == 1 and not re.search("[<>A-Za-z]", run):
            found.extend(_trimmed(part) for part in run.split("="))
    return found


def visible_candidates(text: str, *, loose: bool = False) -> list[str]:
    """What a learner could copy from a text as an answer.

    Strict: each maximal math stretch, and each side of an equation in it; a number inside an
    expression ('3' in '5x + 3') is not offered by itself, nor a bare number or letter, unless it
    is the result of arithmetic stated in the text ('17' in '12 + 5 = 17'). Loose adds every number on its own,
    '12' in 'Now finish: 12 + 5', for the check of earlier answers restated in a later prompt.
    """
    plain = plain_text(text)
    found: list[str] = []
    for run in _runs(plain):
        found.append(run)
        if run.count("=") == 1 and not re.search(r"[<>]", run):
            found.extend(_trimmed(part) for part in run.split("="))
    found = [candidate for candidate in found if candidate and not _NOT_OFFERED.fullmatch(candidate)]
    found += stated_results(text)
    if loose:
        found.extend(match.group().replace(" ", "") for match in _SIGNED_NUMBER.finditer(plain))
    return list(dict.fromkeys(found))


def _letters(text: str) -> set[str]:
    return {word for word in re.findall(r"[A-Za-z]+", normalize(text)) if word not in _MATH_WORDS}


_READ_VERDICTS = ("correct", "incorrect", "misconception", "wrong_form")  # the text was read as this kind


def _same_kind(answer: Answer, candidate: str) -> bool:
    """Cheap filters: only a candidate of the answer's kind can be accepted (keeps the sandbox idle)."""
    if answer.mode in ("expression", "equation"):
        return _letters(candidate) == _letters(answer.value) and (answer.mode == "expression" or "=" in candidate)
    return answer.mode == "exact" or not _letters(candidate)


def _inside(part: str, whole: str) -> bool:
    """Whether `part` is a term of `whole` ('1/12' is not inside '11/12')."""
    return re.search(rf"(?<![\w./]){re.escape(part)}(?![\w./])", whole) is not None


def _accepted(
    answer: Answer, candidates: list[str], options: list[str] | None = None, stated: list[str] = ()
) -> str | None:
    """The first candidate the checker accepts as this answer.

    With `options` (every value the text shows), a candidate is not counted when the text shows
    another value of the same kind outside it: "Which is larger, 3/4 or 2/3?" and "the line with
    slope 1/2 and y-intercept -2" ask the learner to pick the right one of the values shown. A
    result the text states (`stated`) always counts.
    """
    if answer.mode == "choice":
        return None  # the choices are on the page by design; a key is not something to give away
    spec = answer.spec()
    for candidate in candidates:
        if not _same_kind(answer, candidate) or check_answer(spec, candidate).verdict != CORRECT:
            continue
        if candidate in stated:
            return candidate
        others = [o for o in options or () if not _inside(o, candidate) and not _inside(candidate, o) and _same_kind(answer, o)]
        if any(check_answer(spec, other).verdict in _READ_VERDICTS for other in others):
            continue
        return candidate
    return None


def _visible(item: ItemSpec) -> Iterator[tuple[int, str, str]]:
    """(the step from which it is on the page, -1 from the start; field; text)."""
    yield -1, "statement", item.statement
    for index, choice in enumerate(item.answer.choices):
        yield -1, f"answer.choices[{index}].text", choice.text
    for s_index, step in enumerate(item.steps):
        yield s_index, f"steps[{s_index}].prompt", step.prompt
        for index, choice in enumerate(step.answer.choices):
            yield s_index, f"steps[{s_index}].answer.choices[{index}].text", choice.text


def giveaway_problems(item: ItemSpec) -> list[tuple[str, str]]:
    """(field, message) for each visible text that gives away an answer before it is found."""
    problems = []
    steps = item.steps
    # The final answer is no secret once a step with the same answer is solved.
    final_known_after = next(
        (index for index, step in enumerate(steps) if _accepted(item.answer, [step.answer.value])), len(steps)
    )
    for shown_from, path, text in _visible(item):
        strict, options, stated = visible_candidates(text), visible_candidates(text, loose=True), stated_results(text)
        for index in range(max(shown_from, 0), len(steps)):
            if found := _accepted(steps[index].answer, strict, options, stated):
                name = "this step" if index == shown_from else f"step {steps[index].id!r}"
                problems.append((path, (f"gives away the answer of {name}: {found!r} is accepted as its answer, "
                                       "and this text is on the page before that step is solved")))
        if shown_from <= final_known_after and (found := _accepted(item.answer, strict, options, stated)):
            hint = " (a 'simplify' item needs a form requirement so its own expression is not accepted)" if (
                path == "statement" and item.answer.mode in ("expression", "equation")) else ""
            problems.append((path, f"gives away the final answer: {found!r} is accepted as the answer{hint}"))
    return problems


def earlier_answer_problems(item: ItemSpec) -> list[tuple[str, str]]:
    """(field, message) for a prompt (or its choices) that shows an earlier step's answer undeclared.

    Not a giveaway (the prompt is on the page only once that step is solved), but the format asks
    for `shows_earlier_answers: true` so that a prompt restating answers is never shown early.
    """
    problems = []
    for shown_from, path, text in _visible(item):
        if shown_from <= 0 or item.steps[shown_from].shows_earlier_answers:
            continue
        options = visible_candidates(text, loose=True)
        for step in item.steps[:shown_from]:
            if found := _accepted(step.answer, options):
                problems.append((path, (f"shows {found!r}, the answer of the earlier step {step.id!r}: reword it, or "
                                       f"set shows_earlier_answers: true on step {item.steps[shown_from].id!r}")))
    return problems


def content_problems(item: ItemSpec) -> list[tuple[str, str]]:
    """(field, message) for math that cannot be shown and for visible texts that give answers away."""
    problems = [(path, message) for path, text in _texts(item) for message in math_problems(text)]
    return problems + giveaway_problems(item)


# ---------------------------------------------------------------- templates to concrete items


class ConcreteItem(ItemSpec):
    """An item drawn from a template, with the parameters it was drawn with."""

    id: Annotated[str, Field(max_length=128)]
    template: str
    parameters: dict[str, int]


def draw_parameters(template: TemplateSpec, rng: random.Random) -> dict[str, int]:
    for _ in range(MAX_DRAW_TRIES):
        values = {name: parameter.draw(rng) for name, parameter in sorted(template.parameters.items())}
        if all(condition_holds(condition, values) for condition in template.where):
            return values
    raise CouldNotRead(f"no parameters satisfying {template.where} found in {MAX_DRAW_TRIES} draws")


def instantiate(template: TemplateSpec, rng: random.Random) -> ConcreteItem:
    """Draw parameters and render every text and answer of the template; raises CouldNotRead."""
    values = draw_parameters(template, rng)
    return instantiate_with(template, values)


def instantiate_with(template: TemplateSpec, values: Mapping[str, int]) -> ConcreteItem:
    def text(value: str) -> str:
        return fill_placeholders(value, values)

    def answer(spec: Answer) -> Answer:
        return spec.model_copy(update={"value": render_answer(spec.mode, spec.value, values)})

    def mistakes(entries: list[KnownMistake], mode: str) -> list[KnownMistake]:
        return [
            KnownMistake(answer=render_answer(mode, m.answer, values), label=m.label, feedback=text(m.feedback))
            for m in entries
        ]

    steps = [
        StepSpec(
            id=step.id,
            prompt=text(step.prompt),
            answer=answer(step.answer),
            kcs=step.kcs,
            hints=[text(h) for h in step.hints],
            misconceptions=mistakes(step.misconceptions, step.answer.mode),
            shows_earlier_answers=step.shows_earlier_answers,
        )
        for step in template.steps
    ]
    suffix = "-".join(f"{name}{value}" for name, value in sorted(values.items()))
    return ConcreteItem(
        id=f"{template.id}--{suffix}",
        kcs=template.kcs,
        difficulty=template.difficulty,
        statement=text(template.statement),
        answer=answer(template.answer),
        misconceptions=mistakes(template.misconceptions, template.answer.mode),
        steps=steps,
        template=template.id,
        parameters=dict(values),
    )
