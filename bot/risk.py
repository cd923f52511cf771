"""The cold-risk estimate at capture: how likely a new contact is to go cold, why, and what would help most.

The model is a small logistic regression over a handful of capture-time traits (next step and who owns
it, offer, connection, event kind, days to the first follow-up), one-hot encoded, fitted by maximum a
posteriori with a Gaussian prior centred on a *parent* model: the seeds' priors (from the taxonomy's
idea: no next step and no follow-up are the commonest causes) → the team's pooled history → the
member's own history. With little history the prior dominates; with a lot, the member's own data does.
Each level keeps its Laplace covariance, the parent's uncertainty is carried into the child's prior, and
the predicted probability is moderated by it, so an estimate made from little history stays modest.

Why this and not naive Bayes per trait: the traits are correlated (no next step ⇔ nobody owns it; a
weak connection and a late follow-up travel together), and naive Bayes counts such evidence twice,
which makes it overconfident and badly calibrated. A logistic regression with a prior shares the
evidence between correlated traits, stays calibrated, and each coefficient is still one readable
number per trait level. The *explanation* is never the coefficient: it is the member's (or the
team's) own counts ("went cold for you 7 times in 10"), and the one change is the counterfactual
that lowers the estimate most.

The likeliest reason is a small naive Bayes over the taxonomy's keys (Dirichlet-smoothed toward the
same parents): P(reason | cold, traits) ∝ P(reason) · Π P(trait level | reason).

Pure: plain records in, plain values and sentences out. numpy is imported only when a model is fitted.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, TypeVar, cast

from bot.taxonomy import BY_KEY

Step = Literal["none", "mine", "theirs", "both", "unowned"]
Offer = Literal["none", "introduction", "referral", "other"]
Strength = Literal["strong", "ok", "weak", "unknown"]
Delay = Literal["within_1", "2_3", "4_7", "later"]
EventKind = Literal["breakfast", "mixer", "conference", "coffee", "call", "other"]

GROUPS: dict[str, tuple[str, ...]] = {
    "step": ("none", "mine", "theirs", "both", "unowned"),
    "offer": ("none", "introduction", "referral", "other"),
    "connection": ("strong", "ok", "weak", "unknown"),
    "delay": ("within_1", "2_3", "4_7", "later"),
    "event": ("breakfast", "mixer", "conference", "coffee", "call", "other"),
}
FEATURES: tuple[tuple[str, str], ...] = (
    ("bias", ""),
    *((group, level) for group, levels in GROUPS.items() for level in levels),
)
INDEX: dict[tuple[str, str], int] = {f: i for i, f in enumerate(FEATURES)}

# Prior precision (1 / variance) of each coefficient around its parent's value. Larger: trust the parent
# longer. The base rate (bias) moves more freely than the traits. Chosen on a grid over synthetic histories
# (benchmarks/risk.py's generator, another seed): the Brier scores of team 1-4 × member 2-8 were within
# 0.002 of each other; 2 and 4 sit in the middle.
TEAM_PRECISION = 2.0
MEMBER_PRECISION = 4.0
BIAS_PRECISION = 1.0
# A parent's reason and follow-up-delay distributions weigh as much as this many contacts.
PRIOR_WORTH = 20.0
MIN_COUNT = 5  # fewest contacts at a trait level before a sentence quotes their counts
MIN_DROP = 0.03  # the smallest fall in the estimate worth suggesting a change for

_SEED_COEF: dict[tuple[str, str], float] = {
    ("bias", ""): -0.4,
    ("step", "none"): 0.9,
    ("step", "unowned"): 0.4,
    ("step", "theirs"): 0.2,
    ("step", "mine"): -0.3,
    ("step", "both"): -0.4,
    ("offer", "none"): 0.3,
    ("offer", "introduction"): -0.3,
    ("offer", "referral"): -0.4,
    ("offer", "other"): -0.1,
    ("connection", "strong"): -0.6,
    ("connection", "weak"): 0.7,
    ("connection", "unknown"): 0.1,
    ("delay", "within_1"): -0.8,
    ("delay", "2_3"): -0.2,
    ("delay", "4_7"): 0.4,
    ("delay", "later"): 1.2,
    ("event", "mixer"): 0.2,
    ("event", "conference"): 0.3,
    ("event", "coffee"): -0.3,
    ("event", "call"): -0.2,
}
_SEED_DELAY: dict[str, float] = {"within_1": 0.3, "2_3": 0.3, "4_7": 0.2, "later": 0.2}
# How often each reason is the one, before any history: the taxonomy's commonest causes first.
_SEED_REASONS: dict[str, float] = {
    "no_follow_up": 0.2,
    "unclear_expectations": 0.18,
    "busy": 0.14,
    "no_connection": 0.08,
    "no_need": 0.08,
    "one_sided": 0.06,
    "has_someone": 0.06,
    "too_salesy": 0.05,
    "no_value_seen": 0.05,
    "polite_no": 0.05,
    "no_generosity": 0.05,
}
REASON_KEYS: tuple[str, ...] = tuple(_SEED_REASONS)
# The trait levels each reason travels with (three times likelier than the other levels, in the seeds).
_SEED_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "no_follow_up": (("delay", "4_7"), ("delay", "later")),
    "unclear_expectations": (("step", "none"), ("step", "unowned")),
    "busy": (("delay", "2_3"), ("delay", "4_7"), ("step", "theirs")),
    "no_connection": (("connection", "weak"), ("event", "mixer"), ("event", "conference")),
    "no_generosity": (("offer", "none"),),
    "one_sided": (("offer", "none"), ("step", "mine")),
    "too_salesy": (("connection", "weak"), ("step", "mine")),
    "polite_no": (("connection", "ok"), ("step", "theirs")),
}


# --- records -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Traits:
    """What is known about a contact when it is logged. `delay` is None until the first follow-up."""

    step: Step = "none"
    offer: Offer = "none"
    connection: Strength = "unknown"
    event: EventKind = "other"
    delay: Delay | None = None


@dataclass(frozen=True)
class PastContact:
    """One of the member's (or the team's) past contacts and how it ended."""

    traits: Traits
    went_cold: bool
    reason: str | None = None  # the breakdown's taxonomy key, when it stalled with one


class OutcomeRow(Protocol):
    """What the store returns for a past contact (store/risk.py's ContactOutcome)."""

    @property
    def next_step(self) -> str | None: ...
    @property
    def next_step_owner(self) -> str | None: ...
    @property
    def offer(self) -> str | None: ...
    @property
    def offer_kind(self) -> str | None: ...
    @property
    def connection(self) -> str | None: ...
    @property
    def event(self) -> str | None: ...
    @property
    def days_to_follow_up(self) -> float | None: ...
    @property
    def went_cold(self) -> bool: ...
    @property
    def reason(self) -> str | None: ...


_EVENT_RULES: tuple[tuple[EventKind, re.Pattern[str]], ...] = (
    ("breakfast", re.compile(r"\b(breakfast|brunch|bni)\b", re.I)),
    ("call", re.compile(r"\b(call|zoom|teams|meet|video|phone|webinar|online)\b", re.I)),
    ("coffee", re.compile(r"\b(coffee|caf[eé]|lunch|dinner|tea|1:1|one[- ]on[- ]one)\b", re.I)),
    (
        "conference",
        re.compile(r"\b(conference|conf|summit|expo|trade ?show|congress|convention|forum)\b", re.I),
    ),
    ("mixer", re.compile(r"\b(mixer|drinks|happy hour|meetup|meet-up|networking|party|social|gala)\b", re.I)),
)


def event_kind(text: str | None) -> EventKind:
    """A few kinds of event from the event's text, by small word rules; anything else is `other`."""
    for kind, pattern in _EVENT_RULES:
        if text and pattern.search(text):
            return kind
    return "other"


def delay_bucket(days: float | None) -> Delay:
    """Days from the meeting to the first follow-up, bucketed; None (never followed up) is `later`."""
    if days is None or days > 7.5:
        return "later"
    if days <= 1.5:
        return "within_1"
    return "2_3" if days <= 3.5 else "4_7"


_OWNER_STEP: dict[str, Step] = {"me": "mine", "them": "theirs", "both": "both"}


def traits_of(
    *,
    next_step: str | None,
    owner: str | None,
    offer: str | None,
    offer_kind: str | None,
    connection: str | None,
    event: str | None,
    delay: Delay | None = None,
) -> Traits:
    """A meeting's columns as traits."""
    step: Step = _OWNER_STEP.get(owner or "", "unowned") if next_step else "none"
    kind: Offer = "none"
    if offer:
        kind = offer_kind if offer_kind in ("introduction", "referral") else "other"  # type: ignore[assignment]
    strength: Strength = connection if connection in ("strong", "ok", "weak") else "unknown"  # type: ignore[assignment]
    return Traits(step=step, offer=kind, connection=strength, event=event_kind(event), delay=delay)


def past_contacts(rows: Iterable[OutcomeRow]) -> list[PastContact]:
    """The store's outcome rows as the model's records."""
    return [
        PastContact(
            traits=traits_of(
                next_step=r.next_step,
                owner=r.next_step_owner,
                offer=r.offer,
                offer_kind=r.offer_kind,
                connection=r.connection,
                event=r.event,
                delay=delay_bucket(r.days_to_follow_up),
            ),
            went_cold=r.went_cold,
            reason=r.reason if r.reason in BY_KEY else None,
        )
        for r in rows
    ]


# --- the fitted model --------------------------------------------------------------------------------------

Counts = Mapping[tuple[str, str], tuple[int, int]]  # (group, level) -> (contacts, went cold)


@dataclass(frozen=True)
class Model:
    """A fitted level of the hierarchy: seeds, the team, or the member. `parent` is what it shrank toward."""

    who: Literal["seeds", "your team", "you"]
    coef: tuple[float, ...]
    delay_mix: Mapping[str, float]  # how this member (team) usually follows up
    reason_counts: Mapping[str, float]  # Dirichlet pseudo-counts per reason
    reason_levels: Mapping[tuple[str, str, str], float]  # (reason, group, level) pseudo-counts
    counts: Counts = field(default_factory=dict)
    contacts: int = 0
    parent: Model | None = None
    # How unsure the coefficients still are (Laplace approximation; empty: not at all, the seeds' anchor).
    cov: tuple[tuple[float, ...], ...] = ()


def _seed() -> Model:
    coef = tuple(_SEED_COEF.get(f, 0.0) for f in FEATURES)
    reasons = {r: share * PRIOR_WORTH for r, share in _SEED_REASONS.items()}
    levels: dict[tuple[str, str, str], float] = {}
    for r in REASON_KEYS:
        links = set(_SEED_LINKS.get(r, ()))
        for group, group_levels in GROUPS.items():
            weights = {lv: 3.0 if (group, lv) in links else 1.0 for lv in group_levels}
            total = sum(weights.values())
            for lv, w in weights.items():
                levels[(r, group, lv)] = w / total * PRIOR_WORTH * _SEED_REASONS[r]
    return Model("seeds", coef, dict(_SEED_DELAY), reasons, levels)


SEEDS = _seed()


def _levels(t: Traits, delay: str) -> dict[str, str]:
    return {"step": t.step, "offer": t.offer, "connection": t.connection, "delay": delay, "event": t.event}


def _row(t: Traits, delay: str) -> list[float]:
    x = [0.0] * len(FEATURES)
    x[0] = 1.0
    for group, level in _levels(t, delay).items():
        x[INDEX[(group, level)]] = 1.0
    return x


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _prior_cov(parent: Model, precisions: Sequence[float]) -> tuple[tuple[float, ...], ...]:
    """The parent's remaining uncertainty plus how far this level may stray from it (1 / precision)."""
    size = len(FEATURES)
    return tuple(
        tuple(
            (parent.cov[i][j] if parent.cov else 0.0) + (1 / precisions[i] if i == j else 0.0)
            for j in range(size)
        )
        for i in range(size)
    )


def _map_logistic(
    rows: list[list[float]],
    seen: list[float],
    cold: list[float],
    prior: Sequence[float],
    prior_cov: Sequence[Sequence[float]],
) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]:
    """MAP logistic regression with a Gaussian prior N(prior, prior_cov), by Newton's method; the
    coefficients and their Laplace covariance (the inverse Hessian at the optimum).

    One row per distinct combination of traits, `seen` contacts of which `cold` went cold (a binomial
    likelihood): a team of thousands of contacts has at most a few hundred distinct rows.
    """
    import numpy as np

    x, n, k = np.array(rows, dtype=float), np.array(seen, dtype=float), np.array(cold, dtype=float)
    mu, precision = np.array(prior, dtype=float), np.linalg.inv(np.array(prior_cov, dtype=float))
    beta = mu.copy()
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (n * p - k) + precision @ (beta - mu)
        hessian = (x.T * (n * p * (1 - p))) @ x + precision
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.max(np.abs(step))) < 1e-7:
            break
    p = 1.0 / (1.0 + np.exp(-(x @ beta)))
    cov = np.linalg.inv((x.T * (n * p * (1 - p))) @ x + precision)
    return tuple(float(b) for b in beta), tuple(tuple(float(v) for v in row) for row in cov)


