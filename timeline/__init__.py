"""Labelled documents → platforms → incidents → daily timeline → feed files. Pure pandas."""
