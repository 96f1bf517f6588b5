"""Publishing domain: build the static site and email files, sync them to a folder or S3."""
