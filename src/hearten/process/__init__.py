"""Implementation and process evaluation (IPE): interview sampling, transcripts, codebook,
coding, agreement between coders, the framework matrix and REFI-QDA interchange.

This app sits above ``interventions`` and ``hr`` (it reads arms, sites and uptake) and below
``analysis`` and ``reports`` (which show its themes beside the effect estimates).
"""
