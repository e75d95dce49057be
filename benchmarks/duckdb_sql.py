"""What a user might run instead of `triage score`: DuckDB running `triage compile --to sql --dialect duckdb`
on the file (read as text, as docs/sql.md says), written back to CSV.

    python duckdb_sql.py IN OUT THREADS QUERY_FILE
"""

import sys

import duckdb

src, dst, threads, query = sys.argv[1], sys.argv[2], int(sys.argv[3]), open(sys.argv[4]).read()
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET memory_limit = '1GB'")
con.execute(f"CREATE VIEW responses AS SELECT * FROM read_csv('{src}', all_varchar=true)")
con.execute(f"COPY ({query}) TO '{dst}' (HEADER, DELIMITER ',')")
