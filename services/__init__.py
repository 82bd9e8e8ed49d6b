"""The deployable services of Nêu Gương; each is a package wired by its app.py."""
