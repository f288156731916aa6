"""UnionWatch: a weekly monitoring pipeline for news on Belarus–Russia integration.

Data flows one way: feeds → fetch → parse → extract → classify → store → changes → digest → mail/archive.
The pure core (parse, urls, feedlist) never imports the I/O shell (fetch, store); `jobs` hands values
between them and `cli` turns errors into exit codes.
"""

__version__ = "0.1.0"
