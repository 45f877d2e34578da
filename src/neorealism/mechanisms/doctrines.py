"""Doctrines: offensive and defensive realism as small classes with a declarative classifier.

Structural realists agree that anarchy makes states look to their own
security; they disagree over how much power security takes.

- **Defensive realism** (Waltz 1979; Van Evera 1999; Glaser 2010): the
  first concern of states is to keep their position, not to maximise
  power.  Expansion usually provokes a balancing coalition and seldom pays,
  so a security seeker arms to *sufficiency* against the threats it faces
  and fights to defend itself, or to prevent a rival's rise (a window of
  vulnerability, Van Evera 1999, ch. 4) or pre-empt an attack it believes
  is coming — never merely because a war would pay.
- **Offensive realism** (Mearsheimer 2001): since intentions can never be
  known and the best guarantee of survival is to be the strongest, great
  powers *maximise relative power*: they arm beyond sufficiency, count a
  rival's loss as their own gain, seize any war whose expected gain beats
  its cost, and aim at hegemony in their own region — the most any state
  can reach, because the stopping power of water (ch. 4;
  :mod:`.geography`, ``geography.water``) keeps armies from crossing oceans
  in force.

A doctrine is a subclass of :class:`Doctrine` that declares its ``name``,
its ``sources`` and a ``classifier``: one value for each key of
:data:`CLASSIFIER` (the way the Axelrod library classifies its
strategies, so doctrines can be listed and filtered by what they are, not
only by name; :func:`filtered`).  The classifier *drives* the behaviour:
the base class reads it to give the factors the other mechanisms use
(:meth:`Doctrine.arming`, :meth:`Doctrine.gain`, :meth:`Doctrine.restraint`,
:attr:`Doctrine.offensive_margin`), so a new doctrine needs no code at
all unless it wants numbers of its own, in which case it overrides a
method.  :func:`register` (also a class decorator) adds a doctrine; a
scenario may then name it as a state's ``doctrine`` — no change to the
engine (docs/doctrines.md; ``neorealism.examples.custom_doctrine``).

The mechanism ``doctrine`` (:data:`MECHANISM`) turns each state's doctrine
into three constant per-state fields with roles (:data:`.base.ROLES`):
``doctrine_arming`` (``arming_factor``, read by armament: a factor on the
military sought), ``doctrine_gain`` (``gain_weight``, read by war: a weight
on what a challenger takes if it wins) and ``doctrine_restraint``
(``restraint``, read by war: 1 = the state presses a crisis only with a
defensive motive).  Which margin of :class:`.conflict.WarParams` a state's
war decision uses (``threshold`` or ``offensive_threshold``) is
:attr:`Doctrine.offensive_margin`.  With ``doctrine.enabled`` false the
fields are 1, 1 and 0: the mechanism changes nothing.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from ..schema import StrictModel
from .base import InitContext, Mechanism, StateField, per_world_vector

#: The classifier's keys and each key's allowed values, in order (the first value is the defensive one).
CLASSIFIER: dict[str, tuple[str, ...]] = {
    # what the state ultimately seeks: to stay secure, or as much power relative to the others as it can get
    "aim": ("security", "relative power"),
    # how much military it seeks against its threats: enough to balance them, or more
    "arming": ("sufficiency", "maximum"),
    # why it presses a crisis: only to defend, prevent a rival's rise or pre-empt; or whenever war would pay
    "war": ("defence, prevention, pre-emption", "opportunity"),
    # which margin of WarParams its war decision needs war to beat the best settlement by
    "margin": ("threshold", "offensive_threshold"),
    # the dominance it aims at: none (the balance), or hegemony over its own region
    "hegemony": ("none", "regional"),
}

#: What each key means (docs/doctrines.md).
CLASSIFIER_DOC: dict[str, str] = {
    "aim": "what the state ultimately seeks: security (Waltz 1979) or relative power (Mearsheimer 2001)",
    "arming": "the military it seeks against its threats: sufficiency, or more (maximum)",
    "war": "why it presses a crisis: only to defend, to prevent or to pre-empt; or at every opportunity",
    "margin": "the WarParams margin its war decision uses: threshold, or offensive_threshold",
    "hegemony": "the dominance it aims at: none, or regional hegemony",
}

#: Allowed ranges of the behaviour values: (low, high), both included.
BEHAVIOUR_RANGE: dict[str, tuple[float, float]] = {
    "arming": (0.0, 10.0),
    "gain": (0.0, 10.0),
    "restraint": (0.0, 1.0),
}


class Doctrine:
    """A doctrine: how a state's structural position is turned into aims (subclass it, then :func:`register`).

    A subclass declares

    - ``name``: the value of ``StateSpec.doctrine`` that selects it;
    - ``sources``: the works it encodes ("Author Year"), at least one;
    - ``classifier``: one allowed value (:data:`CLASSIFIER`) for every key.

    The behaviour follows from the classifier; each method takes the
    engine's parameters (``params.doctrine.<name>`` may be a number or a
    per-world ``(R, 1)`` column, and the result broadcasts the same way):

    - :meth:`arming`: the factor on the military the state seeks
      (``sufficiency``: 1; ``maximum``: 1 + ``doctrine.offensive_arming``);
    - :meth:`gain`: the weight on what the state takes if it wins a war
      (``security``: 1, the absolute gain; ``relative power``: 1 +
      ``doctrine.relative_weight``, the rival's loss counted as a gain of
      its own — relative gains, Grieco 1988; Mearsheimer 2001, ch. 2);
    - :meth:`restraint`: 1 when the state presses a crisis only with a
      defensive motive (``war: defence, prevention, pre-emption``:
      ``doctrine.restraint`` as 1.0 or 0.0; ``opportunity``: 0);
    - :attr:`offensive_margin`: whether its war decision uses
      ``war.offensive_threshold`` (``margin: offensive_threshold``) or
      ``war.threshold``.

    Override a method for numbers of your own; keep them in
    :data:`BEHAVIOUR_RANGE`.
    """

    name: ClassVar[str] = ""
    sources: ClassVar[tuple[str, ...]] = ()
    classifier: ClassVar[dict[str, str]] = {}
    #: set from ``classifier["margin"]`` when a subclass does not declare it
    offensive_margin: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "offensive_margin" not in cls.__dict__ and "margin" in cls.classifier:
            cls.offensive_margin = cls.classifier["margin"] == "offensive_threshold"

    def arming(self, params: Any) -> Any:
        """Factor on the military the state seeks against its threats (1 = sufficiency)."""
        if self.classifier["arming"] == "maximum":
            return 1.0 + np.asarray(params.doctrine.offensive_arming, dtype=np.float64)
        return 1.0

    def gain(self, params: Any) -> Any:
        """Weight on what the state takes if it wins a war (1 = the absolute gain)."""
        if self.classifier["aim"] == "relative power":
            return 1.0 + np.asarray(params.doctrine.relative_weight, dtype=np.float64)
        return 1.0

    def restraint(self, params: Any) -> Any:
        """1: the state presses a crisis only to defend, prevent or pre-empt; 0: at any opportunity."""
        if self.classifier["war"] == "opportunity":
            return 0.0
        return np.asarray(params.doctrine.restraint, dtype=np.float64)

    def behaviour(self, params: Any) -> dict[str, Any]:
        """The three behaviour values at ``params``: ``{"arming": …, "gain": …, "restraint": …}``."""
        return {"arming": self.arming(params), "gain": self.gain(params), "restraint": self.restraint(params)}


class Defensive(Doctrine):
    """Defensive realism: arm to sufficiency; fight only to defend, to prevent or to pre-empt.

    States seek security, not power: they balance against threats (Waltz
    1979, ch. 6 and 8), and since conquest seldom pays — defence is usually
    the stronger form of war and aggression provokes balancing coalitions —
    they go to war only when they must: to defend themselves, to close a
    window of vulnerability before a rising rival can exploit it (prevention)
    or to strike first when attack is believed imminent (pre-emption) (Van
    Evera 1999, ch. 2–4).  A rational security seeker weighs arming against
    the insecurity it causes others (Glaser 2010).
    """

    name = "defensive"
    sources = ("Waltz 1979", "Van Evera 1999", "Glaser 2010")
    classifier = {
        "aim": "security",
        "arming": "sufficiency",
        "war": "defence, prevention, pre-emption",
        "margin": "threshold",
        "hegemony": "none",
    }


class Offensive(Doctrine):
    """Offensive realism: maximise relative power; seize any war that pays; seek regional hegemony.

    Great powers cannot know one another's intentions and survival is best
    assured by being the strongest, so each maximises its power relative to
    the others: it arms beyond what its threats call for, values what it
    gains against a rival by what the rival loses too, and attacks whenever
    the expected gain beats the cost (Mearsheimer 2001, ch. 2).  Its horizon
    is hegemony in its own region; the stopping power of water keeps it from
    more (ch. 4; ``geography.water``).
    """

    name = "offensive"
    sources = ("Mearsheimer 2001",)
    classifier = {
        "aim": "relative power",
        "arming": "maximum",
        "war": "opportunity",
        "margin": "offensive_threshold",
        "hegemony": "regional",
    }


# --------------------------------------------------------------------------- the register

_REGISTRY: dict[str, type[Doctrine]] = {}
_BUILT_IN = ("defensive", "offensive")


class DoctrineParams(StrictModel):
    """Doctrines: offensive (Mearsheimer 2001) and defensive (Waltz 1979; Van Evera 1999; Glaser 2010) realism.

    Each state's doctrine class (``states[k].doctrine``, docs/doctrines.md) gives three constant factors:
    arming (armament: × military sought; maximum: 1 + offensive_arming), gain (war: × what a challenger takes
    if it wins; relative power: 1 + relative_weight) and restraint (war: 1 = presses a crisis only to defend,
    prevent or pre-empt; defensive: restraint).  Off: 1, 1, 0.
    """

    enabled: bool = Field(default=True, description="doctrines act through arming, gains and restraint (off: factors 1, 1 and restraint 0 — no effect)")
    offensive_arming: float = Field(default=0.25, ge=0.0, le=2.0, description="share of military beyond sufficiency that a doctrine arming to the maximum seeks (Mearsheimer 2001: power maximisers arm past what their threats call for)")
    relative_weight: float = Field(default=1.0, ge=0.0, le=5.0, description="weight of the rival's loss in what a relative-power seeker gains by winning a war (1: the rival's loss counts in full as its own gain; Grieco 1988; Mearsheimer 2001)")
    restraint: bool = Field(default=True, description="security seekers press a crisis only with a defensive motive — to prevent a rival's rise or pre-empt an attack (Van Evera 1999; Glaser 2010); false: at any opportunity, like the others")


def _defaults() -> Any:
    """Stand-in engine parameters holding the doctrine defaults (to check a class when it registers)."""
    return SimpleNamespace(doctrine=DoctrineParams())


def problems(cls: Any) -> list[str]:
    """Why ``cls`` cannot be registered as a doctrine (empty when it can)."""
    if not (isinstance(cls, type) and issubclass(cls, Doctrine)):
        return [f"{cls!r} is not a subclass of Doctrine"]
    out = []
    name = cls.__dict__.get("name", "")
    if not isinstance(name, str) or not name.strip():
        out.append(f"{cls.__name__}: a doctrine needs a name of its own (a non-empty string)")
    elif len(name) > 64 or name != name.strip() or any(not c.isprintable() for c in name):
        out.append(f"{cls.__name__}: name {name!r}: at most 64 printable characters, no surrounding spaces")
    src = cls.sources
    if not (isinstance(src, tuple) and src and all(isinstance(s, str) and s.strip() for s in src)):
        out.append(f"{cls.__name__}: sources must be a non-empty tuple of works ('Author Year'), got {src!r}")
    c = cls.classifier
    if not isinstance(c, dict):
        return [*out, f"{cls.__name__}: classifier must be a dict, got {type(c).__name__}"]
    for key, allowed in CLASSIFIER.items():
        if key not in c:
            out.append(f"{cls.__name__}: classifier has no {key!r} (allowed values: {', '.join(map(repr, allowed))})")
        elif c[key] not in allowed:
            out.append(f"{cls.__name__}: classifier[{key!r}] = {c[key]!r}: allowed {', '.join(map(repr, allowed))}")
    for key in c:
        if key not in CLASSIFIER:
            out.append(f"{cls.__name__}: classifier key {key!r} unknown: the keys are {', '.join(CLASSIFIER)}")
    if out:
        return out
    if cls.offensive_margin != (c["margin"] == "offensive_threshold"):
        out.append(f"{cls.__name__}: offensive_margin = {cls.offensive_margin} contradicts classifier['margin'] = {c['margin']!r}")
    try:
        values = cls().behaviour(_defaults())
    except Exception as e:  # a user's method that fails at the defaults
        return [*out, f"{cls.__name__}: its behaviour fails at the default parameters: {e}"]
    for key, v in values.items():
        lo, hi = BEHAVIOUR_RANGE[key]
        a = np.asarray(v, dtype=np.float64)
        if a.ndim or not (math.isfinite(float(a)) and lo <= float(a) <= hi):
            out.append(f"{cls.__name__}: {key}() = {v!r} at the default parameters: a number in [{lo}, {hi}]")
    return out


def register(cls: type[Doctrine]) -> type[Doctrine]:
    """Add a doctrine class under its ``name`` (usable as a class decorator); returns the class.

    Raises ValueError, naming every problem, when the class is incomplete
    (no name, no sources, a classifier key missing or a value not allowed,
    behaviour out of range) or its name is taken.
    """
    bad = problems(cls)
    if bad:
        raise ValueError("cannot register doctrine: " + "; ".join(bad))
    if cls.name in _REGISTRY:
        raise ValueError(f"doctrine {cls.name!r} is already registered ({_REGISTRY[cls.name].__qualname__})")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a user doctrine (the built-in ones stay)."""
    if name in _BUILT_IN:
        raise ValueError(f"doctrine {name!r} is built in and cannot be removed")
    if name not in _REGISTRY:
        raise KeyError(f"no doctrine {name!r} is registered")
    del _REGISTRY[name]


