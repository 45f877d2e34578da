"""Worked examples shipped with the package (each has a ``main()`` and is smoke-tested).

- :mod:`.polarity_stability` — Waltz (1979) vs Deutsch & Singer (1964): are
  bipolar systems more stable than multipolar ones?
- :mod:`.custom_doctrine` — a user doctrine (Schweller 1994's jackal) registered and run without
  touching the engine.
"""
