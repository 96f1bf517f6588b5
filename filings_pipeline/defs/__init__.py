"""The Dagster layer: declarations over the domain core (partitions, assets, sensors, resources)."""