def _scaled(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values()) or 1.0
    return {k: v / total * PRIOR_WORTH for k, v in weights.items()}


Tally = Counter[PastContact]  # each distinct past contact (delay filled in), and how many there were


def _tally(history: Sequence[PastContact]) -> Tally:
    return Counter(
        c if c.traits.delay else replace(c, traits=replace(c.traits, delay="later")) for c in history
    )


def _reason_fit(tally: Tally, parent: Model) -> tuple[dict[str, float], dict[tuple[str, str, str], float]]:
    """Dirichlet pseudo-counts: the parent's, scaled to PRIOR_WORTH contacts, plus this level's counts."""
    scale = PRIOR_WORTH / (sum(parent.reason_counts.values()) or 1.0)
    reasons = {r: w * scale for r, w in parent.reason_counts.items()}
    levels = {k: w * scale for k, w in parent.reason_levels.items()}
    for c, times_seen in tally.items():
        if not c.went_cold or c.reason not in reasons:
            continue
        assert c.reason is not None
        reasons[c.reason] += times_seen
        for group, level in _levels(c.traits, c.traits.delay or "later").items():
            levels[(c.reason, group, level)] += times_seen
    return reasons, levels


def _counts(tally: Tally) -> dict[tuple[str, str], tuple[int, int]]:
    seen: Counter[tuple[str, str]] = Counter()
    cold: Counter[tuple[str, str]] = Counter()
    for c, times_seen in tally.items():
        for group, level in _levels(c.traits, c.traits.delay or "later").items():
            seen[(group, level)] += times_seen
            cold[(group, level)] += times_seen * c.went_cold
    return {k: (n, cold[k]) for k, n in seen.items()}


