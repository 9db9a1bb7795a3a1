/*
 * The index schema (owned by the index module; query modules read it). Bump
 * CMDB_INDEX_SCHEMA_VERSION in index.h for any change: an older index is then
 * rebuilt, a newer one refused. Kept as a C string so the library is one file.
 */
#include "index/index_int.h"

const char cmdb__index_schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n"
	/* seq 1.. in the order commits were indexed: first-parent order of main,
	 * with a merge's side commits just before the merge (mainline = 0). */
	"CREATE TABLE IF NOT EXISTS commits(seq INTEGER PRIMARY KEY,\n"
	"  oid TEXT UNIQUE NOT NULL, time INTEGER NOT NULL, tz_offset INTEGER NOT NULL DEFAULT 0,\n"
	"  author TEXT, email TEXT, summary TEXT, message TEXT,\n"
	"  scan_id TEXT, change_id TEXT, mainline INTEGER NOT NULL);\n"
	"CREATE INDEX IF NOT EXISTS commits_time ON commits(mainline, time);\n"
	"CREATE TABLE IF NOT EXISTS items(id TEXT PRIMARY KEY, type TEXT NOT NULL);\n"
	/* doc: the item as JSON (NULL when the blob did not parse; error says why). */
	"CREATE TABLE IF NOT EXISTS item_versions(id TEXT NOT NULL, from_seq INTEGER NOT NULL,\n"
	"  to_seq INTEGER, blob TEXT NOT NULL, doc TEXT, error TEXT, PRIMARY KEY(id, from_seq));\n"
	"CREATE INDEX IF NOT EXISTS item_versions_to ON item_versions(to_seq);\n"
	/* Clustered by (id, path, from_seq): what the build and history read, and no
	 * separate rowid tree plus an index repeating those columns. */
	"CREATE TABLE IF NOT EXISTS attrs(id TEXT NOT NULL, path TEXT NOT NULL, value TEXT,\n"
	"  vtype TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER,\n"
	"  PRIMARY KEY(id, path, from_seq)) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS attrs_path_value ON attrs(path, value);\n"
	"CREATE TABLE IF NOT EXISTS relations(src TEXT NOT NULL, type TEXT NOT NULL,\n"
	"  dst TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER);\n"
	"CREATE INDEX IF NOT EXISTS relations_src ON relations(src);\n"
	"CREATE INDEX IF NOT EXISTS relations_dst ON relations(dst);\n"
	"CREATE TABLE IF NOT EXISTS trailers(seq INTEGER NOT NULL, key TEXT NOT NULL, value "
	"TEXT);\n"
	"CREATE INDEX IF NOT EXISTS trailers_seq ON trailers(seq);\n"
	"CREATE INDEX IF NOT EXISTS trailers_kv ON trailers(key, value);\n"
	/* Drift (lib/index/drift.c): one commit changing one CI. paths: JSON array of the
	 * attributes.* and relations.TYPE paths it changed; kind created|modified|deleted.
	 * status authorised|exempt|unauthorised (NULL while the authorisation is pending),
	 * change the authorising record's name (CHG-0001), how window|trailer|exempt. Why
	 * an unauthorised drift matched no change is explained when asked (audit). */
	"CREATE TABLE IF NOT EXISTS drifts(seq INTEGER NOT NULL, id TEXT NOT NULL,\n"
	"  time INTEGER NOT NULL, kind TEXT NOT NULL, paths TEXT NOT NULL, status TEXT,\n"
	"  change TEXT, how TEXT, PRIMARY KEY(id, seq)) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS drifts_time ON drifts(time);\n"
	"CREATE INDEX IF NOT EXISTS drifts_seq ON drifts(seq);\n"
	/* Every (change, drift) pair where the change authorises the drift (window or
	 * trailer), whichever change drifts.change names. */
	"CREATE TABLE IF NOT EXISTS drift_matches(change TEXT NOT NULL, id TEXT NOT NULL,\n"
	"  seq INTEGER NOT NULL, how TEXT NOT NULL, PRIMARY KEY(change, id, seq)) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS drift_matches_drift ON drift_matches(id, seq);\n"
	/* The change records as they are at the indexed head, their fields parsed (times
	 * in unix seconds, NULL when absent or malformed). */
	"CREATE TABLE IF NOT EXISTS changes(id TEXT PRIMARY KEY, status TEXT, type TEXT,\n"
	"  approved_by TEXT, approved_at INTEGER, win_start INTEGER, win_end INTEGER,\n"
	"  from_seq INTEGER NOT NULL);\n";

/* Every table, in dependency-free order (for rebuild and dumps). */
const char *const cmdb__index_tables[] = {"commits", "items", "item_versions", "attrs", "relations",
	"trailers", "drifts", "drift_matches", "changes", NULL};

/*
 * Secondary indexes the build itself never reads (queries do). A full build drops
 * them before inserting and re-creates them from cmdb__index_schema_sql at the
 * end, inside the same transaction: one sort per index instead of ~10^6 random
 * B-tree inserts that overflow the page cache.
 */
const char *const cmdb__index_deferred[] = {"attrs_path_value", "relations_dst", "item_versions_to",
	"trailers_seq", "trailers_kv", "commits_time", "drifts_time", "drifts_seq",
	"drift_matches_drift", NULL};
