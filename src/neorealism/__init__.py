"""neorealism: structural realism (Waltz 1979) as a batch agent-based model.

The international system is modelled as R independent worlds of N states,
held in NumPy arrays and advanced year by year by the mechanisms the theory
names (see ``docs/design.md``).  Real Correlates of War data ship with the
package (``neorealism.data``) so that the same measures of power, polarity
and concentration can be computed for the real international system.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
