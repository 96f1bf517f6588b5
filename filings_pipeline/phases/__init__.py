"""The four phases as plain functions over the domain core and the store. No dagster here.

Each takes one filing day, does its work, writes the store, and returns a report that carries
what its checks found too; the Dagster layer only maps a report to metadata and check results.
"""
