"""The deterministic pedagogical policy: what the tutor does next, before any text is written.

Rules, in order:
- a correct answer is confirmed and focus moves to the next step (or the item closes);
- text the checker could not read (unreadable), a readable answer of the wrong kind (an expression
  where a number is asked: wrong_kind) and an equal value in the wrong form (3/4 where a decimal is
  asked: wrong_form) get the checker's note and a request to write it again; the hint ladder does
  not move and nothing is evidence;
- working with a wrong arithmetic claim ("11 + 3 = 15": `working_wrong_step`) gets feedback on that
  claim and a request to redo that step (self-correction on a subproblem, partially correct); working
  whose claims are all right (`working_right`) is told so and asked for the answer. The hint ladder
  does not move and nothing is evidence;
- off-topic words (`off_topic`: chatter read by `psikt.llm.learner_text`) get a short redirect to the
  open step, restating what it asks (Focus, `notes["redirect"]`): no hint, the ladder does not move
  and nothing is evidence;
- a known misconception escalates with each repeat of the same one on the step in this visit
  (`same_mistake_before`): the first time it asks for self-correction, naming the step, with the
  pack's targeted feedback; the second time it gives the next rung of the hint ladder; from the third
  time on, the worked step (the bottom-out hint, Telling), held back like any bottom-out hint (below);
- after a wrong answer or a hint request, a weak prerequisite (tracer mastery below
  `weak_prerequisite_threshold`) is recalled first, once per step;
- otherwise the hint ladder climbs one rung per wrong answer or request: pointing hint (Focus),
  teaching hint (Focus), and the bottom-out hint (Telling) only once the learner has made at least
  `attempts_before_telling` attempts on the step. Until then, at the bottom of the ladder, a learner
  who has answered on the step is asked to explain their answer (Probing); one who has given no
  answer there is never asked to explain one: they get the last rung again with a request to try
  (Focus, `notes["asks_to_try"]`). A request for help is answered with help, never with a request
  for an explanation: once the learner has answered on the step, a request at the bottom of the
  ladder gets the worked step (Telling).
MathDial's teachers tell in about 16% of moves; this ladder keeps Telling at the bottom.
"""

from dataclasses import dataclass, field

from .moves import CATEGORY_OF, Category, Evaluation, Intent

CORRECT, MISCONCEPTION, INCORRECT, UNREADABLE, HINT_REQUEST = (
    "correct", "misconception", "incorrect", "unreadable", "hint_request",
)
WRONG_KIND, WRONG_FORM = "wrong_kind", "wrong_form"  # the checker's verdicts, as in checking
# Working in words (`psikt.llm.learner_text`): a claim in it is wrong, or all its claims are right.
WORKING_WRONG_STEP, WORKING_RIGHT = "working_wrong_step", "working_right"
OFF_TOPIC = "off_topic"  # words about something else (`psikt.llm.learner_text`)
REENTER = (UNREADABLE, WRONG_KIND, WRONG_FORM)  # the learner is asked to write the answer again
BOTTOM_OUT = 3


@dataclass(frozen=True)
class WeakPrerequisite:
    kc: str
    name: str
    mastery: float


@dataclass(frozen=True)
class TurnState:
    """What the policy may look at: the check result and the learner's history on this step."""

    # correct | misconception | incorrect | unreadable | wrong_kind | wrong_form | hint_request |
    # working_wrong_step | working_right | off_topic
    outcome: str
    hint_level: int = 0  # highest rung already shown on this step (0: none)
    attempts_on_step: int = 0  # answers given on this step, including this one
    prerequisite_recalled: bool = False  # a weak prerequisite was already recalled on this step
    weak_prerequisites: tuple[WeakPrerequisite, ...] = ()
    has_next_step: bool = False
    # How many earlier answers on this step, in this visit, made the same known misconception as this
    # one (0 the first time); read only when the outcome is a misconception.
    same_mistake_before: int = 0


@dataclass(frozen=True)
class Decision:
    intent: Intent
    evaluation: Evaluation
    hint_level: int  # the rung to show now (0: no hint)
    recall: WeakPrerequisite | None = None
    notes: dict = field(default_factory=dict)

    @property
    def category(self) -> Category:
        return CATEGORY_OF[self.intent]

    @property
    def reveals_answer(self) -> bool:
        return self.intent is Intent.REVEALING_ANSWER

    @property
    def must_ask(self) -> bool:
        """A probing move (asking for an explanation, seeking self-correction) puts a question to the
        learner; a hint may be a statement (the guard's move check, `Guard.asks`)."""
        return self.category is Category.PROBING


