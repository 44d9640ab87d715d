"""The round by e-mail: cover letters and reminders out, returns in.

``compose`` builds messages (pure: texts, addresses and attachments in, an
``EmailMessage`` out), ``outbox`` writes them as .eml files and sends what is
not sent yet (every attempt in the ledger, nothing sent twice), ``inbound``
opens messages saved from a mail client (.eml, Outlook .msg) dropped in the
inbox and hands their workbook attachments to the collector.
"""