def _binomial_rows(tally: Tally) -> tuple[list[list[float]], list[float], list[float]]:
    """Distinct trait rows, with how many contacts had them and how many of those went cold."""
    seen: Counter[Traits] = Counter()
    cold: Counter[Traits] = Counter()
    for c, times_seen in tally.items():
        seen[c.traits] += times_seen
        cold[c.traits] += times_seen * c.went_cold
    ordered = list(seen)
    rows = [_row(t, t.delay or "later") for t in ordered]
    return rows, [float(seen[t]) for t in ordered], [float(cold[t]) for t in ordered]


def fit(
    history: Sequence[PastContact],
    parent: Model = SEEDS,
    *,
    who: Literal["your team", "you"] = "you",
    precision: float | None = None,
) -> Model:
    """Shrink `parent` toward this history: the team's toward the seeds, the member's toward the team's."""
    if precision is None:
        precision = TEAM_PRECISION if who == "your team" else MEMBER_PRECISION
    precisions = [min(BIAS_PRECISION, precision)] + [precision] * (len(FEATURES) - 1)
    prior_cov = _prior_cov(parent, precisions)
    if not history:
        return replace(parent, who=who, counts={}, contacts=0, parent=parent, cov=prior_cov)
    tally = _tally(history)
    rows, seen, cold = _binomial_rows(tally)
    coef, cov = _map_logistic(rows, seen, cold, parent.coef, prior_cov)
    delays = _scaled(parent.delay_mix)
    for c, times_seen in tally.items():
        delays[c.traits.delay or "later"] += times_seen
    reasons, levels = _reason_fit(tally, parent)
    return Model(who, coef, delays, reasons, levels, _counts(tally), len(history), parent, cov)


