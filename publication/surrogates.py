"""What changed, named by surrogate keys, for every cache in front of Django.

A public response names what it shows with keys (``article-12``, ``region-3``,
``listings``, ``notices`` ...), sent in the ``xkey`` header Varnish's xkey module
reads. When something changes, :data:`keys_changed` is sent once the transaction
commits, with the keys it affects; receivers drop or purge what those keys name
(the page cache, Varnish).
"""

from django.dispatch import Signal

HEADER = "xkey"

# Sent with ``keys``: a frozenset of key strings, after the change has committed.
keys_changed = Signal()
