-- name: import-cache
-- An import batch inserts into every index of customers and the search
-- tokens at keys spread over their whole range: 32 MiB of page cache on the
-- single writer keeps their interior pages in memory between batches
-- instead of re-reading them through the OS (the default is 2 MiB).
PRAGMA cache_size = -32768