def model_for(member: Sequence[PastContact], team: Sequence[PastContact]) -> Model:
    """The member's model: the seeds, shrunk to the team's pooled history, then to the member's own."""
    return fit(member, fit(team, SEEDS, who="your team"), who="you")


def cold_probability(model: Model, traits: Traits) -> float:
    """P(goes cold). An unknown delay is averaged over how this member usually follows up.

    The log-odds are moderated by their uncertainty (MacKay's probit approximation of the predictive
    probability): with little history the estimate stays nearer even odds instead of overclaiming.
    """

    def at(delay: str) -> float:
        active = [i for i, x in enumerate(_row(traits, delay)) if x]
        z = sum(model.coef[i] for i in active)
        v = sum(model.cov[i][j] for i in active for j in active) if model.cov else 0.0
        return _logistic(z / math.sqrt(1 + math.pi * v / 8))

    if traits.delay is not None:
        return at(traits.delay)
    total = sum(model.delay_mix.values()) or 1.0
    return sum(at(d) * w / total for d, w in model.delay_mix.items())


def likeliest_reason(model: Model, traits: Traits) -> str:
    """The taxonomy key most likely to explain it, if this contact goes cold."""
    delay: str = traits.delay or max(model.delay_mix, key=lambda d: model.delay_mix[d])
    levels = _levels(traits, delay)

    def score(r: str) -> float:
        n = model.reason_counts[r]
        out = math.log(n)
        for group, level in levels.items():
            group_total = sum(model.reason_levels[(r, group, lv)] for lv in GROUPS[group])
            out += math.log(model.reason_levels[(r, group, level)] / group_total)
        return out

    return max(REASON_KEYS, key=score)


