"""Stage 3, topics: morphology, the topic definitions, the classifier, its evaluation and the baseline weights.

Pure: an item's title and text in, topics with their evidence out.
"""
