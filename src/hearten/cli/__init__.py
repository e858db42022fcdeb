"""The ``hearten`` command line: thin commands that parse input and call one service."""
