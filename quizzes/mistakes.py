"""The mistakes chainrule knows, each with the rule it breaks and how to replay it.

A backward mistake is replayed by the engine: the learner's backward pass is the
chain rule with one gate rule swapped for a wrong one (``override``), at every gate of
its kinds or at one gate (see :mod:`quizzes.hypotheses`).  Forward mistakes and the
family-specific ones are replayed by forcing node values or by the family's own numbers.
Codes are stable: instructor statistics count them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from quizzes.autograd import BackwardRule, Value, chain_rule

# A gate override: what one mistaken gate sends to its inputs, given its upstream gradient.
GateOverride = BackwardRule


def local_only(node: Value, upstream: float) -> tuple[float, ...]:
    return node.local_grads


def own_value(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(child.data * upstream for child in node.inputs)


def other_value(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(child.data * upstream for child in reversed(node.inputs))


def to_smaller(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(local * upstream for local in reversed(node.local_grads))


def split(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(upstream / len(node.inputs) for _ in node.inputs)


def pass_through(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(upstream for _ in node.inputs)


def power_without_factor(node: Value, upstream: float) -> tuple[float, ...]:
    """d(uᵏ)/du taken as uᵏ⁻¹: the exponent k not brought down (k = 2: (s − t), not 2·(s − t))."""
    k = node.operand
    if k is None or abs(k) < 2:  # u¹ has no factor to forget; u⁻¹'s would be a sign slip
        return chain_rule(node, upstream)
    return tuple(local / k * upstream for local in node.local_grads)


def sigmoid_as_derivative(node: Value, upstream: float) -> tuple[float, ...]:
    return (node.data * upstream,)  # a sigmoid node's value is σ; the right local is σ(1−σ)


def mistaken_rule(overrides: Mapping[str, GateOverride]) -> BackwardRule:
    """Backprop that applies ``overrides`` (by gate op) and the correct chain rule elsewhere."""

    def rule(node: Value, upstream: float) -> tuple[float, ...]:
        return overrides.get(node.op, chain_rule)(node, upstream)

    return rule


@dataclass(frozen=True)
class Mistake:
    """A known mistake: the rule it breaks (``hint``) and what the learner did (``slip``).

    ``overrides`` are the wrong gate rules that replay it, by gate op ("" for any gate),
    each with a word for the variant ("split" for a max gate split half and half).
    ``stage`` says whether it is a slip in the forward or the backward pass.
    ``per_input``: the slip can be made for one input of a gate alone (a local gradient
    taken without the upstream one), not only for the gate as a whole (a max gate's
    routing decides both inputs at once).
    """

    code: str
    hint: str
    slip: str  # completes "this is what you get if you …"
    overrides: tuple[tuple[str, GateOverride, str], ...] = ()
    stage: str = "backward"
    per_input: bool = False

    @property
    def rules(self) -> tuple[BackwardRule, ...]:
        """The mistake made at every gate it can happen at (one rule per variant)."""
        return tuple(
            override if op == "" else mistaken_rule({op: override})
            for op, override, _ in self.overrides
        )


MATMUL_ORDER = "matmul-order"

MISTAKES: dict[str, Mistake] = {
    m.code: m
    for m in (
        Mistake(
            "forgot-upstream",
            "Multiply each gate's local gradient by the upstream gradient it receives.",
            "took the local gradient without multiplying by the upstream gradient",
            (("", local_only, ""),),
            per_input=True,
        ),
        Mistake(
            "mul-swap",
            "A multiply gate swaps its inputs: each input gets the OTHER input's value "
            "times the upstream gradient.",
            "gave each input of a multiply gate its own value",
            (("*", own_value, ""),),
            per_input=True,
        ),
        Mistake(
            "sign",
            "The size is right but the sign is wrong: recheck the sign of each local gradient.",
            "slipped a sign",
        ),
        Mistake(
            "max-routing",
            "A max gate routes the whole upstream gradient to the larger input and 0 to the other.",
            "routed the max gate's gradient wrongly",
            (("max", to_smaller, "to the smaller input"), ("max", split, "split between both")),
        ),
        Mistake(
            "dead-relu",
            "A ReLU whose input is negative is inactive: no gradient flows back through it.",
            "let gradient through an inactive ReLU",
            (("relu", pass_through, ""),),
        ),
        Mistake(
            "sigmoid-derivative",
            "The sigmoid's local gradient is σ(1−σ), not σ itself.",
            "used σ instead of σ(1−σ) as the sigmoid's local gradient",
            (("sigmoid", sigmoid_as_derivative, ""),),
        ),
        Mistake(
            "add-scaled",
            "An add gate passes the upstream gradient through unchanged to both inputs.",
            "scaled an add gate's gradient by the other input",
            (("+", other_value, ""),),
        ),
        Mistake(
            "power-rule",
            "A square gate's local gradient is 2·u (the power rule: d(u²)/du = 2u): "
            "L = (s − t)² sends 2·(s − t) back, not s − t.",
            "left the 2 out of the square gate's local gradient (u instead of 2u)",
            (("**", power_without_factor, ""),),
        ),
        Mistake(
            "add-halved",
            "An add gate gives EACH input the whole upstream gradient: it distributes by "
            "copying, not by splitting.",
            "split an add gate's gradient in half",
            (("+", split, ""),),
        ),
        Mistake(
            "fork-sum",
            "Where a value feeds two gates, its gradient is the SUM of what both send back.",
            "counted only one path where a value feeds two gates",
        ),
        Mistake(
            "relu-forward",
            "h = max(0, z): a ReLU outputs 0 when its input is negative.",
            "left the ReLU out of the forward pass",
            stage="forward",
        ),
        Mistake(
            "sign-forward",
            "Recheck the signs in the forward pass: a sum or product came out with the wrong sign.",
            "slipped a sign in the forward pass",
            stage="forward",
        ),
        Mistake(
            "bias-forward",
            "A unit adds its bias after the weighted sum: s = v·x + d, z = Wᵀx + c; left out, "
            "every score moves by the bias.",
            "left the bias out of the forward pass",
            stage="forward",
        ),
        Mistake(
            "transpose-forward",
            "Row i of W1 times x gives unit i's pre-activation: W1·x uses W1's rows, not its "
            "columns.",
            "computed W1·x with W1 transposed",
            stage="forward",
        ),
        Mistake(
            MATMUL_ORDER,
            "Layers compose right to left: W1 acts on x first, so W = W2·W1, not W1·W2.",
            "multiplied the layers in the wrong order (W1·W2)",
            stage="forward",
        ),
        Mistake(
            "w-transposed",
            "Entry (i, j) of W = W2·W1 is row i of W2 times column j of W1; you have the "
            "transpose.",
            "wrote W = W2·W1 transposed",
            stage="forward",
        ),
        Mistake(
            "step-along-gradient",
            "Gradient descent steps AGAINST the gradient: w ← w − α·∂L/∂w lowers the loss.",
            "stepped along the gradient (w + α·∂L/∂w)",
            stage="forward",
        ),
        Mistake(
            "alpha-forgotten",
            "The step is the gradient times the learning rate α: w ← w − α·∂L/∂w.",
            "took a whole gradient step, without the learning rate α",
            stage="forward",
        ),
        Mistake(
            "biases-forgotten",
            "Biases are learnable parameters too: one per neuron after the input.",
            "left the biases out",
            stage="forward",
        ),
        Mistake(
            "input-biases",
            "The input layer has no neurons of its own: no biases (and no weights) there.",
            "gave the input layer biases too",
            stage="forward",
        ),
        Mistake(
            "weights-multiplied",
            "Count weights layer by layer: n_in·n_out for each pair of adjacent layers, "
            "then add them up — not all the sizes multiplied together.",
            "multiplied all the layer sizes together",
            stage="forward",
        ),
        Mistake(
            "bias-through",
            "The first bias passes through the second layer too: b = W2·b1 + b2, not b1 + b2.",
            "added the biases without passing b1 through W2",
            stage="forward",
        ),
    )
}
