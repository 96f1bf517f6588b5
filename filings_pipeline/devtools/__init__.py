"""Dev tools for trying and testing the pipeline offline, apart from the domain code.

* :mod:`~filings_pipeline.devtools.mirror_server`: a local EDGAR look-alike HTTP server (a
  generated sample mirror or the real fixture folder), with EDGAR's errors and a request log.
* :mod:`~filings_pipeline.devtools.converse_server`: a local server speaking the Bedrock
  Converse wire protocol (fixed latency, JSONL call log, injectable faults).
* :mod:`~filings_pipeline.devtools.smtp_server`: a real SMTP server on 127.0.0.1 (aiosmtpd, a
  dev extra) that records what it accepted, with per-recipient faults and kill hooks.
* :mod:`~filings_pipeline.devtools.ses_server`: a local server speaking the Amazon SES v2
  SendEmail REST wire protocol, for the real boto3 ``sesv2`` client.
* :mod:`~filings_pipeline.devtools.deployment`: a throwaway local deployment (webserver, daemon,
  instance, sample mirror, optional Converse server) for the integration tests and benchmarks.

Nothing in the domain packages or ``defs/`` imports these.
"""
