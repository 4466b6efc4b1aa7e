"""Type stubs of the package ``flows`` (distribution ``flows-rs``)."""

from os import PathLike
from typing import Any, List, Optional, Sequence, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

ArrayLike = npt.ArrayLike
Path = Union[str, "PathLike[str]"]

class FlowError(RuntimeError):
    """A run or a model that failed: a corrupt checkpoint, a diverged run, a locked directory."""

class History(TypedDict):
    train_nll: List[float]
    valid_nll: List[float]
    best_epoch: Optional[int]
    seconds: float
    test_nll: Optional[float]
    epochs: int
    stopped: str

class Flow:
    """A normalizing flow ``p(x)``, or ``p(x | c)`` when ``context`` is not 0.

    ``family`` is a ``--flow`` of flow-train (``planar``, ``radial``, ``realnvp``, ``nsf``,
    ``maf``, ``nsf-ar``); the keywords (``layers``, ``transforms``, ``hidden``, ``depth``,
    ``bins``, ``tail_bound``, ``order``, ``direct``, ``actnorm``, ``context_embedding``,
    ``base``) size it as the flags of the same name do.
    """

    def __init__(
        self,
        family: str = "nsf",
        features: Optional[int] = None,
        context: int = 0,
        seed: int = 0,
        **sizes: Any,
    ) -> None: ...
    @property
    def features(self) -> int: ...
    @property
    def context(self) -> int: ...
    @property
    def family(self) -> str: ...
    @property
    def artifact_dir(self) -> Optional[str]: ...
    def fit(
        self,
        x: ArrayLike,
        context: Optional[ArrayLike] = None,
        *,
        valid_fraction: float = 0.1,
        artifact_dir: Optional[Path] = None,
        progress: bool = True,
        **training: Any,
    ) -> History:
        """Trains on ``x`` ``[N, D]`` (and ``context`` ``[N, C]``) as ``flow-train train`` does.

        The keywords are ``flow-train train``'s flags (``max_epochs``, ``batch_size``,
        ``lr``, ``patience``, ``schedule``, ``test_fraction``, ``standardize``, ``device``, …).
        Ctrl-C stops training and raises ``KeyboardInterrupt``; the flow keeps its best
        weights so far.
        """
    def log_prob(
        self, x: ArrayLike, context: Optional[ArrayLike] = None
    ) -> npt.NDArray[np.float64]:
        """``log p(x)`` (or ``log p(x | c)``) of each row, in nats: ``[N]``."""
    def sample(
        self, n: int, context: Optional[ArrayLike] = None, seed: Optional[int] = None
    ) -> npt.NDArray[np.float64]:
        """``[n, D]`` exact samples, or ``[M, n, D]`` at each of ``M`` context rows."""
    def encode(
        self, x: ArrayLike, context: Optional[ArrayLike] = None
    ) -> npt.NDArray[np.float64]:
        """The latent codes of the rows of ``x``: ``[N, D]``."""
    def decode(
        self, z: ArrayLike, context: Optional[ArrayLike] = None
    ) -> npt.NDArray[np.float64]:
        """The points of the latent codes ``z``: ``[N, D]``."""
    def save(self, dir: Path) -> None:
        """Writes the trained flow as an artifact directory of ``flow-train``."""

class NPE:
    """Neural posterior estimation: ``q(θ | x)`` trained on simulations ``(θ, x)``.

    ``prior_box`` is a list of ``(low, high)`` pairs: draws outside it are rejected.
    """

    last_acceptance: Optional[float]
    def __init__(
        self,
        prior_box: Optional[Sequence[Tuple[float, float]]] = None,
        family: str = "nsf-ar",
        seed: int = 0,
        **sizes: Any,
    ) -> None: ...
    @property
    def prior_box(self) -> Optional[List[Tuple[float, float]]]: ...
    @property
    def artifact_dir(self) -> Optional[str]: ...
    def fit(
        self,
        theta: ArrayLike,
        x: ArrayLike,
        *,
        artifact_dir: Optional[Path] = None,
        progress: bool = True,
        **training: Any,
    ) -> History:
        """Trains ``q(θ | x)`` with ``flow-train npe``'s preset."""
    def sample(
        self, n: int, x: ArrayLike, seed: Optional[int] = None
    ) -> npt.NDArray[np.float64]:
        """``[n, K]`` draws of ``θ`` at one observation ``x``, inside the prior's box."""
    def log_prob(self, theta: ArrayLike, x: ArrayLike) -> npt.NDArray[np.float64]:
        """``log q(θ | x)`` of each row of ``theta``, at one observation or at rows of ``x``."""
    def save(self, dir: Path) -> None:
        """Writes the trained posterior as an artifact directory of ``flow-train``."""

def load(dir: Path, device: Optional[str] = None) -> Union[Flow, NPE]:
    """Loads an artifact directory: an ``NPE`` for a posterior, else a ``Flow``."""

def simulate(
    task: str, n: int, seed: int = 0
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``n`` simulations ``(theta, x)`` of a benchmark task of ``flow-train simulate``."""
