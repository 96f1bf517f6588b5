"""Email delivery of the daily digest: the message, the transports, the exactly-once ledger.

No dagster here: `defs/delivery/` declares the asset that calls `deliver_digest`.
"""

from filings_pipeline.delivery.config import DeliveryConfig, DeliveryConfigError
from filings_pipeline.delivery.send import DeliveryReport, deliver_digest

__all__ = ["DeliveryConfig", "DeliveryConfigError", "DeliveryReport", "deliver_digest"]
