"""Stage 4, the digest: ISO weeks, what changed, figures against the baseline, the digest as data, and its
rendering (HTML, text, charts) with feed text made safe.

Pure: plain records from the store in, a digest and its files' contents out.
"""
