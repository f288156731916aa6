"""Stage 2, articles: page bytes → text and metadata, language, near-duplicate fingerprints and word diffs.

Pure and picklable, so that it runs in worker processes; the jobs package fetches the pages and stores results.
"""
