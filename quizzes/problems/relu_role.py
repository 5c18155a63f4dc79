"""Multiple choice: why the non-linearity matters, and what a ReLU does forward and backward.

Facts follow the lesson and CS231n's neural-networks-1 notes.  The rng picks the
question and shuffles its four options; the key is the letter the right option
landed on.  Level 1 draws from the basic questions, level 2 and up from all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from quizzes.problems.base import Choice, Problem, Quantity, clamp_level

FAMILY = "relu-role"
VERSION = 1
TITLE = "Why the non-linearity matters"
KEYS = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Option:
    text: str
    explanation: str  # one line: why this option is right or wrong


@dataclass(frozen=True)
class Question:
    text: str
    formula: str
    right: Option
    wrong: tuple[Option, Option, Option]
    min_level: int = 1


QUESTIONS: tuple[Question, ...] = (
    Question(
        "Why does a two-layer network put a non-linearity such as ReLU between W1 and W2?",
        "s = W2·max(0, W1·x + b1) + b2",
        Option(
            "Without it, W2(W1·x + b1) + b2 collapses into one linear layer W·x + b.",
            "Right: a product of linear maps is linear, so the extra layer would add nothing; "
            "the non-linearity is where the network gets its 'wiggle'.",
        ),
        (
            Option(
                "To make the forward pass cheaper to compute.",
                "Wrong: the ReLU is an extra operation; it is cheap, but cost is not why it is "
                "there.",
            ),
            Option(
                "To turn the scores into probabilities that sum to 1.",
                "Wrong: that is softmax on the output scores; ReLU acts on hidden units and "
                "normalizes nothing.",
            ),
            Option(
                "To reduce the number of learnable parameters.",
                "Wrong: ReLU has no parameters; W1, b1, W2 and b2 set the parameter count.",
            ),
        ),
    ),
    Question(
        "What does a ReLU unit compute from its input z?",
        "ReLU(z) = ?",
        Option(
            "max(0, z): negative inputs become 0, positive inputs pass unchanged.",
            "Right: the activation is simply thresholded at zero.",
        ),
        (
            Option(
                "1 / (1 + e^(−z))",
                "Wrong: that is the sigmoid, which squashes z into the range (0, 1).",
            ),
            Option(
                "tanh(z)",
                "Wrong: tanh squashes z into (−1, 1); ReLU does not squash positive inputs.",
            ),
            Option(
                "min(0, z)",
                "Wrong: that keeps the negative part; ReLU keeps the positive part.",
            ),
        ),
    ),
    Question(
        "On the forward pass a ReLU received z = −2. On the backward pass, what gradient "
        "does it send back to z?",
        "h = max(0, z),  z = −2",
        Option(
            "0, whatever the upstream gradient is.",
            "Right: the local gradient is 0 for z < 0, so an inactive unit blocks the gradient.",
        ),
        (
            Option(
                "The upstream gradient, unchanged.",
                "Wrong: that happens only when z > 0, where the local gradient is 1.",
            ),
            Option(
                "The upstream gradient times −2.",
                "Wrong: that treats the ReLU as a multiply by z; its local gradient is 0 or 1.",
            ),
            Option(
                "The upstream gradient with its sign flipped.",
                "Wrong: a ReLU's local gradient is never −1, only 0 (z < 0) or 1 (z > 0).",
            ),
        ),
    ),
    Question(
        "In s = W2·max(0, W1·x + b1) + b2, what are the hidden units h = max(0, W1·x + b1)?",
        "h = max(0, W1·x + b1),  s = W2·h + b2",
        Option(
            "Features of the input learned from data; W2 is a linear classifier on top of them.",
            "Right: the hidden layer learns its own features instead of using hand-coded ones.",
        ),
        (
            Option(
                "Fixed hand-engineered features such as HOG, SIFT or colour histograms.",
                "Wrong: W1 and b1 are learned; learned features are what ended that era "
                "(AlexNet, 2012).",
            ),
            Option(
                "The class scores.",
                "Wrong: the scores are s, computed from h by the second layer.",
            ),
            Option(
                "The gradients of the loss with respect to x.",
                "Wrong: h is computed on the forward pass; gradients come on the backward pass.",
            ),
        ),
    ),
    Question(
        "Which of these is an advantage of ReLU over sigmoid and tanh given in the CS231n notes?",
        "ReLU(z) = max(0, z)",
        Option(
            "It does not saturate for positive inputs, and it sped up SGD convergence "
            "(about 6× in Krizhevsky et al.).",
            "Right: CS231n credits its linear, non-saturating form; and a threshold at zero "
            "is cheaper than the sigmoid's exponential.",
        ),
        (
            Option(
                "Its outputs are zero-centered.",
                "Wrong: ReLU outputs are never negative; tanh is the zero-centered one.",
            ),
            Option(
                "Its units can never die during training.",
                "Wrong: ReLU units can die; with too high a learning rate as much as 40% of a "
                "network can end up never activating.",
            ),
            Option(
                "It squashes every activation into (0, 1), so activations stay bounded.",
                "Wrong: ReLU is unbounded above; squashing into (0, 1) is what the sigmoid does.",
            ),
        ),
        min_level=2,
    ),
    Question(
        "What is a 'dead' ReLU unit?",
        "h = max(0, w·x + b)",
        Option(
            "One whose input is negative for every training example, so it outputs 0 and "
            "gets zero gradient for good.",
            "Right: with no gradient flowing through it, its weights never change again.",
        ),
        (
            Option(
                "One whose output is stuck at exactly 1.",
                "Wrong: ReLU has no upper limit; output stuck near 1 is a saturated sigmoid.",
            ),
            Option(
                "One that passes its input through unchanged on every example.",
                "Wrong: such a unit is always active and still learns; it just acts linearly.",
            ),
            Option(
                "One whose gradient explodes to infinity.",
                "Wrong: a ReLU's local gradient is 0 or 1, and a dead unit's is 0.",
            ),
        ),
        min_level=2,
    ),
    Question(
        "What can a network with one hidden ReLU layer do that a linear classifier W·x + b cannot?",
        "s = W2·max(0, W1·x + b1) + b2  versus  s = W·x + b",
        Option(
            "Represent non-linear functions of x; with enough hidden units it can approximate "
            "any continuous function.",
            "Right: networks with at least one hidden layer are universal approximators; a "
            "linear classifier's scores are always linear in x.",
        ),
        (
            Option(
                "Nothing: the two layers collapse into one linear classifier anyway.",
                "Wrong: that happens without the ReLU; the non-linearity prevents the collapse.",
            ),
            Option(
                "Learn without gradients, since the hidden layer is fixed.",
                "Wrong: W1 and W2 are both learned by gradient descent, with backprop's gradients.",
            ),
            Option(
                "Guarantee it never overfits the training data.",
                "Wrong: a bigger network has more capacity and can overfit; regularization "
                "controls that.",
            ),
        ),
        min_level=2,
    ),
)


def _choices(question: Question, rng: random.Random) -> tuple[Choice, ...]:
    options = [(question.right, True)] + [(option, False) for option in question.wrong]
    shuffled = rng.sample(options, len(options))
    return tuple(
        Choice(key=key, text=option.text, correct=correct, explanation=option.explanation)
        for key, (option, correct) in zip(KEYS, shuffled, strict=True)
    )


def _solution(choices: tuple[Choice, ...]) -> str:
    right = next(c for c in choices if c.correct)
    lines = [f"{right.key}. {right.text}", right.explanation]
    lines += [f"{c.key}: {c.explanation}" for c in choices if not c.correct]
    return "\n".join(lines)


def build(seed: int, level: int) -> Problem:
    level = clamp_level(level)
    rng = random.Random(seed)
    question = rng.choice([q for q in QUESTIONS if q.min_level <= level])
    choices = _choices(question, rng)
    key = next(c.key for c in choices if c.correct)
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=question.formula,
        prompt=question.text,
        givens=(),
        pages=((Quantity("choice", "Your answer (A–D)", key, "choice", example="B"),),),
        solution=_solution(choices),
        choices=choices,
    )