@dataclass(frozen=True)
class Policy:
    weak_prerequisite_threshold: float = 0.5
    attempts_before_telling: int = 2

    def decide(self, state: TurnState) -> Decision:
        if state.outcome == CORRECT:
            intent = Intent.GUIDING_FOCUS if state.has_next_step else Intent.GREETING_FAREWELL
            return Decision(intent, Evaluation.CORRECT, hint_level=0)
        if state.outcome in REENTER:
            # The value is right but not its form: partly correct; otherwise it could not be judged.
            evaluation = Evaluation.PARTIALLY_CORRECT if state.outcome == WRONG_FORM else Evaluation.AMBIGUOUS
            return Decision(Intent.GENERAL_INQUIRY, evaluation, hint_level=0)
        if state.outcome == WORKING_WRONG_STEP:
            return Decision(Intent.SEEKING_SELF_CORRECTION, Evaluation.PARTIALLY_CORRECT, hint_level=0,
                            notes={"working": "wrong_step"})
        if state.outcome == WORKING_RIGHT:
            return Decision(Intent.GENERAL_INQUIRY, Evaluation.SUBPROBLEM, hint_level=0, notes={"working": "right"})
        if state.outcome == OFF_TOPIC:
            # Back to the open step: what it asks ("step"), or the final answer ("final_answer").
            return Decision(Intent.GUIDING_FOCUS, Evaluation.OFF_TOPIC, hint_level=0,
                            notes={"redirect": "step" if state.has_next_step else "final_answer"})
        if state.outcome == MISCONCEPTION and state.same_mistake_before <= 0:
            return Decision(Intent.SEEKING_SELF_CORRECTION, Evaluation.INCORRECT, hint_level=0)
        if state.outcome == MISCONCEPTION:
            # The same mistake again: self-correction did not work, so climb (the third time: the worked step).
            rung = BOTTOM_OUT if state.same_mistake_before >= 2 else state.hint_level + 1
            return self._rung(state, min(rung, BOTTOM_OUT), Evaluation.INCORRECT,
                              {"same_mistake_before": state.same_mistake_before})
        if state.outcome not in (INCORRECT, HINT_REQUEST):
            raise ValueError(f"unknown outcome {state.outcome!r}")

        evaluation = Evaluation.INQUIRY if state.outcome == HINT_REQUEST else Evaluation.INCORRECT
        weak = [p for p in state.weak_prerequisites if p.mastery < self.weak_prerequisite_threshold]
        if weak and not state.prerequisite_recalled:
            weakest = min(weak, key=lambda p: p.mastery)
            return Decision(Intent.RECALL_RELEVANT_INFORMATION, evaluation, hint_level=state.hint_level, recall=weakest)
        return self._rung(state, min(state.hint_level + 1, BOTTOM_OUT), evaluation)

    def _rung(self, state: TurnState, rung: int, evaluation: Evaluation, notes: dict | None = None) -> Decision:
        """The hint ladder's move for `rung`, Telling held back until enough attempts."""
        notes = notes or {}
        # A request for help after an answer on the step gets the worked step: asking to explain that
        # answer again would leave the request unanswered.
        held_back = state.attempts_on_step < self.attempts_before_telling and not (
            state.outcome == HINT_REQUEST and state.attempts_on_step > 0)
        if rung == BOTTOM_OUT and held_back:
            if state.attempts_on_step > 0:
                # An answer to explain: ask for the reasoning behind it.
                return Decision(Intent.ASKING_FOR_EXPLANATION, evaluation, hint_level=state.hint_level, notes=notes)
            # No answer on the step yet: nothing to explain. The last rung again, and a request to try.
            return Decision(Intent.GUIDING_FOCUS, evaluation, hint_level=min(state.hint_level, BOTTOM_OUT - 1),
                            notes={**notes, "asks_to_try": True})
        if rung == BOTTOM_OUT:
            return Decision(Intent.REVEALING_ANSWER, evaluation, hint_level=BOTTOM_OUT, notes=notes)
        intent = Intent.SEEK_STRATEGY if rung == 1 else Intent.GUIDING_FOCUS
        return Decision(intent, evaluation, hint_level=rung, notes=notes)
