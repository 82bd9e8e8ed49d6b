"""The event runtime every service stands on: settings, pool, outbox, inbox, consumers, auth, HTTP."""
