"""Course packs: read a folder of YAML/JSON files, validate all of it, and describe every problem
with its file, line and field. Plain Python (no Django): the loader service stores the result.

The format is documented in docs/course-format.md.
"""

import hashlib
import json
import random
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from checking import (
    CORRECT,
    MODES,
    AnswerSpec,
    CouldNotRead,
    Misconception,
    check_answer,
    condition_holds,
    render_answer,
    validate_answer_text,
)

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
            choices=tuple(c.key for c in self.choices),
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


def _placeholders(text: str) -> set[str]:
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError as error:
        raise CouldNotRead(f"bad placeholder: {error}") from error
    for name, spec, conversion in fields:
        if spec or conversion:  # "{a:q}" passes a name check and fails only when an item is drawn
            raise CouldNotRead(f"bad placeholder: {{{name}}} takes no format spec or conversion")
    return {name for name, _, _ in fields}


def _template_texts(template: TemplateSpec) -> Iterator[tuple[str, str]]:
    yield "statement", template.statement
    for index, mistake in enumerate(template.misconceptions):
        yield f"misconceptions[{index}].feedback", mistake.feedback
    for s_index, step in enumerate(template.steps):
        yield f"steps[{s_index}].prompt", step.prompt
        for h_index, hint in enumerate(step.hints):
            yield f"steps[{s_index}].hints[{h_index}]", hint
        for m_index, mistake in enumerate(step.misconceptions):
            yield f"steps[{s_index}].misconceptions[{m_index}].feedback", mistake.feedback


def _check_template(pack: CoursePack, template: TemplateSpec, problems: list[Problem]) -> None:
    found_before = len(problems)
    names = set(template.parameters)
    for path, text in _template_texts(template):
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
        return value.format_map(values)

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
