"""The generic state-machine engine: transition rows, state metadata, resolution, save/restore.

Pure domain code (no database, no I/O). A :class:`StateModel` is data: its states and a list of
:class:`Transition` rows ``(from state, trigger, qualifier) -> target``. The engine finds the row
for what happened, computes the next state (saving or restoring a previous state where the row
says so) and answers which manual actions are valid now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

SAME = "="  # target meaning "no state change"
ANY_NON_TERMINAL = "*"


class Trig(StrEnum):
    MANUAL = "M"  # offered to staff
    PROTOCOL = "P"  # an incoming ISO 18626 message
    SYSTEM = "S"  # events, timers, auto-responders


class Stage(StrEnum):
    PREPARING = "PREPARING"
    LOCAL = "LOCAL"
    ACTIVE = "ACTIVE"
    ACTIVE_PENDING_CONDITIONAL_ANSWER = "ACTIVE_PENDING_CONDITIONAL_ANSWER"
    ACTIVE_SHIPPED = "ACTIVE_SHIPPED"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class StateInfo:
    code: str
    stage: Stage
    label: str
    terminal: bool = False
    needs_attention: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Transition:
    """One row: in ``from_state``, ``trigger`` with result ``qualifier`` leads to ``target``.

    ``qualifier`` None matches only an outcome without qualifier. ``save`` stores the current
    state under the target's code; ``restore`` returns to the state saved under the current code.
    """

    from_state: str
    trigger: str
    qualifier: str | None
    target: str  # a state code, or SAME
    kind: Trig = Trig.MANUAL
    save: bool = False
    restore: bool = False
    save_as: str | None = None  # store this instead of the current state


@dataclass(frozen=True)
class Step:
    transition: Transition
    from_state: str
    to_state: str
    previous_states: dict[str, str]

    @property
    def changed(self) -> bool:
        return self.from_state != self.to_state


class NoTransition(Exception):
    """Nothing in the model matches; the caller decides (409 for staff, ERROR for a peer)."""


@dataclass
class StateModel:
    name: str
    initial: str
    states: Mapping[str, StateInfo]
    transitions: list[Transition]
    stale_action: str | None = None
    overdue_state: str | None = None
    pick_slip_action: str | None = None
    always_valid: tuple[str, ...] = ()  # actions valid in every state (message, localNote...)
    _index: dict[tuple[str, str], list[Transition]] = field(default_factory=dict, repr=False)
    _valid: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for t in self.transitions:
            for code in (t.from_state, t.target):
                if code != SAME and code not in self.states:
                    raise ValueError(f"{self.name}: unknown state {code} in {t}")
            self._index.setdefault((t.from_state, t.trigger), []).append(t)

    def rows(self, state: str, trigger: str) -> list[Transition]:
        return self._index.get((state, trigger), [])

    def find(self, state: str, trigger: str, qualifier: str | None) -> Transition | None:
        for t in self.rows(state, trigger):
            if t.qualifier == qualifier:
                return t
        return None

    def handles(self, state: str, trigger: str) -> bool:
        return bool(self.rows(state, trigger))

    def valid_actions(self, state: str) -> list[str]:
        """Manual actions staff may perform now, in table order, then the always-valid ones
        (worked out once per state: every view of a request shows them)."""
        known = self._valid.get(state)
        if known is None:
            known = self._valid[state] = tuple(self._valid_actions(state))
        return list(known)

    def _valid_actions(self, state: str) -> list[str]:
        found: list[str] = []
        for (from_state, trigger), rows in self._index.items():
            if from_state == state and rows[0].kind == Trig.MANUAL and trigger not in found:
                found.append(trigger)
        extra = list(self.always_valid)
        if not self.states[state].terminal:
            extra.append("manualClose")
        return found + [a for a in extra if a not in found]

    def terminal_states(self) -> list[str]:
        return [code for code, info in self.states.items() if info.terminal]

    def step(self, state: str, previous: Mapping[str, str], trigger: str,
             qualifier: str | None = None) -> Step:
        """The next state for ``trigger`` with outcome ``qualifier``; raises NoTransition."""
        row = self.find(state, trigger, qualifier)
        if row is None:
            raise NoTransition(f"{trigger}{':' + qualifier if qualifier else ''} is not "
                               f"possible in state {state} ({self.name})")
        saved = dict(previous)
        target = state if row.target == SAME else row.target
        if row.restore:
            target = saved.pop(state, "") or target
            if target == state:
                raise NoTransition(f"{trigger}: no saved state to go back to from {state}")
        if row.save and target != state:
            saved[target] = row.save_as or state
        elif row.save and row.save_as:  # stay, but change where a later restore leads
            saved[state] = row.save_as
        return Step(row, state, target, saved)

    def manual_close(self, state: str, previous: Mapping[str, str], target: str) -> Step:
        if self.states[state].terminal:
            raise NoTransition(f"{state} is already a final state")
        if target not in self.terminal_states():
            raise NoTransition(f"{target} is not a final state of {self.name}; choose one of "
                               f"{', '.join(self.terminal_states())}")
        row = Transition(state, "manualClose", target, target)
        return Step(row, state, target, dict(previous))


def expand(kind: Trig, froms: Iterable[str], triggers: str | Iterable[str],
           outcomes: Mapping[str | None, str]) -> list[Transition]:
    """Rows for every (from, trigger, outcome). Outcome syntax: ``STATE``, ``=`` (same),
    ``STATE+save``, ``STATE+save>OTHER`` (save OTHER instead of the current state), ``=+save>OTHER`` (stay, and
    make OTHER the state a later restore returns to), ``<restore``
    (back to the state saved under the current one) or ``STATE<restore`` (restore, else STATE)."""
    rows: list[Transition] = []
    names = [triggers] if isinstance(triggers, str) else list(triggers)
    for from_state in froms:
        for trigger in names:
            for qualifier, spec in outcomes.items():
                rows.append(_row(kind, from_state, trigger, qualifier, spec))
    return rows


def _row(kind: Trig, from_state: str, trigger: str, qualifier: str | None,
         spec: str) -> Transition:
    save = "+save" in spec
    restore = "<restore" in spec
    save_as = spec.split(">", 1)[1] if ">" in spec else None
    target = spec.split("+")[0].split("<")[0] or SAME
    return Transition(from_state, trigger, qualifier, target, kind, save, restore, save_as)


def inherit(parent: list[Transition], child: list[Transition]) -> list[Transition]:
    """The child's rows override the parent's rows with the same (from, trigger, qualifier)."""
    keys = {(t.from_state, t.trigger, t.qualifier) for t in child}
    return child + [t for t in parent if (t.from_state, t.trigger, t.qualifier) not in keys]
