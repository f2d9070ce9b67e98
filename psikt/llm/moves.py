"""The vocabulary of tutor moves.

Teacher moves and intents are MathDial's (Macina et al., EMNLP Findings 2023): Focus, Probing,
Telling and Generic. Evaluation codes are the CLASS/SPOCK categories for what the learner just did
(Sonkar et al., EMNLP Findings 2023).
"""

from enum import StrEnum


class Category(StrEnum):
    FOCUS = "focus"
    PROBING = "probing"
    TELLING = "telling"
    GENERIC = "generic"


class Intent(StrEnum):
    SEEK_STRATEGY = "seek_strategy"
    GUIDING_FOCUS = "guiding_student_focus"
    RECALL_RELEVANT_INFORMATION = "recall_relevant_information"
    ASKING_FOR_EXPLANATION = "asking_for_explanation"
    SEEKING_SELF_CORRECTION = "seeking_self_correction"
    REVEALING_STRATEGY = "revealing_strategy"
    REVEALING_ANSWER = "revealing_answer"
    GREETING_FAREWELL = "greeting_farewell"
    GENERAL_INQUIRY = "general_inquiry"


CATEGORY_OF = {
    Intent.SEEK_STRATEGY: Category.FOCUS,
    Intent.GUIDING_FOCUS: Category.FOCUS,
    Intent.RECALL_RELEVANT_INFORMATION: Category.FOCUS,
    Intent.ASKING_FOR_EXPLANATION: Category.PROBING,
    Intent.SEEKING_SELF_CORRECTION: Category.PROBING,
    Intent.REVEALING_STRATEGY: Category.TELLING,
    Intent.REVEALING_ANSWER: Category.TELLING,
    Intent.GREETING_FAREWELL: Category.GENERIC,
    Intent.GENERAL_INQUIRY: Category.GENERIC,
}


class Evaluation(StrEnum):
    """CLASS evaluation codes: how the learner's last message is classified."""

    INCORRECT = "a_incorrect_response"
    CORRECT = "b_correct_response"
    PARTIALLY_CORRECT = "c_partially_correct_response"
    AMBIGUOUS = "d_ambiguous_or_unclear_response"
    OFF_TOPIC = "e_off_topic_response"
    INQUIRY = "f_student_inquiry"
    SUBPROBLEM = "g_guiding_through_subproblems"
