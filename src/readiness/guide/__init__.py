"""The response guide: safe referral, support and entitlement to care in each UK nation.

The guide is data (``data/*.yaml``): dated facts with their sources, and a graph of questions
and outcomes for England, Wales, Scotland and Northern Ireland whose every action cites facts.
``load`` reads and validates the data, ``paths`` walks the graph, ``check`` proves the safety
rules on every path, ``facts`` lists what is due for review, ``local`` reads a trust's own
contacts, and ``render``/``printing`` make the pages and the one-page pathways.
"""
