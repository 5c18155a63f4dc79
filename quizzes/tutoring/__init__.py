"""Teaching after a miss: a walk through the gate that went wrong (``walk``), a retest
that contains the very feature that was missed (``retest``), and a difficulty level kept
apart from the Leitner box (``levels``)."""
