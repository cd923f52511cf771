"""`python -m benchmarks.risk` — is the cold-risk estimate calibrated, and does it beat the base rate?

Synthetic histories with known generating rules: each team's true log-odds per trait level are the seeds'
plus noise (sd 0.5), each member's are their team's plus noise (sd 0.5), and each member has habits
(how often they agree a next step, bring an offer, follow up late…) drawn at random. A contact goes
cold with the logistic of its true log-odds; when it does, its breakdown reason is drawn from a known
rule (no next step → mostly "We never agreed a next step", a late follow-up → mostly "I never followed
up", a weak connection → "We didn't really connect", else the seeds' mix).

Each member has 160 contacts; the last 80 are predicted in every scenario, so the rows compare. A
scenario gives the member `own` contacts of history and each teammate `per teammate` (0/0: a new team;
0/20: a newcomer to a team with history; then 5/20, 20/20, 80/80); the team's pool is the teammates'
histories plus the member's own. Each predicted contact is estimated as at capture (the follow-up delay
not yet known, so averaged over the member's habit) by `bot.risk.fit` (seeds → team → member), and
compared with what happened:
the Brier score against "always predict the base rate" (the pooled history's cold rate), against the
team-only model and against a member-only fit with weak priors, and the calibration by decile of the
predicted probability. The likeliest reason is scored by top-1 accuracy against "always the team's
commonest reason".
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from benchmarks.common import finish, md_table, note, text_table, verdict
from bot import risk
from bot.risk import GROUPS, INDEX, REASON_KEYS, SEEDS, PastContact, Traits

# (the member's own history, each teammate's history) in contacts; every scenario predicts the same contacts.
SCENARIOS = ((0, 0), (0, 20), (5, 20), (20, 20), (80, 80))
TEST_FROM = 80


@dataclass
class Member:
    coef: list[float]
    habits: dict[str, list[float]]  # group -> level probabilities
    contacts: list[PastContact]


def _draw(rng: random.Random, group: str, weights: list[float]) -> str:
    return rng.choices(GROUPS[group], weights=weights)[0]


def _habits(rng: random.Random) -> dict[str, list[float]]:
    return {g: [rng.gammavariate(1.0, 1.0) for _ in levels] for g, levels in GROUPS.items()}


def _true_reason(rng: random.Random, t: Traits) -> str:
    """The known rule behind the breakdown reasons."""
    if t.step in ("none", "unowned") and rng.random() < 0.6:
        return "unclear_expectations"
    if t.delay in ("4_7", "later") and rng.random() < 0.6:
        return "no_follow_up"
    if t.connection == "weak" and rng.random() < 0.5:
        return "no_connection"
    if t.offer == "none" and rng.random() < 0.2:
        return "no_generosity"
    return rng.choice(("busy", "no_need", "has_someone", "polite_no", "one_sided", "too_salesy"))


def _contact(rng: random.Random, m: Member) -> PastContact:
    levels = {g: _draw(rng, g, m.habits[g]) for g in GROUPS}
    t = Traits(
        step=levels["step"],  # type: ignore[arg-type]
        offer=levels["offer"],  # type: ignore[arg-type]
        connection=levels["connection"],  # type: ignore[arg-type]
        event=levels["event"],  # type: ignore[arg-type]
        delay=levels["delay"],  # type: ignore[arg-type]
    )
    z = m.coef[0] + sum(m.coef[INDEX[(g, lv)]] for g, lv in levels.items())
    cold = rng.random() < 1 / (1 + math.exp(-z))
    return PastContact(t, cold, _true_reason(rng, t) if cold else None)


def synthetic_teams(seed: int, teams: int, members: int, contacts: int) -> list[list[Member]]:
    rng = random.Random(seed)
    out = []
    for _ in range(teams):
        team_coef = [c + rng.gauss(0, 0.5) for c in SEEDS.coef]
        team = []
        for _ in range(members):
            m = Member([c + rng.gauss(0, 0.5) for c in team_coef], _habits(rng), [])
            m.contacts = [_contact(rng, m) for _ in range(contacts)]
            team.append(m)
        out.append(team)
    return out


def brier(pairs: Sequence[tuple[float, bool]]) -> float:
    return statistics.fmean((p - float(y)) ** 2 for p, y in pairs)


def deciles(pairs: Sequence[tuple[float, bool]]) -> list[tuple[str, int, float, float]]:
    """(bin, n, mean predicted, observed cold rate) for the ten bins of predicted probability."""
    rows = []
    for b in range(10):
        inside = [(p, y) for p, y in pairs if b / 10 <= p < (b + 1) / 10 or (b == 9 and p == 1.0)]
        if inside:
            rows.append(
                (
                    f"{b / 10:.1f}–{(b + 1) / 10:.1f}",
                    len(inside),
                    statistics.fmean(p for p, _ in inside),
                    statistics.fmean(float(y) for _, y in inside),
                )
            )
    return rows


def ece(pairs: Sequence[tuple[float, bool]]) -> float:
    """Expected calibration error: the n-weighted gap between predicted and observed, over the deciles."""
    return sum(n * abs(p - o) for _, n, p, o in deciles(pairs)) / len(pairs)


def _weak_prior_fit(history: Sequence[PastContact]) -> risk.Model:
    """The member's data alone: a flat, weak prior (what the estimate would be without the hierarchy)."""
    flat = replace(SEEDS, coef=tuple(0.0 for _ in SEEDS.coef))
    return risk.fit(history, flat, who="you", precision=0.05)


