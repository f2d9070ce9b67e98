"""Planner comparisons a teacher runs from the planners page: simulated learners taught by the planners
the teacher picks (psikt.curriculum.episode on a psikt.curriculum.simulate world, every planner meeting the same
simulated learners with the same luck), as a Celery job on the long-work queue with its progress in
a ComparisonJob row, and the 95% intervals of the results.

Bounded on purpose: at most MAX_LEARNERS simulated learners per planner and MAX_TAUGHT in all,
planners that take well under a second per learner (0.03-0.11 s on a quiet moment of the 2-core
server), one open job per class (a database constraint) and per teacher. `adaptive` is left out: it fits a tracer on a pilot cohort and takes about 20 s per simulated
learner on the 2-core server (docs/benchmarks.md), minutes a teacher would wait for one comparison;
the command-line benchmark (python -m psikt.curriculum.benchmark) compares it.
"""

import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from scipy import stats

from psikt.curriculum.episode import run_episode
from psikt.curriculum.oracle import Oracle
from psikt.curriculum.planners import make_planner, planner_names
from psikt.curriculum.simulate import FAMILIES, SCENARIO_SETTINGS, make_world

from .models import ComparisonJob

logger = logging.getLogger(__name__)

# What the teacher chooses from, in words. Only the simulated kinds of learner and situations the
# curriculum library has (a family or scenario it drops disappears from the form).
FAMILY_WORDS = {
    "F1": "Learners who either know a skill or not, and learn it only once its prerequisites are known",
    "F2": "Learners whose knowledge grows gradually and fades between sessions, as the tracer assumes",
    "F3": "Learners who improve only on problems slightly above their level",
}
SCENARIO_WORDS = {
    "S1": "A typical course",
    "S2": "Learners who forget quickly",
    "S3": "Half the skills cannot be learned from the problems given",
    "S4": "The course's declared prerequisites are partly wrong",
    "S5": "Learners unlike what the planners assume, and more varied",
}
PLANNER_WORDS = {
    "random": "Random problems",
    "fixed_order": "The textbook order, no feedback",
    "mastery": "Mastery learning: move on once a skill is mastered",
    "zpdes": "ZPDES: skills where the learner is making progress",
    "sec": "Self-evolving curriculum",
    "dump": "DUMP: skills with the most to gain",
    "fsrs_review": "Spaced review (FSRS)",
}
# The planners a class's learners may be on but a teacher cannot compare here (the tutor's own ones run
# from the command line: psikt.curriculum.benchmark), named for the planners page's class table.
CLASS_PLANNER_WORDS = {
    **PLANNER_WORDS,
    "adaptive": "The tutor's own planner: the skill its model expects each learner to gain most from",
    "rollout": "The tutor's look-ahead planner: problems chosen by trying sequences out on its model",
}
ORACLE = "oracle"
ORACLE_WORDS = "Best possible (knows each simulated learner's true state)"
BASELINES = ("mastery", "random", "fixed_order")  # the first one chosen is what the others are compared with
MAX_LEARNERS = 40
MIN_LEARNERS = 5
DEFAULT_LEARNERS = 20
# Simulated learners taught in one job, the best possible teacher's included: 7 planners x 40 learners
# took 159 s on the loaded 2-core server (docs/benchmarks.md), too long for a request in the embedded
# set-up, where the job runs in-process; 160 takes about half that there.
MAX_TAUGHT = 160
JOB_TIME_LIMIT = 300  # seconds; a job open longer than this (and a minute) was lost with its worker
PROGRESS_EVERY = 0.5  # seconds between progress writes
SEED = 0


def _offered(words: dict[str, str], available) -> list[tuple[str, str]]:
    return [(key, text) for key, text in words.items() if key in available]


class ComparisonForm(forms.Form):
    family = forms.ChoiceField(label="Simulated learners", choices=lambda: _offered(FAMILY_WORDS, FAMILIES))
    scenario = forms.ChoiceField(label="Situation", choices=lambda: _offered(SCENARIO_WORDS, SCENARIO_SETTINGS))
    planners = forms.MultipleChoiceField(label="Planners to compare", widget=forms.CheckboxSelectMultiple,
                                         choices=lambda: _offered(PLANNER_WORDS, planner_names()))
    learners = forms.IntegerField(label="Simulated learners per planner", min_value=MIN_LEARNERS,
                                  max_value=MAX_LEARNERS, initial=DEFAULT_LEARNERS)

    def clean_planners(self):
        chosen = self.cleaned_data["planners"]
        if len(chosen) < 2:
            raise forms.ValidationError("Choose at least two planners to compare.")
        return chosen

    def clean(self):
        data = super().clean()
        planners, learners = data.get("planners"), data.get("learners")
        if planners and learners and (len(planners) + 1) * learners > MAX_TAUGHT:
            raise forms.ValidationError(
                f"That is {(len(planners) + 1) * learners} simulated learners to teach, counting the best possible "
                f"teacher's; at most {MAX_TAUGHT} at a time: choose fewer planners or fewer learners.")
        return data


class ComparisonRefused(Exception):
    """Why a comparison cannot start now, in words for the teacher."""


def _lost_jobs_close(**where) -> None:
    """Open jobs older than their time limit lost their worker (a restart, a kill): close them, so that
    a dead job never blocks its class for good."""
    stale = timezone.now() - timedelta(seconds=JOB_TIME_LIMIT + 60)
    ComparisonJob.objects.filter(status__in=ComparisonJob.OPEN, updated_at__lt=stale, **where).update(
        status=ComparisonJob.Status.FAILED, error="The comparison stopped before it finished. Please start it again.")


