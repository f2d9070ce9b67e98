from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from psikt.curriculum import DEFAULT_PLANNER
from tutor.learning.services import MAX_ANSWER_CHARS, MAX_COHORT_SIZE

from .errors import ApiError

# Attempts per batch request: each is a full tutor turn (~50 ms on PostgreSQL), and one learner's run in one
# transaction holding that learner's lock, so a full batch holds a worker and a learner for seconds, not a minute.
MAX_BATCH = 100
MAX_ID = 2**63 - 1  # the largest primary key the databases store; larger ids would fail in the query
# Every time the API accepts lies in [EARLIEST, LATEST). The attempt log is append-only and refuses an
# answer dated before the learner's previous one, so one answer dated in year 9999 blocked the learner
# for good (issue 18, defect 11). Simulated clocks may run ahead of the server's, hence a fixed range
# rather than "not after now".
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class IdField(serializers.IntegerField):
    """The id of a stored object: a positive integer the database can compare."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class ErrorOut(serializers.Serializer):
    error = serializers.CharField(help_text="a stable code, e.g. not_found, invalid, unknown_item")
    detail = serializers.CharField(help_text="what went wrong, for people")
    fields = serializers.DictField(required=False, help_text="per-field reasons, when input was invalid")


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error responses an endpoint can give, for the schema."""
    return {code: ErrorOut for code in codes}


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


class LearnerIn(serializers.Serializer):
    course = serializers.SlugField()
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    planner = serializers.CharField(max_length=32, required=False, default=DEFAULT_PLANNER)


