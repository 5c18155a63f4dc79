"""Multiple choice: why the non-linearity matters, and what a ReLU does forward and backward.

Facts follow the lesson, CS231n's notes and, where they do not say it, Goodfellow,
Bengio & Courville's Deep Learning; each question names its sources.  Every wrong
option is a mistake a learner makes, so the question is answered by reasoning, not
by elimination.  The rng picks the question and shuffles its four options; the key
is the letter the right option landed on.  Level 1 draws from 8 questions, level 2
from 11, level 3 and up from all 13.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from quizzes.problems.base import Choice, Problem, Quantity, clamp_level

FAMILY = "relu-role"
VERSION = 2
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
    source: str  # where every explanation's facts come from (docs/decks.md: traceability)
    min_level: int = 1


NN1 = "cs231n neural-networks-1"
OPT2 = "cs231n optimization-2"
CASE = "cs231n neural-networks-case-study: Training a Neural Network"
GOODFELLOW = "Goodfellow, Bengio & Courville, Deep Learning (2016)"

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
                "Without it, backprop could not pass a gradient through W2 back to W1.",
                "Wrong: a matrix multiply has a gradient of its own (dX = Wᵀ·dD), so W1 would "
                "still get one; the network would just be linear.",
            ),
            Option(
                "To keep the hidden activations in a bounded range as they pass to W2.",
                "Wrong: ReLU is unbounded above (slope 1 for every positive input); squashing "
                "into a range is what sigmoid and tanh do.",
            ),
            Option(
                "To turn the hidden values into probabilities that sum to 1 before W2.",
                "Wrong: that is what softmax does to the output scores; ReLU thresholds each "
                "hidden unit at zero on its own and normalizes nothing.",
            ),
        ),
        f"{NN1}: Quick intro; Commonly used activation functions; "
        f"{OPT2}: Gradients for vectorized operations; cs231n linear-classify: Softmax classifier",
    ),
    Question(
        "The hidden pre-activations are z = W1·x + b1 = [3, −2, 0.5]. "
        "What is the hidden layer h = max(0, z)?",
        "h = max(0, z),  z = [3, −2, 0.5]",
        Option(
            "[3, 0, 0.5]",
            "Right: ReLU thresholds each entry at zero on its own: negative entries become 0, "
            "the others pass unchanged.",
        ),
        (
            Option(
                "[3, −2, 0.5]",
                "Wrong: that is z itself, the layer without its non-linearity; the −2 must be "
                "thresholded to 0.",
            ),
            Option(
                "[0, −2, 0]",
                "Wrong: that is min(0, z), which keeps the negative part; ReLU keeps the "
                "positive part.",
            ),
            Option(
                "[1, 0, 1]",
                "Wrong: that is the ReLU's local gradient 1(z > 0), used on the backward pass, "
                "not its output.",
            ),
        ),
        f"{NN1}: Commonly used activation functions (ReLU); {CASE}",
    ),
    Question(
        "On the forward pass a ReLU received z = −2. On the backward pass the gradient "
        "arriving on its output is 3. What gradient does it send back to z?",
        "h = max(0, z),  z = −2,  ∂L/∂h = 3",
        Option(
            "0",
            "Right: z < 0, so the local gradient is 0 and the ReLU, acting as a switch, kills "
            "the gradient.",
        ),
        (
            Option(
                "3",
                "Wrong: the gradient passes unchanged only if z > 0 in the forward pass; here "
                "the unit was inactive.",
            ),
            Option(
                "−6",
                "Wrong: that treats the ReLU as a multiply by z; its local gradient is 1 or 0, "
                "not z.",
            ),
            Option(
                "−3",
                "Wrong: a ReLU's local gradient is never −1, only 1 (z > 0) or 0 (z < 0).",
            ),
        ),
        f"{OPT2}: Simple expressions (max); {CASE}",
    ),
    Question(
        "On the forward pass a ReLU received z = 1.5. On the backward pass the gradient "
        "arriving on its output is −2. What gradient does it send back to z?",
        "h = max(0, z),  z = 1.5,  ∂L/∂h = −2",
        Option(
            "−2",
            "Right: z > 0, so the local gradient is 1 and the upstream gradient passes through "
            "unchanged, negative or not.",
        ),
        (
            Option(
                "0",
                "Wrong: the switch depends on the forward input z, not on the sign of the "
                "gradient; z > 0 here, so the gradient passes.",
            ),
            Option(
                "−3",
                "Wrong: that multiplies by z as a multiply gate would; a ReLU's local gradient "
                "for z > 0 is 1.",
            ),
            Option(
                "2",
                "Wrong: ReLU flips no sign; the upstream −2 times the local gradient 1 is −2.",
            ),
        ),
        f"{OPT2}: Simple expressions (max); {CASE}",
    ),
    Question(
        "In s = W2·max(0, W1·x + b1) + b2, what are the hidden units h = max(0, W1·x + b1)?",
        "h = max(0, W1·x + b1),  s = W2·h + b2",
        Option(
            "Features of the input learned from data; W2 scores the classes from them.",
            "Right: W1 and b1 are trained with the rest by gradient descent, so the hidden "
            "layer learns its own features instead of using hand-coded ones.",
        ),
        (
            Option(
                "Fixed hand-engineered features such as HOG or colour histograms.",
                "Wrong: those are computed by fixed code; W1 and b1 are learned, and learned "
                "features are what ended that era (AlexNet, 2012).",
            ),
            Option(
                "One template per class, like the rows of a linear classifier's W.",
                "Wrong: W1 has a row per hidden unit (100 in CS231n's example), not per class; "
                "units can detect e.g. one kind of car, and W2 combines them.",
            ),
            Option(
                "The class scores, before the bias b2 is added.",
                "Wrong: the scores are s = W2·h + b2, computed from h by the second layer.",
            ),
        ),
        f"lesson 04: What you'll learn; {NN1}: Quick intro; cs231n linear-classify: "
        "Interpretation of linear classifiers as template matching; cs231n assignment1: Q4 "
        "Higher Level Representations: Image Features",
    ),
    Question(
        "Someone argues that the biases make two stacked linear layers more than one layer. "
        "What does s = W2·(W1·x + b1) + b2 equal?",
        "s = W2·(W1·x + b1) + b2",
        Option(
            "(W2·W1)·x + (W2·b1 + b2): still a single layer W·x + b.",
            "Right: b1 passes through W2 and becomes the constant W2·b1, which folds into the "
            "new bias; the biases add nothing a single layer lacks.",
        ),
        (
            Option(
                "(W2·W1)·x + (b1 + b2)",
                "Wrong: b1 is multiplied by W2 too, so the combined bias is W2·b1 + b2.",
            ),
            Option(
                "(W1·W2)·x + (W1·b2 + b1)",
                "Wrong: W1 acts on x first, so W2 stands on the left: W = W2·W1 and "
                "b = W2·b1 + b2.",
            ),
            Option(
                "Nothing simpler: b1 shifts the input of W2, so no single W and b reproduce it.",
                "Wrong: a shift passed through W2 is the constant W2·b1, which any single "
                "layer's bias can hold.",
            ),
        ),
        f"{NN1}: Quick intro; lesson 04: About the math (two linears collapse)",
    ),
    Question(
        "What can a network with one hidden ReLU layer do that a linear classifier W·x + b cannot?",
        "s = W2·max(0, W1·x + b1) + b2  versus  s = W·x + b",
        Option(
            "Approximate any continuous function of x on a bounded input region, given enough "
            "hidden units.",
            "Right: one hidden layer suffices for universal approximation (ReLU units included); "
            "a linear classifier's scores are always linear in x.",
        ),
        (
            Option(
                "Nothing: W2 and W1 multiply into one matrix, so it is a linear classifier too.",
                "Wrong: they multiply into one matrix only without the ReLU; the non-linearity "
                "prevents the collapse.",
            ),
            Option(
                "Fit any training set with a single hidden unit.",
                "Wrong: the approximation needs enough hidden units; CS231n's 3-unit net only "
                "classifies its data in broad strokes.",
            ),
            Option(
                "Generalize better to new data, since more capacity lowers test error.",
                "Wrong: more capacity also makes it easier to overfit the training data; "
                "regularization controls that.",
            ),
        ),
        f"{NN1}: Representational power; Setting number of layers and their sizes; "
        f"{GOODFELLOW} §6.4.1 Universal Approximation Properties and Depth",
    ),
    Question(
        "What is a 'dead' ReLU unit?",
        "h = max(0, w·x + b)",
        Option(
            "One whose input is negative on every training example, so it never activates.",
            "Right: the gradient through it is then zero, so while it stays inactive its "
            "weights get no gradient from the loss.",
        ),
        (
            Option(
                "One that outputs 0 for the current example, so it learns nothing from it.",
                "Wrong: that unit is merely inactive on this example and still learns from the "
                "examples where it is active; a dead unit is inactive on all of them.",
            ),
            Option(
                "One whose output is stuck near its maximum, so its local gradient is near 0.",
                "Wrong: ReLU has no maximum (slope 1 for every positive input); getting stuck "
                "at a tail is a saturated sigmoid or tanh.",
            ),
            Option(
                "One whose input is positive on every example, so it acts as a linear unit.",
                "Wrong: such a unit passes the full gradient on every example and keeps "
                "learning; it just behaves linearly.",
            ),
        ),
        f"{NN1}: Commonly used activation functions (Sigmoid, ReLU); {CASE}",
    ),
    Question(
        "Which advantage of ReLU over sigmoid and tanh do the CS231n notes give?",
        "ReLU(z) = max(0, z)",
        Option(
            "It does not saturate; with it SGD converged about 6× faster than with tanh.",
            "Right: CS231n shows the Krizhevsky et al. plot (ReLU against tanh) and credits "
            "ReLU's linear, non-saturating form.",
        ),
        (
            Option(
                "Its outputs are zero-centered.",
                "Wrong: ReLU outputs are never negative; of the three, tanh is the "
                "zero-centered one.",
            ),
            Option(
                "Its units cannot die during training.",
                "Wrong: ReLU units can die; with too high a learning rate as much as 40% of a "
                "network can end up never activating.",
            ),
            Option(
                "Its outputs are bounded, so activations cannot grow out of range.",
                "Wrong: ReLU is unbounded above; bounded outputs, (0, 1) and (−1, 1), belong "
                "to sigmoid and tanh.",
            ),
        ),
        f"{NN1}: Commonly used activation functions (Sigmoid, Tanh, ReLU)",
        min_level=2,
    ),
    Question(
        "A network computes s = W3·max(0, W2·(W1·x)), with a ReLU only after W2. "
        "What does it amount to?",
        "s = W3·max(0, W2·W1·x)",
        Option(
            "A two-layer network s = W3·max(0, W·x) with W = W2·W1.",
            "Right: nothing non-linear sits between W1 and W2, so they collapse into one "
            "matrix; the ReLU still separates that matrix from W3.",
        ),
        (
            Option(
                "A three-layer network: each weight matrix is a layer of its own.",
                "Wrong: with nothing non-linear between them, W2·W1 is one matrix, so one of "
                "the three weight matrices adds nothing.",
            ),
            Option(
                "A linear classifier: with a single ReLU the whole network collapses.",
                "Wrong: one ReLU between W2·W1 and W3 is enough to stop the collapse there.",
            ),
            Option(
                "A two-layer network in which W3 and W2 combine into one matrix.",
                "Wrong: the ReLU sits between W2 and W3, so those two cannot be multiplied "
                "together; W1 and W2 can.",
            ),
        ),
        f"{NN1}: Quick intro",
        min_level=2,
    ),
    Question(
        "A hidden unit's input on the forward pass is z = 10. Through which activation does "
        "almost no gradient flow back to z?",
        "σ(10) ≈ 0.99995,  ReLU(10) = 10",
        Option(
            "Sigmoid only.",
            "Right: σ(10) ≈ 1 is saturated, so its local gradient σ·(1 − σ) ≈ 0.00005 almost "
            "kills the gradient; ReLU's local gradient at z = 10 is 1.",
        ),
        (
            Option(
                "ReLU only.",
                "Wrong: ReLU's local gradient is 1 for every z > 0, however large; only z < 0 "
                "blocks it.",
            ),
            Option(
                "Both sigmoid and ReLU.",
                "Wrong: ReLU does not saturate for positive inputs; its local gradient at "
                "z = 10 is 1.",
            ),
            Option(
                "Neither: both pass the gradient at z = 10.",
                "Wrong: the sigmoid saturates at the tail near 1, where its local gradient "
                "σ·(1 − σ) is almost zero.",
            ),
        ),
        f"{NN1}: Commonly used activation functions (Sigmoid, ReLU); "
        f"{OPT2}: Modularity: Sigmoid example",
        min_level=2,
    ),
    Question(
        "40% of your network's ReLU units never activate on any training example. "
        "What is the likeliest cause according to the CS231n notes?",
        "h = max(0, w·x + b) = 0 on every example",
        Option(
            "Too high a learning rate: large updates knocked their weights where they never "
            "activate.",
            "Right: a large gradient update can leave a unit inactive on every datapoint; "
            "CS231n says as much as 40% can die if the learning rate is too high.",
        ),
        (
            Option(
                "The input data is not zero-centred.",
                "Wrong: non-zero-centred inputs make a unit's weight gradients all one sign "
                "(zig-zagging updates); they do not switch units off.",
            ),
            Option(
                "The weights were initialised too large, so the units saturated.",
                "Wrong: too-large initial weights saturate sigmoid units; ReLU does not "
                "saturate for positive inputs.",
            ),
            Option(
                "The network has more hidden units than the data needs.",
                "Wrong: CS231n ties dying to large gradient updates, not width, and advises "
                "a network as big as the budget allows, with regularization.",
            ),
        ),
        f"{NN1}: Commonly used activation functions (Sigmoid, ReLU); "
        "Setting number of layers and their sizes",
        min_level=3,
    ),
    Question(
        "Dead ReLUs worry you. Which change do the CS231n notes suggest trying?",
        "ReLU(z) = max(0, z)",
        Option(
            "Leaky ReLU: a small slope (about 0.01) for z < 0 instead of 0.",
            "Right: an inactive unit then still passes a small gradient; CS231n also names "
            "Maxout, and a careful learning rate.",
        ),
        (
            Option(
                "Switch to sigmoid units: they never output exactly zero.",
                "Wrong: sigmoids saturate and kill gradients; CS231n's advice is never to use "
                "sigmoid.",
            ),
            Option(
                "Raise the learning rate so dead units are pushed back into activity.",
                "Wrong: a dead unit gets zero gradient, so no step size moves it; too high a "
                "learning rate is what kills units.",
            ),
            Option(
                "Switch to tanh units: their outputs are zero-centered.",
                "Wrong: tanh also saturates at both tails; CS231n expects it to work worse "
                "than ReLU or Maxout.",
            ),
        ),
        f"{NN1}: Commonly used activation functions (Leaky ReLU, TLDR)",
        min_level=3,
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