@dataclass
class Scored:
    model: list[tuple[float, bool]]
    base: list[tuple[float, bool]]
    team: list[tuple[float, bool]]
    alone: list[tuple[float, bool]]
    reason_hits: int = 0
    reason_base_hits: int = 0
    reasons: int = 0


def _capture(c: PastContact) -> Traits:
    return replace(c.traits, delay=None)  # at capture the follow-up has not happened yet


def replay(teams: list[list[Member]], h: int, team_h: int, fits: list[float]) -> Scored:
    """Predict every member's contacts from TEST_FROM on, from `h` of their own and `team_h` of each teammate's."""
    s = Scored([], [], [], [])
    for team in teams:
        for m in team:
            pool = [c for o in team if o is not m for c in o.contacts[:team_h]] + m.contacts[:h]
            base = statistics.fmean(c.went_cold for c in pool) if pool else _logistic(SEEDS.coef[0])
            common = Counter(c.reason for c in pool if c.reason).most_common(1)
            base_reason = common[0][0] if common else REASON_KEYS[0]
            team_model = risk.fit(pool, SEEDS, who="your team")
            started = time.perf_counter()
            model = risk.fit(m.contacts[:h], team_model, who="you")
            fits.append(time.perf_counter() - started)
            alone = _weak_prior_fit(m.contacts[:h])
            for c in m.contacts[TEST_FROM:]:
                t = _capture(c)
                s.model.append((risk.cold_probability(model, t), c.went_cold))
                s.team.append((risk.cold_probability(team_model, t), c.went_cold))
                s.alone.append((risk.cold_probability(alone, t), c.went_cold))
                s.base.append((base, c.went_cold))
                if c.reason:
                    s.reasons += 1
                    s.reason_hits += risk.likeliest_reason(model, t) == c.reason
                    s.reason_base_hits += base_reason == c.reason
    return s


def _logistic(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _timed(fn: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.risk", description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=4)
    parser.add_argument("--members", type=int, default=25, help="members per team")
    parser.add_argument("--contacts", type=int, default=160, help="contacts per member (history + test)")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    teams = synthetic_teams(args.seed, args.teams, args.members, args.contacts)
    note(f"{args.teams} teams × {args.members} members × {args.contacts} contacts")
    rows: list[list[Any]] = []
    figures: dict[str, Any] = {}
    fits: list[float] = []
    cal_rows: list[list[Any]] = []
    for h, team_h in SCENARIOS:
        s = replay(teams, h, team_h, fits)
        calibration = deciles(s.model)
        cal_rows += [[f"{h} / {team_h}", *r] for r in calibration]
        b_model, b_base, b_team, b_alone = brier(s.model), brier(s.base), brier(s.team), brier(s.alone)
        acc, acc_base = s.reason_hits / s.reasons, s.reason_base_hits / s.reasons
        rows.append(
            [
                f"{h} / {team_h}",
                len(s.model),
                b_model,
                b_base,
                b_team,
                b_alone,
                verdict(b_model < b_base),
                ece(s.model),
                acc,
                acc_base,
            ]
        )
        figures[f"own{h}_team{team_h}"] = {
            "predictions": len(s.model),
            "brier_model": round(b_model, 4),
            "brier_base_rate": round(b_base, 4),
            "brier_team_only": round(b_team, 4),
            "brier_member_only": round(b_alone, 4),
            "calibration_error": round(ece(s.model), 4),
            "calibration": [[b, n, round(p, 3), round(o, 3)] for b, n, p, o in calibration],
            "reason_top1": round(acc, 3),
            "reason_top1_base": round(acc_base, 3),
        }
        note(f"history {h} own / {team_h} per teammate: Brier {b_model:.4f} vs base rate {b_base:.4f}")
    t = Traits(step="none", connection="weak")
    model = risk.model_for(teams[0][0].contacts[:80], [c for m in teams[0] for c in m.contacts[:80]])
    figures["estimate_us"] = round(_timed(lambda: risk.estimate(model, t), 2000) * 1e6, 1)
    figures["member_fit_ms_median"] = round(statistics.median(fits) * 1000, 2)
    figures["beats_base_rate_everywhere"] = all(r[6] == "met" for r in rows)

    headers = ["own / per teammate", "predictions", "Brier", "base rate", "team only", "member only", "beats base",
               "calibration error", "reason top-1", "commonest reason"]  # fmt: skip
    cal_headers = ["own / per teammate", "predicted", "n", "mean predicted", "observed cold"]
    timing = (
        f"One estimate (probability, reason, the one change): {figures['estimate_us']} µs; "
        f"fitting a member's model on their history: median {figures['member_fit_ms_median']} ms."
    )
    method = __doc__.split("\n\n", 1)[1].strip()
    finish(
        "risk",
        "the cold-risk estimate: calibration and Brier score",
        "python -m benchmarks.risk",
        "\n\n".join([text_table(headers, rows), text_table(cal_headers, cal_rows), timing]),
        "\n\n".join(
            [
                method,
                md_table(headers, rows),
                "Calibration by decile of the predicted probability, per history size:",
                md_table(cal_headers, cal_rows),
                timing,
            ]
        ),
        figures,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
