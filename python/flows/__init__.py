"""Normalizing flows and neural posterior estimation from NumPy, computed in Rust on Burn.

``Flow`` is a density ``p(x)`` or ``p(x | c)``; ``NPE`` a posterior ``q(θ | x)`` trained on
simulations; ``load`` reads an artifact directory of ``flow-train``; ``simulate`` draws the
benchmark tasks' simulations. Every keyword of ``Flow``, ``Flow.fit``, ``NPE`` and
``NPE.fit`` is a flag of ``flow-train train`` in snake_case (``max_epochs`` is
``--max-epochs``), with the command line's presets as defaults.
"""

from ._flows import NPE, Flow, FlowError, __version__, load, simulate

__all__ = ["Flow", "NPE", "FlowError", "load", "simulate", "__version__"]