# --- the one change ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lever:
    """A change the member can still make at capture, and how to say it."""

    group: str
    bad: frozenset[str]  # the levels this lever fixes
    to: tuple[str, ...]  # the levels it could change them to (the one that helps most counts)
    who_they_are: str  # "Contacts without an agreed next step"
    do: str  # "add one now"


LEVERS: tuple[Lever, ...] = (
    Lever(
        "step",
        frozenset({"none"}),
        ("mine", "both"),
        "Contacts without an agreed next step",
        "add one now",
    ),
    Lever(
        "step",
        frozenset({"unowned"}),
        ("mine", "both"),
        "Next steps nobody owned",
        "say who does what next",
    ),
    Lever(
        "step",
        frozenset({"theirs"}),
        ("both",),
        "Next steps left to them",
        "offer to take a part of it yourself",
    ),
    Lever(
        "offer",
        frozenset({"none"}),
        ("introduction", "referral"),
        "Contacts you offered nothing to",
        "note an introduction or a referral you can give",
    ),
    Lever(
        "delay",
        frozenset({"2_3", "4_7", "later"}),
        ("within_1",),
        "Contacts you followed up after more than a day (or never)",
        "follow up tomorrow",
    ),
)


def _applies(lever: Lever, traits: Traits) -> bool:
    if lever.group == "delay":
        return traits.delay is None or traits.delay in lever.bad
    return getattr(traits, lever.group) in lever.bad


def _after(model: Model, lever: Lever, traits: Traits) -> float:
    """The estimate once the lever is pulled (to whichever of its levels helps most)."""
    return min(
        cold_probability(model, replace(traits, **cast(dict[str, Any], {lever.group: to}))) for to in lever.to
    )


def _pooled(counts: Counts, group: str, levels: Iterable[str]) -> tuple[int, int]:
    n = cold = 0
    for level in levels:
        a, b = counts.get((group, level), (0, 0))
        n, cold = n + a, cold + b
    return n, cold


def times(cold: int, n: int) -> str:
    """ "7 times in 10" for ten or more, "3 times in 5" below that."""
    if n >= 10:
        return f"{round(10 * cold / n)} times in 10"
    return f"{cold} time{'s' if cold != 1 else ''} in {n}"


