"""The committees' web console (Bảng điều hành): pages in Vietnamese over the other services' public HTTP APIs.

It owns no business data and no database schema: every figure, list and decision it shows or sends goes
through a service's public API with the signed-in user's own bearer token, so a user sees and does exactly
what the APIs allow that token. The only state it keeps is the user's session, in a signed cookie."""
