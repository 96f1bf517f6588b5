"""The four phases as plain functions over the domain core and the store. No dagster here.

Each takes one filing day, does its work, writes the store, and returns a report the Dagster
layer turns into metadata.
"""