class LearnerOut(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField()
    planner = serializers.CharField()
    external_id = serializers.CharField()
    cohort = serializers.IntegerField(allow_null=True, help_text="the cohort it was created in, if any")


class CohortIn(serializers.Serializer):
    course = serializers.SlugField()
    size = serializers.IntegerField(min_value=1, max_value=MAX_COHORT_SIZE, help_text="how many model-students")
    planner = serializers.CharField(max_length=32, required=False, default=DEFAULT_PLANNER)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CohortOut(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.CharField()
    planner = serializers.CharField()
    name = serializers.CharField()
    learners = serializers.ListField(child=serializers.IntegerField(), help_text="ids of its model-students you may read")


class StepOut(serializers.Serializer):
    id = serializers.CharField()
    prompt = serializers.CharField()


class ItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    kcs = serializers.ListField(child=serializers.CharField())
    prompt = serializers.CharField()
    steps = StepOut(many=True)
    difficulty = serializers.FloatField()


class NextOut(serializers.Serializer):
    item = ItemOut()
    reason = serializers.DictField()


class BoundedDateTimeField(serializers.DateTimeField):
    """ISO 8601 date and time from EARLIEST (included) to LATEST (excluded)."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not EARLIEST <= moment < LATEST:
            raise serializers.ValidationError(
                f"must be from {EARLIEST:%Y-%m-%dT%H:%M:%SZ} to before {LATEST:%Y-%m-%dT%H:%M:%SZ}, not {value}")
        return moment


class AwareDateTimeField(BoundedDateTimeField):
    """ISO 8601 with a timezone: a moment, not a wall-clock reading in some unknown zone."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)  # rejects what is not a valid ISO 8601 date and time
        if isinstance(value, str) and parse_datetime(value).tzinfo is None:
            raise serializers.ValidationError("give a timezone, e.g. 2030-01-01T00:00:00Z (URL-encode a '+')")
        return moment


class AttemptIn(serializers.Serializer):
    item = IdField()
    step = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    answer = serializers.CharField(max_length=MAX_ANSWER_CHARS, required=False, allow_blank=True, trim_whitespace=False)
    correct = serializers.BooleanField(required=False, allow_null=True, default=None)
    timestamp = BoundedDateTimeField(
        required=False, help_text="when the learner answered (ISO 8601), from 1970-01-01 to before 2100-01-01 UTC; "
        "default the server's clock; never before the learner's previous answer (409)")
    idempotency_key = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")

    def validate(self, data):
        if ("answer" in data) == (data.get("correct") is not None):
            raise serializers.ValidationError("give exactly one of answer (checked here) or correct (self-graded)")
        return data


class FeedbackOut(serializers.Serializer):
    move = serializers.CharField()
    text = serializers.CharField(help_text="empty while pending")
    hint_level = serializers.IntegerField()
    turn = serializers.IntegerField(help_text="the tutor turn: poll learners/{id}/tutor/{turn}/ while pending")
    status = serializers.ChoiceField(choices=["done", "pending"],
                                     help_text="pending: a language model is still writing `text`")


class AttemptOut(serializers.Serializer):
    id = serializers.IntegerField()
    correct = serializers.BooleanField()
    verdict = serializers.CharField()
    feedback = FeedbackOut()
    mastery = serializers.DictField(child=serializers.FloatField())


def next_at_field() -> serializers.Field:
    return AwareDateTimeField(required=False, help_text="the learner's clock when the next item is served (as "
                              "next/'s `at`); default the answer's timestamp, else now")


class AttemptNextIn(AttemptIn):
    next = serializers.BooleanField(
        required=False, default=False, help_text="true: also serve the learner's next item (as next/ would, after "
        "this answer) in the response, in the same transaction: one round trip per step")
    at = next_at_field()


class AttemptNextOut(AttemptOut):
    next = NextOut(required=False, help_text="the learner's next item, when the request asked for it")


class AttemptRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    step = serializers.CharField(source="step_key")
    answer = serializers.CharField(source="raw_answer")
    verdict = serializers.CharField()
    correct = serializers.BooleanField()
    timestamp = serializers.DateTimeField(source="answered_at")


class BatchAttemptIn(AttemptIn):
    learner = IdField(help_text="one of your learners")


@extend_schema_field(BatchAttemptIn(many=True))
class BatchEntriesField(serializers.ListField):
    """A list of objects; each entry is validated on its own (BatchAttemptIn) so that one bad entry
    fails only its learner's group, not the whole batch."""

    child = serializers.DictField()

    def to_internal_value(self, data):
        # The size first: a batch over the limit is a 413 whatever its entries hold.
        if isinstance(data, list) and len(data) > MAX_BATCH:
            raise ApiError("batch_too_large", f"a batch has at most {MAX_BATCH} {self.field_name}, not {len(data)}",
                           413, fields={self.field_name: len(data)})
        return super().to_internal_value(data)


class CohortStepEntryIn(AttemptIn):
    """One learner's step: its answer to the item it was served, or (no item) none, for a first step."""

    learner = IdField(help_text="a learner of this cohort")
    item = IdField(required=False, help_text="the item answered; leave out (with every answer field) for a first step")
    at = next_at_field()

    def validate(self, data):
        if "item" in data:
            return super().validate(data)
        given = [name for name in ("step", "answer", "correct", "timestamp", "idempotency_key") if data.get(name)
                 not in (None, "")]
        if given:
            raise serializers.ValidationError(f"{', '.join(given)} answer an item: give item too, or leave them out")
        return data


@extend_schema_field(CohortStepEntryIn(many=True))
class CohortStepEntriesField(BatchEntriesField):
    """The step's entries, each validated on its own (CohortStepEntryIn), as a batch's."""


class CohortStepIn(serializers.Serializer):
    entries = CohortStepEntriesField(min_length=1, help_text=f"at most {MAX_BATCH}; each learner's in the order given")


class CohortStepResultOut(serializers.Serializer):
    index = serializers.IntegerField(help_text="position in the request")
    learner = serializers.IntegerField(allow_null=True)
    status = serializers.IntegerField(help_text="201 answer stored, 200 replayed or no answer given, else an error")
    attempt = AttemptOut(required=False, help_text="the stored (or replayed) answer, when the entry gave one")
    next = NextOut(required=False, help_text="the learner's next item after this entry")
    error = ErrorOut(required=False, help_text="why this entry was not applied")


class CohortStepOut(serializers.Serializer):
    results = CohortStepResultOut(many=True, help_text="one per entry, in request order")
    applied = serializers.IntegerField(help_text="entries applied")
    failed = serializers.IntegerField(help_text="entries not applied")


class BatchIn(serializers.Serializer):
    attempts = BatchEntriesField(min_length=1, help_text=f"at most {MAX_BATCH}; each learner's in the order given")


class BatchResultOut(serializers.Serializer):
    index = serializers.IntegerField(help_text="position in the request")
    learner = serializers.IntegerField(allow_null=True)
    status = serializers.IntegerField(help_text="201 stored, 200 replayed (idempotency key), else an error status")
    attempt = AttemptOut(required=False, help_text="the stored (or replayed) attempt")
    error = ErrorOut(required=False, help_text="why this entry was not stored")


class BatchOut(serializers.Serializer):
    results = BatchResultOut(many=True, help_text="one per attempt, in request order")
    applied = serializers.IntegerField(help_text="entries stored or replayed")
    failed = serializers.IntegerField(help_text="entries not stored")


class NextQueryIn(serializers.Serializer):
    at = AwareDateTimeField(required=False, help_text="the learner's clock (ISO 8601 with timezone), for simulators "
                            "whose time runs ahead; default now; the last answer's time when that is later")


class MasteryQueryIn(serializers.Serializer):
    at = AwareDateTimeField(required=False, help_text="when to predict recall (ISO 8601 with timezone); default now")


class MasteryOut(serializers.Serializer):
    p = serializers.FloatField(help_text="P(mastered) right after the last answer")
    sd = serializers.FloatField(help_text="standard deviation of the belief (logit scale)")
    recall_at = serializers.FloatField(help_text="predicted P(mastered) at `at`, after forgetting")


class LearnerMasteryOut(serializers.Serializer):
    at = serializers.DateTimeField()
    mastery = serializers.DictField(child=MasteryOut(), help_text="per KC id")
    traits = serializers.DictField(child=serializers.FloatField())


class TutorIn(serializers.Serializer):
    message = serializers.CharField(max_length=MAX_ANSWER_CHARS, allow_blank=True, trim_whitespace=False)
    item = IdField(required=False, help_text="default: the learner's current item (from next/)")


class TutorOut(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    move = serializers.CharField(source="move_intent")
    category = serializers.CharField(source="move_category")
    status = serializers.ChoiceField(choices=["done", "pending"],
                                     help_text="pending: a model is still writing `text` (poll the turn's URL)")
    text = serializers.CharField(help_text="empty while pending")
    hint_level = serializers.IntegerField()
    fell_back = serializers.BooleanField(help_text="the rule text replaced the model's reply (guard or failure)")


class EdgeOut(serializers.Serializer):
    source = serializers.CharField(help_text="the prerequisite KC")
    target = serializers.CharField(help_text="the KC that needs it")


class LearnedEdgeOut(EdgeOut):
    p = serializers.FloatField(help_text="the tracer's probability that source is a prerequisite of target")


class CourseGraphOut(serializers.Serializer):
    course = serializers.CharField()
    kcs = serializers.ListField(child=serializers.CharField())
    declared = EdgeOut(many=True)
    learned = LearnedEdgeOut(many=True, help_text="every ordered pair of distinct KCs")