def registered() -> dict[str, type[Doctrine]]:
    """The registered doctrines by name, in registration order (the built-in ones first)."""
    return dict(_REGISTRY)


def get(name: str) -> type[Doctrine]:
    """The doctrine class registered as ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown doctrine {name!r}: registered {', '.join(map(repr, _REGISTRY))}") from None


def filtered(**criteria: str) -> list[str]:
    """The names of the registered doctrines whose classifier has every value given
    (``filtered(aim="security")``); an unknown key or value raises ValueError."""
    for key, value in criteria.items():
        if key not in CLASSIFIER:
            raise ValueError(f"unknown classifier key {key!r}: the keys are {', '.join(CLASSIFIER)}")
        if value not in CLASSIFIER[key]:
            raise ValueError(f"classifier[{key!r}] = {value!r}: allowed {', '.join(map(repr, CLASSIFIER[key]))}")
    return [n for n, cls in _REGISTRY.items() if all(cls.classifier[k] == v for k, v in criteria.items())]


register(Defensive)
register(Offensive)


# --------------------------------------------------------------------------- the mechanism

#: What each field holds when ``doctrine.enabled`` is false: the readers' neutral values.
NEUTRAL = {"arming": 1.0, "gain": 1.0, "restraint": 0.0}


def field_values(ctx: InitContext, key: str) -> np.ndarray:
    """Each state's behaviour value ``key`` (arming, gain, restraint) from its doctrine, ``(R, N)``.

    One doctrine object per distinct doctrine of the scenario; a per-world
    parameter gives one value per world.  Out of :data:`BEHAVIOUR_RANGE`
    (a user's method at a corner of the parameters) is a ParameterError
    naming the doctrine (one line, no traceback).
    """
    R, N = ctx.shape
    params = ctx.params
    out = np.empty((R, N), dtype=np.float64)
    memo: dict[str, np.ndarray] = {}
    for k, spec in enumerate(ctx.scenario.states):
        name = spec.doctrine
        if name not in memo:
            v = per_world_vector(getattr(get(name)(), key)(params), R)
            lo, hi = BEHAVIOUR_RANGE[key]
            if not (np.isfinite(v).all() and (v >= lo).all() and (v <= hi).all()):
                from ..errors import ParameterError

                bad = ", ".join(f"{x:g}" for x in np.unique(v[~((v >= lo) & (v <= hi))])[:3])
                raise ParameterError(f"doctrine {name!r} (states[{k}] {spec.name}): {key}() = {bad} at these "
                                     f"parameters: allowed [{lo:g}, {hi:g}]")
            memo[name] = v
        out[:, k] = memo[name]
    on = per_world_vector(params.doctrine.enabled, R, dtype=bool)[:, None]
    return np.where(on, out, NEUTRAL[key])


MECHANISM = Mechanism(
    name="doctrine",
    params=DoctrineParams,
    doc=DoctrineParams.__doc__ or "",
    sources=("Waltz 1979", "Van Evera 1999", "Glaser 2010", "Mearsheimer 2001", "Grieco 1988"),
    fields=(
        StateField("doctrine_arming", np.float64, "state", lambda ctx: field_values(ctx, "arming"),
                   "factor on the military the state seeks, from its doctrine (1 = sufficiency)", role="arming_factor"),
        StateField("doctrine_gain", np.float64, "state", lambda ctx: field_values(ctx, "gain"),
                   "weight on what the state takes if it wins a war, from its doctrine (1 = absolute gain)",
                   role="gain_weight"),
        StateField("doctrine_restraint", np.float64, "state", lambda ctx: field_values(ctx, "restraint"),
                   "1: the state presses a crisis only to defend, prevent or pre-empt (its doctrine); 0: at any "
                   "opportunity", role="restraint"),
    ),
    module=__name__,
)

__all__ = [
    "BEHAVIOUR_RANGE", "CLASSIFIER", "CLASSIFIER_DOC", "MECHANISM", "NEUTRAL", "Defensive", "Doctrine",
    "DoctrineParams", "Offensive", "field_values", "filtered", "get", "problems", "register", "registered", "unregister",
]