def _evidence(model: Model, lever: Lever) -> str | None:
    """Whose counts show the lever works, the member's first, then the team's; None when nobody's do."""
    level: Model | None = model
    while level is not None and level.who != "seeds":
        n, cold = _pooled(level.counts, lever.group, lever.bad)
        others = [lv for lv in GROUPS[lever.group] if lv not in lever.bad]
        m, cold_m = _pooled(level.counts, lever.group, others)
        if n >= MIN_COUNT and (m == 0 or cold / n > cold_m / m):
            whose = "for you" if level.who == "you" else "for your team"
            return f"{lever.who_they_are} went cold {whose} {times(cold, n)}"
        level = level.parent
    return None


def change_sentence(model: Model, lever: Lever) -> str:
    """The written suggestion: the counts that back it when there are enough, else the seeds' idea."""
    evidence = _evidence(model, lever)
    if evidence is None:
        evidence = f"{lever.who_they_are} are among the likeliest to go cold"
    return f"{evidence} — {lever.do}."


def best_lever(model: Model, traits: Traits) -> tuple[Lever, float] | None:
    """The one change that lowers the estimate most, with the estimate after it; None when none helps."""
    now = cold_probability(model, traits)
    options = [(lv, _after(model, lv, traits)) for lv in LEVERS if _applies(lv, traits)]
    options = [(lv, p) for lv, p in options if now - p >= MIN_DROP]
    return min(options, key=lambda o: o[1]) if options else None


# --- the answer -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Risk:
    """The estimate for one contact. Show `line`, never `probability` (it orders the digest)."""

    probability: float
    reason: str  # a taxonomy key
    change: str | None  # the one change that lowers it most, as a sentence

    @property
    def level(self) -> Literal["low", "some", "high"]:
        if self.probability < 0.3:
            return "low"
        return "some" if self.probability < 0.55 else "high"

    @property
    def line(self) -> str:
        label = BY_KEY[self.reason].label
        head = {
            "low": "Low risk this one goes cold",
            "some": "Some risk this one goes cold",
            "high": "High risk this one goes cold",
        }[self.level]
        tail = self.change or "Nothing to add: follow up as agreed."
        return f"{head} (likeliest reason: “{label}”). {tail}"


def estimate(model: Model, traits: Traits) -> Risk:
    """The cold risk of a contact just logged: probability, likeliest reason, and the one change."""
    best = best_lever(model, traits)
    return Risk(
        probability=cold_probability(model, traits),
        reason=likeliest_reason(model, traits),
        change=change_sentence(model, best[0]) if best else None,
    )


T = TypeVar("T")


def order_by_risk(scored: Iterable[tuple[T, float]]) -> list[T]:
    """Riskiest first; equal risks keep the order they came in (the digest's due order)."""
    ranked = sorted(enumerate(scored), key=lambda e: (-e[1][1], e[0]))
    return [item for _, (item, _) in ranked]


# --- /met stats: the riskiest habit -----------------------------------------------------------------------

_HABITS: tuple[tuple[str, frozenset[str], str, str], ...] = (
    ("step", frozenset({"none"}), "leaving without an agreed next step", "when you agreed one"),
    ("step", frozenset({"unowned"}), "agreeing next steps nobody owns", "when someone owned it"),
    ("offer", frozenset({"none"}), "coming with nothing to offer", "when you offered something"),
    (
        "delay",
        frozenset({"4_7", "later"}),
        "waiting more than 3 days to follow up",
        "when you followed up sooner",
    ),
)
MIN_EXCESS = 0.15


def riskiest_habit(history: Sequence[PastContact]) -> str | None:
    """The member's habit whose contacts went cold most often, against when they did otherwise, as a sentence.

    None until there are at least MIN_COUNT contacts with the habit and three without, and the gap is real.
    """
    counts = _counts(_tally(history))
    best: tuple[float, str] | None = None
    for group, bad, habit, otherwise in _HABITS:
        n, cold = _pooled(counts, group, bad)
        m, cold_m = _pooled(counts, group, [lv for lv in GROUPS[group] if lv not in bad])
        if n < MIN_COUNT or m < 3:
            continue
        excess = cold / n - cold_m / m
        if excess >= MIN_EXCESS and (best is None or excess > best[0]):
            sentence = (
                f"Your riskiest habit: {habit}. Those contacts went cold {times(cold, n)}, "
                f"against {times(cold_m, m)} {otherwise}."
            )
            best = (excess, sentence)
    return best[1] if best else None
