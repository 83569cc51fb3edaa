"""The one Logger and Metrics of the service (names from ``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE``, which the template sets), and the metrics that more than one
face of the service records: ``Analyses`` and ``EngineUnavailable``.

No Tracer here on purpose: the API function calls nothing downstream, and a Tracer would add
the X-Ray SDK to its every cold start (the job functions have theirs, in ``jobs/tracing.py``).
"""

import contextlib
import warnings
from collections import Counter
from collections.abc import Iterator

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from sentiment_api.errors import EngineUnavailableError

# A health check or a 404 records no metric; Powertools warns about every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()


def count_analysis(label: str) -> None:
    """Count one analysed text in the ``Analyses`` metric, by ``sentiment`` (its label), on the
    invocation's own metrics (flushed once at its end)."""
    metrics.add_dimension(name="sentiment", value=label)
    metrics.add_metric(name="Analyses", unit=MetricUnit.Count, value=1)


def count_analyses(labels: Counter[str]) -> None:
    """Add several texts (a batch's) to the ``Analyses`` metric, one EMF record per label: the
    main ``metrics`` object can carry only one value of the ``sentiment`` dimension."""
    for label, count in sorted(labels.items()):
        with single_metric(
            name="Analyses",
            unit=MetricUnit.Count,
            value=count,
            namespace=metrics.namespace,
            default_dimensions={"service": metrics.service, **metrics.default_dimensions},
        ) as metric:
            metric.add_dimension(name="sentiment", value=label)


@contextlib.contextmanager
def reported_if_unavailable() -> Iterator[None]:
    """Let an :class:`~sentiment_api.errors.EngineUnavailableError` through (a 503) after logging
    its cause at ERROR and counting it in the ``EngineUnavailable`` metric, by ``engine``: what
    an operator's alarm watches (template ``EngineUnavailableAlarm``)."""
    try:
        yield
    except EngineUnavailableError as exc:
        logger.error("Engine unavailable", exc_info=exc.__cause__, extra={"engine": exc.engine})
        with single_metric(
            name="EngineUnavailable",
            unit=MetricUnit.Count,
            value=1,
            namespace=metrics.namespace,
            default_dimensions={"service": metrics.service, **metrics.default_dimensions},
        ) as metric:
            metric.add_dimension(name="engine", value=exc.engine)
        raise