def comparison_start(*, classroom, user, params: dict) -> ComparisonJob:
    """Store a queued job for `params` (a valid ComparisonForm's cleaned data) and send it to a worker
    once the transaction commits (in the embedded set-up, where tasks run in-process, it runs there
    and then). Refused while this class or this teacher has a comparison open."""
    from .tasks import planner_comparison_run  # tasks imports this module

    _lost_jobs_close(classroom=classroom)
    _lost_jobs_close(requested_by=user)
    running = "A comparison for this class is running already; wait for it to finish."
    if ComparisonJob.objects.filter(classroom=classroom, status__in=ComparisonJob.OPEN).exists():
        raise ComparisonRefused(running)
    if ComparisonJob.objects.filter(requested_by=user, status__in=ComparisonJob.OPEN).exists():
        raise ComparisonRefused("You already have a comparison running; wait for it to finish.")
    params = {"family": params["family"], "scenario": params["scenario"], "planners": list(params["planners"]),
              "learners": int(params["learners"])}
    try:
        with transaction.atomic():
            job = ComparisonJob.objects.create(classroom=classroom, requested_by=user, params=params,
                                               total=(len(params["planners"]) + 1) * params["learners"])
    except IntegrityError:  # another request started one since the check above
        raise ComparisonRefused(running) from None
    transaction.on_commit(lambda: planner_comparison_run.delay(job.pk), robust=True)
    return job


def comparison_latest(*, classroom) -> ComparisonJob | None:
    _lost_jobs_close(classroom=classroom)
    return ComparisonJob.objects.filter(classroom=classroom).first()


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float | None  # None: too few values for an interval
    high: float | None


def mean_interval(values, confidence: float = 0.95) -> Interval:
    """The mean with its two-sided Student t interval (None with fewer than two values). With the
    same value everywhere the interval is that value."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return Interval(mean, None, None)
    spread = float(stats.sem(values))
    if spread == 0 or not math.isfinite(spread):
        return Interval(mean, mean, mean)
    low, high = stats.t.interval(confidence, len(values) - 1, loc=mean, scale=spread)
    return Interval(mean, float(low), float(high))


def _policy(name: str, world, horizon: int):
    if name == ORACLE:
        return Oracle(SEED)
    return make_planner(name, world.domain, seed=SEED, **({"horizon": horizon} if name == "fixed_order" else {}))


def comparison_cells(params: dict, progress=lambda done: None) -> list[dict]:
    """Teach `learners` simulated learners with each planner and the oracle; per planner the mean
    post-test with its 95% interval and, against the baseline (the first of BASELINES chosen), the
    mean paired difference with its interval (the same learners, so the pairs share their luck)."""
    world = make_world(params["family"], params["scenario"], SEED)
    horizon = SCENARIO_SETTINGS[params["scenario"]].horizons[0]
    names = list(params["planners"]) + [ORACLE]
    baseline = next((name for name in BASELINES if name in names), names[0])
    done, posttests, others = 0, {}, {}
    for name in names:
        policy = _policy(name, world, horizon)
        outcomes = []
        for learner in range(params["learners"]):
            outcomes.append(run_episode(world, learner, policy, horizon))
            done += 1
            progress(done)
        posttests[name] = np.array([o.posttest for o in outcomes])
        others[name] = {"items_to_mastery": float(np.mean([o.items_to_mastery for o in outcomes])),
                        "waste": float(np.mean([o.waste for o in outcomes]))}
    cells = []
    for name in names:
        post = mean_interval(posttests[name])
        delta = mean_interval(posttests[name] - posttests[baseline])
        cells.append({
            "family": params["family"], "scenario": params["scenario"], "horizon": horizon, "planner": name,
            "label": ORACLE_WORDS if name == ORACLE else PLANNER_WORDS.get(name, name),
            "learners": params["learners"], "posttest": post.mean, "posttest_ci": [post.low, post.high],
            "baseline": baseline, "delta": delta.mean, "delta_ci": [delta.low, delta.high], **others[name],
        })
    return cells


def comparison_run(*, job_id: int) -> bool:
    """Run a queued job (the Celery task's body): progress written as it goes, the cells at the end;
    a failure is stored with its reason in words. False when the job is gone or not queued (a
    redelivered task after the first one took it)."""
    with transaction.atomic():
        job = ComparisonJob.objects.select_for_update().filter(pk=job_id, status=ComparisonJob.Status.QUEUED).first()
        if job is None:
            return False
        job.status = ComparisonJob.Status.RUNNING
        job.save(update_fields=["status", "updated_at"])
    last = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done == job.total:
            last[0] = now
            ComparisonJob.objects.filter(pk=job.pk).update(done=done, updated_at=timezone.now())

    try:
        cells = comparison_cells(job.params, progress)
    except SoftTimeLimitExceeded:
        return _failed(job, f"The comparison took longer than {JOB_TIME_LIMIT // 60} minutes and was stopped; "
                            "try fewer planners or learners.")
    except Exception:
        logger.exception("planner comparison %s failed", job.pk)
        return _failed(job, "The comparison failed on the server. Please try again; if it fails again, tell the "
                            "administrator.")
    ComparisonJob.objects.filter(pk=job.pk).update(status=ComparisonJob.Status.DONE, cells=cells, done=job.total,
                                                   updated_at=timezone.now())
    return True


def _failed(job: ComparisonJob, reason: str) -> bool:
    ComparisonJob.objects.filter(pk=job.pk).update(status=ComparisonJob.Status.FAILED, error=reason,
                                                   updated_at=timezone.now())
    return False


def job_status(job: ComparisonJob | None) -> dict:
    """What the page's progress bar polls."""
    if job is None:
        return {"status": "none"}
    return {"status": job.status, "done": job.done, "total": job.total,
            "percent": round(100 * job.done / job.total) if job.total else 0, "error": job.error}
