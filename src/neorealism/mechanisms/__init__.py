"""The mechanisms of one simulated year, one module per concept of the theory.

Order (docs/DESIGN.md §2): perceive → assess threat → cooperate → allocate → ally →
decide war → resolve wars → grow → measure.  Each mechanism is a pure
function of the world state, the parameters and the worlds' random keys.
Mechanisms not yet built (beliefs about intentions, cooperation, alliance
formation, domestic politics, cognition) slot into this order without
changing the others: see :mod:`neorealism.engine`.
"""
