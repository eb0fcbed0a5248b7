"""The bottom layer: errors, settings, vocabulary and key minting, formats, resources, the gazetteer, N-Triples.

Nothing here imports any other part of minegraph.
"""
