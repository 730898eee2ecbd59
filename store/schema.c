/*
 * schema.c - the database schema and its migrations.
 *
 * The schema is kept as SQL text with a comment on every column, in the
 * manner of Fossil's schema.c: SQLite stores that text verbatim, so
 * `sqlite3 badio.db .schema` shows the comments too.  docs/schema.md
 * describes the same tables for users.
 *
 * migrations[i] takes a database from user_version i to i + 1 and ends
 * by setting PRAGMA user_version to i + 1 itself.  schema_migrate()
 * applies the missing ones in a single transaction, so a database is
 * always at one version or the next, never in between.  A released
 * migration is never edited: a change is a new entry at the end.
 * Migration 1 also sets PRAGMA application_id, which marks the file as
 * badio's only once the whole schema exists.
 */
#include "store/store.h"

#include <errno.h>

#include "store/store_int.h"

#define SCHEMA_STR_(x)	#x
#define SCHEMA_STR(x)	SCHEMA_STR_(x)

/*
 * Version 1: recordings, sites, experiments, verdict codes, meta.
 *
 * sites is written 100,000 rows at a time, so it carries only the index
 * the replay key needs: an index on seq (or a UNIQUE) cost a fifth of
 * store_site_add(), and readers sort by seq instead.  Its CHECKs spell
 * lists out with OR because an IN list of more than two values builds a
 * temporary b-tree on every INSERT, which tripled the cost.
 */
static const char schema_v1[] =
"CREATE TABLE recordings (\n"
"  id INTEGER PRIMARY KEY,\n"
"  exe TEXT NOT NULL,          -- resolved path of the program\n"
"  argv TEXT NOT NULL,         -- JSON array of strings: its argv\n"
"  env TEXT NOT NULL,          -- JSON array of 'NAME=value': its environ\n"
"  init_dir TEXT,              -- --init DIR as given; NULL: none\n"
"  init_blob BLOB,             -- zlib stream of the snapshot of DIR;\n"
"                              -- NULL: none\n"
"  init_size INTEGER,          -- bytes of the snapshot, uncompressed\n"
"  start_ns INTEGER NOT NULL,  -- start, ns since the Unix epoch\n"
"  duration_ns INTEGER,        -- wall time; NULL: never finished\n"
"  status TEXT,                -- 'exit:N', 'signal:NAME', 'interrupted';\n"
"                              -- NULL: never finished\n"
"  exit_code INTEGER,          -- badio record's exit status: N, 128+signal\n"
"  deterministic INTEGER NOT NULL CHECK (deterministic IN (0, 1)),\n"
"                              -- 1: ASLR off and fixed environment\n"
"  version TEXT NOT NULL,      -- badio version that recorded\n"
"  kernel TEXT,                -- uname -r\n"
"  sites INTEGER,              -- number of sites recorded\n"
"  files INTEGER               -- distinct regular-file paths touched\n"
");\n"
"\n"
"CREATE TABLE sites (\n"
"  id INTEGER PRIMARY KEY,\n"
"  recording INTEGER NOT NULL REFERENCES recordings (id),\n"
"  seq INTEGER NOT NULL,       -- 1-based order in which calls entered\n"
"  pid INTEGER NOT NULL,       -- thread group id\n"
"  tid INTEGER NOT NULL,       -- thread id\n"
"  syscall TEXT NOT NULL,      -- 'write', 'pwrite64', 'renameat2', ...\n"
"  family TEXT NOT NULL CHECK (family = 'write' OR family = 'sync' OR\n"
"                              family = 'namespace'),\n"
"  fd INTEGER,                 -- fd argument; NULL: the call takes none\n"
"  path TEXT,                  -- relative to the run directory inside it,\n"
"                              -- else absolute; or '<stdout>', '<pipe>'...\n"
"  path2 TEXT,                 -- rename target; NULL otherwise\n"
"  kind TEXT NOT NULL CHECK (kind = 'regular' OR kind = 'dir' OR\n"
"                            kind = 'pipe' OR kind = 'socket' OR\n"
"                            kind = 'tty' OR kind = 'other'),\n"
"  offset INTEGER,             -- file offset before the call; NULL: none\n"
"  count INTEGER,              -- bytes requested (length for truncate...);\n"
"                              -- NULL: none\n"
"  result INTEGER,             -- bytes, fd or 0, or -errno; NULL: the task\n"
"                              -- died inside the call\n"
"  append INTEGER NOT NULL DEFAULT 0 CHECK (append IN (0, 1)),\n"
"                              -- 1: O_APPEND\n"
"  t_ns INTEGER NOT NULL,      -- ns since the program started\n"
"  crc32 INTEGER,              -- crc32 of the bytes written; NULL: no data\n"
"  crc_bytes INTEGER,          -- bytes crc32 covers; NULL: no data\n"
"  key TEXT NOT NULL,          -- replay key 'family:path:ordinal'\n"
"  key_path TEXT NOT NULL,     -- path part of key\n"
"  ordinal INTEGER NOT NULL,   -- ordinal part of key, 1-based\n"
"  callsite INTEGER            -- reserved: call-site id; NULL: unknown\n"
");\n"
"CREATE INDEX sites_key ON sites (family, key_path, ordinal);\n"
"\n"
"CREATE TABLE verdict_codes (\n"
"  name TEXT PRIMARY KEY,      -- as in experiments.verdict\n"
"  rank INTEGER NOT NULL UNIQUE,  -- order in reports\n"
"  bug INTEGER NOT NULL CHECK (bug IN (0, 1)),  -- 1: in the bugs view\n"
"  meaning TEXT NOT NULL\n"
") WITHOUT ROWID;\n"
"INSERT INTO verdict_codes (name, rank, bug, meaning) VALUES\n"
"  ('ok', 1, 0, 'exited 0 or was crashed by the fault; files intact'),\n"
"  ('reported', 2, 0, 'exited non-zero; files intact'),\n"
"  ('silent-corruption', 3, 1, 'exited 0; files damaged'),\n"
"  ('corruption', 4, 1, 'failed, crashed or was crashed; files damaged'),\n"
"  ('crashed', 5, 1, 'died of a signal the fault did not send'),\n"
"  ('hang', 6, 1, 'killed after the timeout'),\n"
"  ('unreached', 7, 0, 'no site with this replay key in the re-run'),\n"
"  ('oracle-error', 8, 0, 'oracle failed to run, timed out or said 125');\n"
"\n"
"CREATE TABLE experiments (\n"
"  id INTEGER PRIMARY KEY,\n"
"  site INTEGER NOT NULL REFERENCES sites (id),\n"
"  fault TEXT NOT NULL\n"
"    CHECK (fault IN ('short', 'torn', 'eio', 'enospc', 'crash')),\n"
"  injected INTEGER NOT NULL CHECK (injected IN (0, 1)),\n"
"                              -- 1: the fault happened\n"
"  fault_bytes INTEGER,        -- bytes a short or torn fault let through;\n"
"                              -- NULL: none\n"
"  status TEXT NOT NULL,       -- 'exit:N', 'signal:NAME', 'timeout', 'crash'\n"
"  duration_ns INTEGER NOT NULL,  -- wall time of the re-run\n"
"  oracle_exit INTEGER,        -- oracle's exit status; NULL: did not exit\n"
"  verdict TEXT NOT NULL REFERENCES verdict_codes (name),\n"
"  prog_tail TEXT,             -- last bytes of the program's output\n"
"  oracle_tail TEXT,           -- last bytes of the oracle's output\n"
"  diverged INTEGER NOT NULL DEFAULT 0 CHECK (diverged IN (0, 1)),\n"
"                              -- 1: sites differed before the fault\n"
"  divergence TEXT,            -- where they first differed; NULL: did not\n"
"  created_ns INTEGER NOT NULL -- when stored, ns since the Unix epoch\n"
");\n"
"CREATE UNIQUE INDEX experiments_site_fault ON experiments (site, fault);\n"
"CREATE INDEX experiments_verdict ON experiments (verdict);\n"
"\n"
"CREATE TABLE meta (\n"
"  key TEXT PRIMARY KEY,       -- e.g. 'oracle'\n"
"  value TEXT\n"
");\n"
"\n"
"CREATE VIEW verdicts AS  -- each experiment with its site, in site order\n"
"SELECT e.id AS experiment, e.site AS site, s.seq AS seq, s.pid AS pid,\n"
"  s.tid AS tid, s.syscall AS syscall, s.family AS family, s.fd AS fd,\n"
"  s.path AS path, s.path2 AS path2, s.kind AS kind, s.offset AS offset,\n"
"  s.count AS count, s.result AS result, s.key AS key, e.fault AS fault,\n"
"  e.injected AS injected, e.fault_bytes AS fault_bytes, e.status AS status,\n"
"  e.duration_ns AS duration_ns, e.oracle_exit AS oracle_exit,\n"
"  e.verdict AS verdict, e.diverged AS diverged, e.divergence AS divergence,\n"
"  e.prog_tail AS prog_tail, e.oracle_tail AS oracle_tail,\n"
"  e.created_ns AS created_ns\n"
"FROM experiments e JOIN sites s ON s.id = e.site\n"
"ORDER BY s.seq, e.fault;\n"
"\n"
"CREATE VIEW bugs AS  -- the verdicts that are bugs, by file and syscall\n"
"SELECT * FROM verdicts\n"
"WHERE verdict IN (SELECT name FROM verdict_codes WHERE bug)\n"
"ORDER BY path, syscall, seq, fault;\n"
"\n"
"PRAGMA application_id = " SCHEMA_STR(STORE_APPLICATION_ID) ";\n"
"PRAGMA user_version = 1;\n";

/*
 * Version 2: call sites.  A call site is the code that made a call,
 * identified by a hash of normalised code addresses that is the same
 * across runs (recorder/callsite.c); its frames are kept once, not per
 * site.
 */
static const char schema_v2[] =
"CREATE TABLE callsites (\n"
"  id INTEGER PRIMARY KEY,       -- the call-site id (sites.callsite)\n"
"  unwound INTEGER NOT NULL CHECK (unwound IN (0, 1)),\n"
"                                -- 1: frames from a full unwind (record\n"
"                                -- --stacks); 0: from the stack scan\n"
"  frames INTEGER NOT NULL       -- number of callsite_frames rows\n"
");\n"
"CREATE TABLE callsite_frames (\n"
"  callsite INTEGER NOT NULL REFERENCES callsites(id),\n"
"  depth INTEGER NOT NULL,       -- 0: innermost (the syscall instruction)\n"
"  module TEXT NOT NULL,         -- mapped file, or [vdso]\n"
"  offset INTEGER NOT NULL,      -- file offset of the address (a return\n"
"                                -- address: the call is just before)\n"
"  PRIMARY KEY (callsite, depth)\n"
") WITHOUT ROWID;\n"
"CREATE INDEX sites_callsite ON sites (callsite);\n"
"PRAGMA user_version = 2;\n";

/* The view not_explored, the same text in every migration that makes it. */
#define SCHEMA_VIEW_NOT_EXPLORED	\
"CREATE VIEW not_explored AS  -- pairs explore left out, in site order\n"	\
"SELECT k.site AS site, s.seq AS seq, s.syscall AS syscall,\n"	\
"  s.family AS family, s.path AS path, s.key AS key,\n"	\
"  s.callsite AS callsite, k.fault AS fault, k.reason AS reason\n"	\
"FROM skipped k JOIN sites s ON s.id = k.site\n"	\
"ORDER BY s.seq, k.fault;\n"

/*
 * Version 3: what explore left out, and call sites in the views.
 * explore --per-callsite N runs at most N sites of each (call site,
 * path) pair and keeps the other (site, fault) pairs in skipped, so a
 * report shows them as not explored; storing an experiment for a pair
 * removes it (trigger).  verdicts and bugs gain the site's callsite.
 */
static const char schema_v3[] =
"CREATE TABLE skipped (\n"
"  site INTEGER NOT NULL REFERENCES sites (id),\n"
"  fault TEXT NOT NULL\n"
"    CHECK (fault IN ('short', 'torn', 'eio', 'enospc', 'crash')),\n"
"  reason TEXT NOT NULL CHECK (reason = 'per-callsite'),\n"
"                              -- why: 'per-callsite' (explore --per-callsite)\n"
"  PRIMARY KEY (site, fault)\n"
") WITHOUT ROWID;\n"
"CREATE TRIGGER experiments_unskip AFTER INSERT ON experiments\n"
"BEGIN\n"
"  DELETE FROM skipped WHERE site = NEW.site AND fault = NEW.fault;\n"
"END;\n"
"\n"
"DROP VIEW bugs;\n"
"DROP VIEW verdicts;\n"
"CREATE VIEW verdicts AS  -- each experiment with its site, in site order\n"
"SELECT e.id AS experiment, e.site AS site, s.seq AS seq, s.pid AS pid,\n"
"  s.tid AS tid, s.syscall AS syscall, s.family AS family, s.fd AS fd,\n"
"  s.path AS path, s.path2 AS path2, s.kind AS kind, s.offset AS offset,\n"
"  s.count AS count, s.result AS result, s.key AS key,\n"
"  s.callsite AS callsite, e.fault AS fault,\n"
"  e.injected AS injected, e.fault_bytes AS fault_bytes, e.status AS status,\n"
"  e.duration_ns AS duration_ns, e.oracle_exit AS oracle_exit,\n"
"  e.verdict AS verdict, e.diverged AS diverged, e.divergence AS divergence,\n"
"  e.prog_tail AS prog_tail, e.oracle_tail AS oracle_tail,\n"
"  e.created_ns AS created_ns\n"
"FROM experiments e JOIN sites s ON s.id = e.site\n"
"ORDER BY s.seq, e.fault;\n"
"\n"
"CREATE VIEW bugs AS  -- the verdicts that are bugs, by file and syscall\n"
"SELECT * FROM verdicts\n"
"WHERE verdict IN (SELECT name FROM verdict_codes WHERE bug)\n"
"ORDER BY path, syscall, seq, fault;\n"
"\n"
SCHEMA_VIEW_NOT_EXPLORED
"PRAGMA user_version = 3;\n";

/*
 * Version 4: what PROG read on stdin during the recording (a regular file
 * or a pipe), so explore feeds it the same input.
 */
static const char schema_v4[] =
"ALTER TABLE recordings ADD COLUMN stdin_blob BLOB;\n"
"                                -- PROG's stdin, zlib-compressed; NULL:\n"
"                                -- not captured (terminal, /dev/null, too\n"
"                                -- large): explore gives /dev/null\n"
"ALTER TABLE recordings ADD COLUMN stdin_size INTEGER;\n"
"                                -- its uncompressed size in bytes\n"
"PRAGMA user_version = 4;\n";

/*
 * Version 5: the comments `sqlite3 .schema` shows, current again.  They
 * live in the CREATE TABLE text SQLite keeps in sqlite_schema, which only
 * a rebuild of each table or this edit can change; it touches comments
 * only (SQLite's "other ALTER TABLE" procedure), so the tables' format is
 * unchanged.  The CREATE and DROP at the end bump PRAGMA schema_version,
 * so other connections reread the schema.  (ALTER TABLE ADD COLUMN keeps
 * no comment: migration 4's columns get theirs here.)
 */
static const char schema_v5[] =
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(replace(replace(replace(sql,\n"
"  '  exe TEXT NOT NULL,          -- resolved path of the program',\n"
"  '  exe TEXT NOT NULL,          -- canonical path of the program (realpath)'),\n"
"  '-- ''exit:N'', ''signal:NAME'', ''interrupted'';',\n"
"  '-- ''exit:N'', ''signal:NAME'', ''timeout'',\n"
"                              -- ''interrupted'';'),\n"
"  '-- badio record''s exit status: N, 128+signal',\n"
"  '-- badio record''s exit status: N, 128+signal,\n"
"                              -- 124 (timeout), 130 (interrupted)'),\n"
"  '  files INTEGER               -- distinct regular-file paths touched\n"
", stdin_blob BLOB, stdin_size INTEGER)',\n"
"  '  files INTEGER,              -- distinct regular-file paths touched\n"
"  stdin_blob BLOB,            -- what PROG read on stdin, zlib-compressed;\n"
"                              -- NULL: not kept (a terminal, /dev/null,\n"
"                              -- over 64 MiB): explore gives /dev/null\n"
"  stdin_size INTEGER          -- its uncompressed size in bytes\n"
")')\n"
"WHERE type = 'table' AND name = 'recordings';\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  '  callsite INTEGER            -- reserved: call-site id; NULL: unknown',\n"
"  '  callsite INTEGER            -- call-site id (callsites.id); NULL: unknown')\n"
"WHERE type = 'table' AND name = 'sites';\n"
"PRAGMA writable_schema = OFF;\n"
"CREATE TABLE schema_v5_bump (x);\n"
"DROP TABLE schema_v5_bump;\n"
"PRAGMA user_version = 5;\n";

/*
 * Version 6: what a crash-state builder needs to know of each site
 * besides its file and range.  flags: the call's flags decoded (an
 * O_SYNC or O_DSYNC fd, msync's MS_SYNC, renameat2's RENAME_EXCHANGE,
 * fallocate's mode...) and what it did (a creating open that created);
 * offset2: the source offset of copy_file_range, sendfile, splice and
 * the reflinks, whose source file is in path2.  ALTER TABLE ADD COLUMN
 * keeps no comment: the columns get theirs as migration 5 gave others.
 * The RESETs reload the schema SQLite parsed: ADD COLUMN places its text
 * by the parsed statement, which migration 5's edit made stale in the
 * same transaction (the column went into the middle of a comment).
 */
static const char schema_v6[] =
"PRAGMA writable_schema = RESET;\n"
"ALTER TABLE sites ADD COLUMN flags TEXT;\n"
"ALTER TABLE sites ADD COLUMN offset2 INTEGER;\n"
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  '  callsite INTEGER            -- call-site id (callsites.id); NULL: unknown\n"
", flags TEXT, offset2 INTEGER)',\n"
"  '  callsite INTEGER,           -- call-site id (callsites.id); NULL: unknown\n"
"  flags TEXT,                 -- comma-separated words in a fixed order:\n"
"                              -- ''osync'', ''created'', ''exchange'',\n"
"                              -- ''keep_size,punch_hole''... (docs/schema.md,\n"
"                              -- \"flags\"); NULL: none\n"
"  offset2 INTEGER             -- copy calls: offset in path2 (the source)\n"
"                              -- before the call; NULL: none (a pipe)\n"
")')\n"
"WHERE type = 'table' AND name = 'sites';\n"
"PRAGMA writable_schema = RESET;\n"
"CREATE TABLE schema_v6_bump (x);\n"
"DROP TABLE schema_v6_bump;\n"
"PRAGMA user_version = 6;\n";

/*
 * Version 7: the --init snapshot as a standard archive.  init_blob is
 * now a pax tar archive compressed with zstd (init_format 'tar'), made
 * and read by the explorer with libarchive, that `tar` lists as well.
 * Older snapshots are badio's own format in a zlib stream: they are
 * marked 'badio-snap1', and the explorer converts each the first time
 * it needs it (converting takes code the store does not have: it reads
 * no archive formats).  The comments of init_blob and of the new column
 * are then set as migrations 5 and 6 do (ADD COLUMN keeps none), with
 * the same RESETs: ALTER TABLE in the same transaction as an edit of the
 * schema text (a new database applies every migration in one) would
 * splice the new column in at an offset from before the edit.
 */
static const char schema_v7[] =
"PRAGMA writable_schema = RESET;\n"
"ALTER TABLE recordings ADD COLUMN init_format TEXT\n"
"  CHECK (init_format = 'tar' OR init_format = 'badio-snap1');\n"
"UPDATE recordings SET init_format = 'badio-snap1'\n"
"  WHERE init_blob IS NOT NULL;\n"
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(replace(sql,\n"
"  '  init_blob BLOB,             -- zlib stream of the snapshot of DIR;\n"
"                              -- NULL: none',\n"
"  '  init_blob BLOB,             -- the snapshot of DIR, as init_format\n"
"                              -- says; NULL: none'),\n"
"  '  stdin_size INTEGER          -- its uncompressed size in bytes\n"
", init_format TEXT\n"
"  CHECK (init_format = ''tar'' OR init_format = ''badio-snap1''))',\n"
"  '  stdin_size INTEGER,         -- its uncompressed size in bytes\n"
"  init_format TEXT            -- what init_blob holds: ''tar'' (a pax tar\n"
"                              -- in zstd) or ''badio-snap1'' (before\n"
"                              -- schema 7, zlib); NULL: no --init\n"
"    CHECK (init_format = ''tar'' OR init_format = ''badio-snap1'')\n"
")')\n"
"WHERE type = 'table' AND name = 'recordings';\n"
"PRAGMA writable_schema = RESET;\n"
"CREATE TABLE schema_v7_bump (x);\n"
"DROP TABLE schema_v7_bump;\n"
"PRAGMA user_version = 7;\n";

/*
 * Version 8: persistent faults, mapped files and close sites (issue 10).
 *
 * - fault_codes: every fault explore knows, with its kind (transient:
 *   that call fails; persistent: from that call on, its file system keeps
 *   failing; final: the program is gone); experiments.fault and
 *   skipped.fault refer to it instead of a CHECK list, so a new fault is
 *   one row here;
 * - sites: families 'mmap' (mmap, munmap, mremap of a shared writable
 *   file mapping) and 'close' (record --close); mapped: the file was
 *   mapped shared and writable at that site;
 * - recordings.trace_close: close sites were recorded (explore traces
 *   them again, so the replay keys are the same).
 *
 * SQLite cannot change a CHECK in place: sites, experiments and skipped
 * are rebuilt (schema_migrate() turns foreign keys off around it and
 * checks them before the commit), the views and the trigger with them.
 */
static const char schema_v8[] =
"DROP VIEW not_explored;\n"
"DROP VIEW bugs;\n"
"DROP VIEW verdicts;\n"
"DROP TRIGGER experiments_unskip;\n"
"\n"
"CREATE TABLE fault_codes (\n"
"  name TEXT PRIMARY KEY,      -- as in experiments.fault, --faults\n"
"  rank INTEGER NOT NULL UNIQUE,  -- order in reports\n"
"  kind TEXT NOT NULL CHECK (kind = 'transient' OR kind = 'persistent' OR\n"
"                            kind = 'final'),\n"
"                              -- transient: that call fails, later calls\n"
"                              -- work; persistent: from that call on its\n"
"                              -- file system keeps failing; final: the\n"
"                              -- program is gone\n"
"  meaning TEXT NOT NULL\n"
") WITHOUT ROWID;\n"
"INSERT INTO fault_codes (name, rank, kind, meaning) VALUES\n"
"  ('short', 1, 'transient', 'the call writes about half and returns that'),\n"
"  ('torn', 2, 'transient', 'the call writes about half, then fails with EIO'),\n"
"  ('eio', 3, 'transient', 'the call is not executed and fails with EIO'),\n"
"  ('enospc', 4, 'transient', 'the call is not executed and fails with ENOSPC'),\n"
"  ('crash', 5, 'final', 'every process is killed before the call'),\n"
"  ('eio+', 6, 'persistent', 'EIO here and at every later write, sync,\n"
"    namespace or close call on its file system: a dead device'),\n"
"  ('enospc+', 7, 'persistent', 'ENOSPC here, then its file system is full:\n"
"    calls that need new blocks fail or are cut short until space is freed');\n"
"\n"
"ALTER TABLE recordings ADD COLUMN trace_close INTEGER NOT NULL DEFAULT 0\n"
"  CHECK (trace_close IN (0, 1));\n"
"                              -- 1: close of a written regular file is a\n"
"                              -- site (record --close)\n"
"\n"
"CREATE TABLE sites_v8 (\n"
"  id INTEGER PRIMARY KEY,\n"
"  recording INTEGER NOT NULL REFERENCES recordings (id),\n"
"  seq INTEGER NOT NULL,       -- 1-based order in which calls entered\n"
"  pid INTEGER NOT NULL,       -- thread group id\n"
"  tid INTEGER NOT NULL,       -- thread id\n"
"  syscall TEXT NOT NULL,      -- 'write', 'pwrite64', 'renameat2', ...\n"
"  family TEXT NOT NULL CHECK (family = 'write' OR family = 'sync' OR\n"
"                              family = 'namespace' OR family = 'mmap' OR\n"
"                              family = 'close'),\n"
"  fd INTEGER,                 -- fd argument; NULL: the call takes none\n"
"  path TEXT,                  -- relative to the run directory inside it,\n"
"                              -- else absolute; or '<stdout>', '<pipe>'...\n"
"  path2 TEXT,                 -- rename target; NULL otherwise\n"
"  kind TEXT NOT NULL CHECK (kind = 'regular' OR kind = 'dir' OR\n"
"                            kind = 'pipe' OR kind = 'socket' OR\n"
"                            kind = 'tty' OR kind = 'other'),\n"
"  offset INTEGER,             -- file offset before the call (mmap family,\n"
"                              -- msync: of the range; fsync of a mapped\n"
"                              -- file: of the range mapped); NULL: none\n"
"  count INTEGER,              -- bytes requested (length for truncate,\n"
"                              -- of the range...); NULL: none\n"
"  result INTEGER,             -- bytes, fd, address or 0, or -errno; NULL:\n"
"                              -- the task died inside the call\n"
"  append INTEGER NOT NULL DEFAULT 0 CHECK (append IN (0, 1)),\n"
"                              -- 1: O_APPEND\n"
"  t_ns INTEGER NOT NULL,      -- ns since the program started\n"
"  crc32 INTEGER,              -- crc32 of the bytes written; NULL: no data\n"
"  crc_bytes INTEGER,          -- bytes crc32 covers; NULL: no data\n"
"  key TEXT NOT NULL,          -- replay key 'family:path:ordinal'\n"
"  key_path TEXT NOT NULL,     -- path part of key\n"
"  ordinal INTEGER NOT NULL,   -- ordinal part of key, 1-based\n"
"  callsite INTEGER,           -- call-site id (callsites.id); NULL: unknown\n"
"  flags TEXT,                 -- comma-separated words in a fixed order:\n"
"                              -- ''osync'', ''created'', ''exchange'',\n"
"                              -- ''keep_size,punch_hole''... (docs/schema.md,\n"
"                              -- \"flags\"); NULL: none\n"
"  offset2 INTEGER,            -- copy calls: offset in path2 (the source)\n"
"                              -- before the call; NULL: none (a pipe)\n"
"  mapped INTEGER NOT NULL DEFAULT 0 CHECK (mapped IN (0, 1))\n"
"                              -- 1: the file was mapped shared and\n"
"                              -- writable by a traced process (its stores\n"
"                              -- are not sites: docs/manual.md)\n"
");\n"
"INSERT INTO sites_v8 SELECT *, 0 FROM sites;\n"
"DROP TABLE sites;\n"
"ALTER TABLE sites_v8 RENAME TO sites;\n"
"CREATE INDEX sites_key ON sites (family, key_path, ordinal);\n"
"CREATE INDEX sites_callsite ON sites (callsite);\n"
"\n"
"CREATE TABLE experiments_v8 (\n"
"  id INTEGER PRIMARY KEY,\n"
"  site INTEGER NOT NULL REFERENCES sites (id),\n"
"  fault TEXT NOT NULL REFERENCES fault_codes (name),\n"
"  injected INTEGER NOT NULL CHECK (injected IN (0, 1)),\n"
"                              -- 1: the fault happened\n"
"  fault_bytes INTEGER,        -- bytes a short or torn fault let through;\n"
"                              -- NULL: none\n"
"  status TEXT NOT NULL,       -- 'exit:N', 'signal:NAME', 'timeout', 'crash'\n"
"  duration_ns INTEGER NOT NULL,  -- wall time of the re-run\n"
"  oracle_exit INTEGER,        -- oracle's exit status; NULL: did not exit\n"
"  verdict TEXT NOT NULL REFERENCES verdict_codes (name),\n"
"  prog_tail TEXT,             -- last bytes of the program's output\n"
"  oracle_tail TEXT,           -- last bytes of the oracle's output\n"
"  diverged INTEGER NOT NULL DEFAULT 0 CHECK (diverged IN (0, 1)),\n"
"                              -- 1: sites differed before the fault\n"
"  divergence TEXT,            -- where they first differed; NULL: did not\n"
"  created_ns INTEGER NOT NULL -- when stored, ns since the Unix epoch\n"
");\n"
"INSERT INTO experiments_v8 SELECT * FROM experiments;\n"
"DROP TABLE experiments;\n"
"ALTER TABLE experiments_v8 RENAME TO experiments;\n"
"CREATE UNIQUE INDEX experiments_site_fault ON experiments (site, fault);\n"
"CREATE INDEX experiments_verdict ON experiments (verdict);\n"
"\n"
"CREATE TABLE skipped_v8 (\n"
"  site INTEGER NOT NULL REFERENCES sites (id),\n"
"  fault TEXT NOT NULL REFERENCES fault_codes (name),\n"
"  reason TEXT NOT NULL CHECK (reason = 'per-callsite'),\n"
"                              -- why: 'per-callsite' (explore --per-callsite)\n"
"  PRIMARY KEY (site, fault)\n"
") WITHOUT ROWID;\n"
"INSERT INTO skipped_v8 SELECT * FROM skipped;\n"
"DROP TABLE skipped;\n"
"ALTER TABLE skipped_v8 RENAME TO skipped;\n"
"CREATE TRIGGER experiments_unskip AFTER INSERT ON experiments\n"
"BEGIN\n"
"  DELETE FROM skipped WHERE site = NEW.site AND fault = NEW.fault;\n"
"END;\n"
"\n"
"CREATE VIEW verdicts AS  -- each experiment with its site, in site order\n"
"SELECT e.id AS experiment, e.site AS site, s.seq AS seq, s.pid AS pid,\n"
"  s.tid AS tid, s.syscall AS syscall, s.family AS family, s.fd AS fd,\n"
"  s.path AS path, s.path2 AS path2, s.kind AS kind, s.offset AS offset,\n"
"  s.count AS count, s.result AS result, s.key AS key,\n"
"  s.callsite AS callsite, e.fault AS fault,\n"
"  e.injected AS injected, e.fault_bytes AS fault_bytes, e.status AS status,\n"
"  e.duration_ns AS duration_ns, e.oracle_exit AS oracle_exit,\n"
"  e.verdict AS verdict, e.diverged AS diverged, e.divergence AS divergence,\n"
"  e.prog_tail AS prog_tail, e.oracle_tail AS oracle_tail,\n"
"  e.created_ns AS created_ns, s.mapped AS mapped\n"
"FROM experiments e JOIN sites s ON s.id = e.site\n"
"ORDER BY s.seq, e.fault;\n"
"\n"
"CREATE VIEW bugs AS  -- the verdicts that are bugs, by file and syscall\n"
"SELECT * FROM verdicts\n"
"WHERE verdict IN (SELECT name FROM verdict_codes WHERE bug)\n"
"ORDER BY path, syscall, seq, fault;\n"
"\n"
SCHEMA_VIEW_NOT_EXPLORED
"PRAGMA user_version = 8;\n";

/*
 * Version 9: determinism.  The seed every re-run answers getrandom,
 * AT_RANDOM and /dev/urandom from, whether the program had its own PID
 * namespace, and for each site the name it brought into existence, so
 * that a re-run's randomly named files take the recorded names
 * (recorder/namemap.c).  The columns get their comments as migrations 5
 * to 7 gave others.
 */
static const char schema_v9[] =
"PRAGMA writable_schema = RESET;\n"
"ALTER TABLE recordings ADD COLUMN seed INTEGER;\n"
"ALTER TABLE recordings ADD COLUMN pidns INTEGER CHECK (pidns IN (0, 1));\n"
"ALTER TABLE sites ADD COLUMN creates TEXT;\n"
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  '  CHECK (trace_close IN (0, 1)), seed INTEGER, pidns INTEGER CHECK "
"(pidns IN (0, 1)))',\n"
"  '  CHECK (trace_close IN (0, 1)),\n"
"  seed INTEGER,               -- 64-bit seed of getrandom, AT_RANDOM and\n"
"                              -- /dev/urandom; NULL: real randomness\n"
"                              -- (--no-determinism, or an older badio)\n"
"  pidns INTEGER CHECK (pidns IN (0, 1))\n"
"                              -- 1: PROG ran in its own PID namespace\n"
"                              -- (the pids in sites are its); 0: badio\n"
"                              -- could not make one; NULL: not asked\n"
")')\n"
"WHERE type = 'table' AND name = 'recordings';\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  '  mapped INTEGER NOT NULL DEFAULT 0 CHECK (mapped IN (0, 1))\n"
"                              -- 1: the file was mapped shared and\n"
"                              -- writable by a traced process (its stores\n"
"                              -- are not sites: docs/manual.md)\n"
", creates TEXT)',\n"
"  '  mapped INTEGER NOT NULL DEFAULT 0 CHECK (mapped IN (0, 1)),\n"
"                              -- 1: the file was mapped shared and\n"
"                              -- writable by a traced process (its stores\n"
"                              -- are not sites: docs/manual.md)\n"
"  creates TEXT                -- the name this call brought into\n"
"                              -- existence (path, or path2 of a rename);\n"
"                              -- NULL: none\n"
")')\n"
"WHERE type = 'table' AND name = 'sites';\n"
"PRAGMA writable_schema = RESET;\n"
"CREATE TABLE schema_v9_bump (x);\n"
"DROP TABLE schema_v9_bump;\n"
"PRAGMA user_version = 9;\n";

/*
 * Version 10: how the call-site ids were made.  Since this version they
 * hash real return addresses only (recorder/callsite.c), so they differ
 * from the stack-scan ids of older recordings: explore compares a
 * re-run's call sites with the recording's only when both were made
 * the same way.
 */
static const char schema_v10[] =
"ALTER TABLE recordings ADD COLUMN callsite_scheme INTEGER;\n"
"                                -- how sites.callsite was made: 2, from\n"
"                                -- return addresses (CFI, frame pointers);\n"
"                                -- NULL: an older badio's stack scan\n"
"PRAGMA user_version = 10;\n";

/*
 * Version 11: threads, and two kinds of divergence.  Each site names its
 * process and thread by creation order (the same in every run where the
 * program creates them in the same order), so explore compares each
 * thread's calls with the recording's: a run where threads interleaved
 * otherwise, each making the same calls, is 'reordered' (informational),
 * one where a thread made another call is 'diverged'.  Which verdicts are
 * an answer about their site (judged) is data too: the others, and the
 * diverged runs, make a report inconclusive.
 */
static const char schema_v11[] =
"ALTER TABLE sites ADD COLUMN process INTEGER;\n"
"                                -- the process, 1-based in the order the\n"
"                                -- processes appeared (PROG is 1); NULL:\n"
"                                -- recorded by an older badio\n"
"ALTER TABLE sites ADD COLUMN thread INTEGER;\n"
"                                -- the thread, 1-based in the order the\n"
"                                -- threads of its process appeared (the\n"
"                                -- main thread is 1); NULL: unknown\n"
"ALTER TABLE experiments ADD COLUMN divergence_kind TEXT\n"
"  CHECK (divergence_kind = 'reordered' OR divergence_kind = 'diverged');\n"
"                                -- 'diverged' (diverged is 1): a thread made\n"
"                                -- other calls; 'reordered': the threads\n"
"                                -- interleaved otherwise, each made the\n"
"                                -- same calls; NULL: same as recorded\n"
"UPDATE experiments SET divergence_kind = 'diverged' WHERE diverged;\n"
"ALTER TABLE verdict_codes ADD COLUMN judged INTEGER NOT NULL DEFAULT 1\n"
"  CHECK (judged IN (0, 1));\n"
"                                -- 0: the oracle gave no answer (the\n"
"                                -- experiment is inconclusive)\n"
"UPDATE verdict_codes SET judged = 0\n"
"  WHERE name = 'unreached' OR name = 'oracle-error';\n"
"\n"
"DROP VIEW bugs;\n"
"DROP VIEW verdicts;\n"
"CREATE VIEW verdicts AS  -- each experiment with its site, in site order\n"
"SELECT e.id AS experiment, e.site AS site, s.seq AS seq, s.pid AS pid,\n"
"  s.tid AS tid, s.process AS process, s.thread AS thread,\n"
"  s.syscall AS syscall, s.family AS family, s.fd AS fd,\n"
"  s.path AS path, s.path2 AS path2, s.kind AS kind, s.offset AS offset,\n"
"  s.count AS count, s.result AS result, s.key AS key,\n"
"  s.callsite AS callsite, e.fault AS fault,\n"
"  e.injected AS injected, e.fault_bytes AS fault_bytes, e.status AS status,\n"
"  e.duration_ns AS duration_ns, e.oracle_exit AS oracle_exit,\n"
"  e.verdict AS verdict, e.diverged AS diverged, e.divergence AS divergence,\n"
"  e.divergence_kind AS divergence_kind,\n"
"  e.prog_tail AS prog_tail, e.oracle_tail AS oracle_tail,\n"
"  e.created_ns AS created_ns, s.mapped AS mapped\n"
"FROM experiments e JOIN sites s ON s.id = e.site\n"
"ORDER BY s.seq, e.fault;\n"
"\n"
"CREATE VIEW bugs AS  -- the verdicts that are bugs, by file and syscall\n"
"SELECT * FROM verdicts\n"
"WHERE verdict IN (SELECT name FROM verdict_codes WHERE bug)\n"
"ORDER BY path, syscall, seq, fault;\n"
"PRAGMA user_version = 11;\n";

/*
 * Version 12: the program travels with its recording (record --bundle):
 * its executable, ELF interpreter and shared libraries, stored so that
 * explore can run it on a machine that lacks them or has other
 * versions (explorer/bundle.c).
 */
static const char schema_v12[] =
"CREATE TABLE bundle_files (  -- what record --bundle kept of PROG's files\n"
"  recording INTEGER NOT NULL REFERENCES recordings (id),\n"
"  path TEXT NOT NULL,         -- absolute canonical path where it was recorded\n"
"  role TEXT NOT NULL CHECK (role = 'exe' OR role = 'interp' OR\n"
"    role = 'lib' OR role = 'needed'),\n"
"                              -- exe: PROG; interp: its ELF interpreter;\n"
"                              -- lib: a shared library it loaded; needed:\n"
"                              -- not stored, must be installed (a script's\n"
"                              -- interpreter, a program PROG executes)\n"
"  soname TEXT,                -- the name a lib is loaded by, when not its\n"
"                              -- file's (libz.so.1); NULL: the same\n"
"  size INTEGER,               -- bytes; NULL: not stored\n"
"  crc32 INTEGER,              -- zlib crc32 of the bytes; NULL: not stored\n"
"  PRIMARY KEY (recording, path)\n"
") WITHOUT ROWID;\n"
"CREATE TABLE bundles (       -- the stored files, one archive per recording\n"
"  recording INTEGER PRIMARY KEY REFERENCES recordings (id),\n"
"  archive BLOB NOT NULL,      -- zstd pax tar, members named by path\n"
"                              -- without its leading '/'\n"
"  size INTEGER NOT NULL       -- bytes of the tar, uncompressed\n"
");\n"
"PRAGMA user_version = 12;\n";

/*
 * Version 13: the data's checksum is XXH3-64 (libxxhash), not zlib's
 * CRC-32, which was slower than a large write itself.  New sites fill
 * xxh3 and leave crc32 NULL; an older recording keeps its crc32 values
 * and has xxh3 NULL, so each recording compares with the one it has
 * (crc_bytes covers either).
 */
static const char schema_v13[] =
"ALTER TABLE sites ADD COLUMN xxh3 INTEGER;\n"
"                                -- XXH3-64 of the bytes written, as a\n"
"                                -- signed 64-bit integer (the same bits);\n"
"                                -- NULL: no data, or recorded by an older\n"
"                                -- badio (then crc32 holds its CRC-32)\n"
"PRAGMA user_version = 13;\n";

/*
 * Version 14: which oracle judged each experiment, and what the program
 * last printed.  An oracle is its command as given and, when its first
 * word names a file (a script), that file's path and SHA-256 when the
 * explore began: a changed script is another oracle, and explore refuses
 * to mix oracles silently.  The oracle the old meta 'oracle' named
 * judged every existing experiment (explore wrote it before any); meta
 * 'oracle' goes.  prog_last is the last non-empty line of the program's
 * output, cleaned (no control bytes) and bounded, shown per bug group.
 * The columns get their comments as migrations 5 to 9 gave others.
 */
static const char schema_v14[] =
"CREATE TABLE oracles (\n"
"  id INTEGER PRIMARY KEY,     -- experiments.oracle_id\n"
"  command TEXT NOT NULL,      -- --oracle CMD as given\n"
"  file TEXT,                  -- the file CMD's first word names, absolute;\n"
"                              -- NULL: a command (builtin, PATH), or unknown\n"
"  sha256 TEXT,                -- lower-case hex SHA-256 of that file when\n"
"                              -- explore began; NULL: no file, or unknown\n"
"  UNIQUE (command, sha256)    -- the file may move: its content counts\n"
");\n"
"INSERT INTO oracles (id, command)\n"
"  SELECT 1, value FROM meta WHERE key = 'oracle' AND value IS NOT NULL;\n"
"PRAGMA writable_schema = RESET;\n"
"ALTER TABLE experiments ADD COLUMN oracle_id INTEGER REFERENCES oracles (id);\n"
"ALTER TABLE experiments ADD COLUMN prog_last TEXT;\n"
"UPDATE experiments SET oracle_id = (SELECT id FROM oracles);\n"
"DELETE FROM meta WHERE key = 'oracle';\n"
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  '  created_ns INTEGER NOT NULL -- when stored, ns since the Unix epoch\n"
", divergence_kind TEXT\n"
"  CHECK (divergence_kind = ''reordered'' OR divergence_kind = ''diverged''), "
"oracle_id INTEGER REFERENCES oracles (id), prog_last TEXT)',\n"
"  '  created_ns INTEGER NOT NULL, -- when stored, ns since the Unix epoch\n"
"  divergence_kind TEXT\n"
"  CHECK (divergence_kind = ''reordered'' OR divergence_kind = ''diverged''),\n"
"                              -- ''diverged'' (diverged is 1): a thread made\n"
"                              -- other calls; ''reordered'': the threads\n"
"                              -- interleaved otherwise, each made the\n"
"                              -- same calls; NULL: same as recorded\n"
"  oracle_id INTEGER REFERENCES oracles (id),\n"
"                              -- the oracle that judged it; NULL: unknown\n"
"                              -- (explored before schema 14 without one)\n"
"  prog_last TEXT              -- the program''s last non-empty output line\n"
"                              -- (stdout or stderr), control bytes removed,\n"
"                              -- at most 200 bytes; NULL: none or unknown\n"
")')\n"
"WHERE type = 'table' AND name = 'experiments';\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  '  key TEXT PRIMARY KEY,       -- e.g. ''oracle''',\n"
"  '  key TEXT PRIMARY KEY,       -- ''plan'', ''shard'' (docs/schema.md)')\n"
"WHERE type = 'table' AND name = 'meta';\n"
"PRAGMA writable_schema = RESET;\n"
"CREATE TABLE schema_v14_bump (x);\n"
"DROP TABLE schema_v14_bump;\n"
"CREATE INDEX experiments_oracle ON experiments (oracle_id);\n"
"\n"
"DROP VIEW bugs;\n"
"DROP VIEW verdicts;\n"
"CREATE VIEW verdicts AS  -- each experiment with its site, in site order\n"
"SELECT e.id AS experiment, e.site AS site, s.seq AS seq, s.pid AS pid,\n"
"  s.tid AS tid, s.process AS process, s.thread AS thread,\n"
"  s.syscall AS syscall, s.family AS family, s.fd AS fd,\n"
"  s.path AS path, s.path2 AS path2, s.kind AS kind, s.offset AS offset,\n"
"  s.count AS count, s.result AS result, s.key AS key,\n"
"  s.callsite AS callsite, e.fault AS fault,\n"
"  e.injected AS injected, e.fault_bytes AS fault_bytes, e.status AS status,\n"
"  e.duration_ns AS duration_ns, e.oracle_exit AS oracle_exit,\n"
"  e.verdict AS verdict, e.diverged AS diverged, e.divergence AS divergence,\n"
"  e.divergence_kind AS divergence_kind,\n"
"  e.prog_tail AS prog_tail, e.oracle_tail AS oracle_tail,\n"
"  e.created_ns AS created_ns, s.mapped AS mapped,\n"
"  e.oracle_id AS oracle_id, o.command AS oracle, e.prog_last AS prog_last\n"
"FROM experiments e JOIN sites s ON s.id = e.site\n"
"  LEFT JOIN oracles o ON o.id = e.oracle_id\n"
"ORDER BY s.seq, e.fault;\n"
"\n"
"CREATE VIEW bugs AS  -- the verdicts that are bugs, by file and syscall\n"
"SELECT * FROM verdicts\n"
"WHERE verdict IN (SELECT name FROM verdict_codes WHERE bug)\n"
"ORDER BY path, syscall, seq, fault;\n"
"PRAGMA user_version = 14;\n";

/*
 * The views verdicts and bugs as of version 15 (16 makes them again,
 * unchanged).
 */
#define SCHEMA_VIEWS_V15	\
"CREATE VIEW verdicts AS  -- each experiment with its site, in site order\n"	\
"SELECT e.id AS experiment, e.site AS site, s.seq AS seq, s.pid AS pid,\n"	\
"  s.tid AS tid, s.process AS process, s.thread AS thread,\n"	\
"  s.syscall AS syscall, s.family AS family, s.fd AS fd,\n"	\
"  s.path AS path, s.path2 AS path2, s.kind AS kind, s.offset AS offset,\n"	\
"  s.count AS count, s.result AS result, s.key AS key,\n"	\
"  s.callsite AS callsite, e.fault AS fault,\n"	\
"  e.injected AS injected, e.fault_bytes AS fault_bytes, e.status AS status,\n"	\
"  e.duration_ns AS duration_ns, e.oracle_exit AS oracle_exit,\n"	\
"  e.verdict AS verdict, e.diverged AS diverged, e.divergence AS divergence,\n"	\
"  e.divergence_kind AS divergence_kind,\n"	\
"  e.prog_tail AS prog_tail, e.oracle_tail AS oracle_tail,\n"	\
"  e.created_ns AS created_ns, s.mapped AS mapped,\n"	\
"  e.oracle_id AS oracle_id, o.command AS oracle, e.prog_last AS prog_last,\n"	\
"  e.state AS state, e.last_sync AS last_sync, e.unsynced AS unsynced\n"	\
"FROM experiments e JOIN sites s ON s.id = e.site\n"	\
"  LEFT JOIN oracles o ON o.id = e.oracle_id\n"	\
"ORDER BY s.seq, e.fault, e.state;\n"	\
"\n"	\
"CREATE VIEW bugs AS  -- the verdicts that are bugs, by file and syscall\n"	\
"SELECT * FROM verdicts\n"	\
"WHERE verdict IN (SELECT name FROM verdict_codes WHERE bug)\n"	\
"ORDER BY path, syscall, seq, fault, state;\n"

/*
 * Version 15: power loss (issue 9).
 *
 * - fault_codes: 'power' (power fails before the call: the program is
 *   gone and the run directory holds only what a file system may keep)
 *   and 'lost-sync' (a sync call fails with EIO and loses what it should
 *   have made durable; power fails after the program's end);
 * - sites: family 'end', the one site after the program exited (syscall
 *   'exit', key 'end:1'); the CHECK is widened in place (a wider CHECK
 *   changes nothing stored, so SQLite's writable_schema way applies);
 * - experiments.state: the crash state the oracle judged ('durable',
 *   'metadata', 'prefix:N'), NULL for a fault that has none; part of the
 *   unique key with site and fault.  NULLs are distinct in a SQLite
 *   unique index, so the key is two partial indexes: (site, fault) for
 *   rows without a state, (site, fault, state) for rows with one;
 * - experiments.last_sync: the replay key of the last durability point
 *   before the crash (NULL: none, or a stateless fault);
 * - experiments.unsynced: how many operations were not yet durable at the
 *   crash point (what prefix:N counts); NULL for stateless faults.
 */
static const char schema_v15[] =
"INSERT INTO fault_codes (name, rank, kind, meaning) VALUES\n"
"  ('power', 8, 'final', 'power fails before the call: every process is\n"
"    killed and what was not made durable is lost'),\n"
"  ('lost-sync', 9, 'transient', 'the sync call fails with EIO and what it\n"
"    should have made durable is lost; power fails after the end');\n"
"PRAGMA writable_schema = RESET;\n"
"ALTER TABLE experiments ADD COLUMN state TEXT;\n"
"ALTER TABLE experiments ADD COLUMN last_sync TEXT;\n"
"ALTER TABLE experiments ADD COLUMN unsynced INTEGER;\n"
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  '                              family = ''close''),',\n"
"  '                              family = ''close'' OR family = ''end''),')\n"
"WHERE type = 'table' AND name = 'sites';\n"
"UPDATE sqlite_schema SET sql = replace(replace(sql,\n"
"  '  prog_last TEXT              -- the program''s last',\n"
"  '  prog_last TEXT,             -- the program''s last'),\n"
"  '                              -- at most 200 bytes; NULL: none or unknown\n"
", state TEXT, last_sync TEXT, unsynced INTEGER)',\n"
"  '                              -- at most 200 bytes; NULL: none or unknown\n"
"  state TEXT,                 -- crash state judged: ''durable'',\n"
"                              -- ''metadata'', ''prefix:N''; NULL: the\n"
"                              -- fault has none\n"
"  last_sync TEXT,             -- replay key of the last durability point\n"
"                              -- before the crash; NULL: none\n"
"  unsynced INTEGER            -- operations not yet durable at the crash\n"
"                              -- point; NULL: a fault without states\n"
")')\n"
"WHERE type = 'table' AND name = 'experiments';\n"
"PRAGMA writable_schema = RESET;\n"
"CREATE TABLE schema_v15_bump (x);\n"
"DROP TABLE schema_v15_bump;\n"
"DROP INDEX experiments_site_fault;\n"
"CREATE UNIQUE INDEX experiments_site_fault ON experiments (site, fault)\n"
"  WHERE state IS NULL;\n"
"CREATE UNIQUE INDEX experiments_site_fault_state\n"
"  ON experiments (site, fault, state) WHERE state IS NOT NULL;\n"
"\n"
"DROP VIEW bugs;\n"
"DROP VIEW verdicts;\n"
SCHEMA_VIEWS_V15
"PRAGMA user_version = 15;\n";

/*
 * Version 16: big recordings (issue 11).  A site's texts are stored once
 * in strings and referred to by id, family and kind are small codes, seq
 * is kept as its difference from id (0 when calls completed in the order
 * they entered), tid is NULL when it is pid, and what is derived is not
 * stored: key_path (NULL: the path) and key (NULL: family:key_path:
 * ordinal).  The rows live in site_rows; sites is a view with every
 * column it had, in the same order, so users' queries run unchanged, and
 * INSTEAD OF triggers keep INSERT, UPDATE and DELETE on it working (the
 * recorder inserts into site_rows itself, with the ids it keeps).  The
 * two indexes of sites go: nothing of badio's used them, and they cost
 * a third of the bytes of a site.  A string id that strings lacks (a
 * damaged or crafted file) reads as '<missing>', an unknown family or
 * kind code as '<missing>' too: every reader gets text where it had
 * text.  experiments and skipped refer to site_rows instead (their text
 * edited in place: the reference changes nothing stored).
 */
#define SCHEMA_FAMILY_NAME(c)						\
"CASE " c " WHEN 1 THEN 'write' WHEN 2 THEN 'sync' WHEN 3 THEN 'namespace'\n" \
"  WHEN 4 THEN 'mmap' WHEN 5 THEN 'close' WHEN 6 THEN 'end'\n"	\
"  ELSE '<missing>' END"
#define SCHEMA_FAMILY_CODE(c)						\
"CASE " c " WHEN 'write' THEN 1 WHEN 'sync' THEN 2 WHEN 'namespace' THEN 3\n" \
"  WHEN 'mmap' THEN 4 WHEN 'close' THEN 5 WHEN 'end' THEN 6 ELSE 0 END"
#define SCHEMA_KIND_NAME(c)						\
"CASE " c " WHEN 1 THEN 'regular' WHEN 2 THEN 'dir' WHEN 3 THEN 'pipe'\n" \
"  WHEN 4 THEN 'socket' WHEN 5 THEN 'tty' WHEN 6 THEN 'other'\n"	\
"  ELSE '<missing>' END"
#define SCHEMA_KIND_CODE(c)						\
"CASE " c " WHEN 'regular' THEN 1 WHEN 'dir' THEN 2 WHEN 'pipe' THEN 3\n" \
"  WHEN 'socket' THEN 4 WHEN 'tty' THEN 5 WHEN 'other' THEN 6 ELSE 0 END"
/* The text of string id col, joined as alias a: NULL stays NULL. */
#define SCHEMA_STRING(col, a)						\
"iif(" col " IS NULL, NULL, coalesce(" a ".text, '<missing>'))"
/* A site's key as the parts make it. */
#define SCHEMA_KEY_OF(family, key_path, ordinal)			\
family " || ':' || " key_path " || ':' || " ordinal
/* The string id of text v (interned by the trigger first). */
#define SCHEMA_ID_OF(v)	"(SELECT id FROM strings WHERE text = " v ")"

static const char schema_v16[] =
"DROP VIEW not_explored;\n"
"DROP VIEW bugs;\n"
"DROP VIEW verdicts;\n"
"\n"
"CREATE TABLE strings (       -- every text of a site, once\n"
"  id INTEGER PRIMARY KEY,     -- what site_rows' text columns hold\n"
"  text TEXT NOT NULL UNIQUE\n"
");\n"
"CREATE TABLE site_rows (     -- the sites as stored: read the view sites\n"
"  id INTEGER PRIMARY KEY,     -- sites.id\n"
"  recording INTEGER NOT NULL REFERENCES recordings (id),\n"
"  dseq INTEGER NOT NULL,      -- sites.seq - id\n"
"  pid INTEGER NOT NULL,\n"
"  tid INTEGER,                -- NULL: equal to pid\n"
"  process INTEGER,\n"
"  thread INTEGER,\n"
"  syscall INTEGER NOT NULL,   -- strings.id\n"
"  family INTEGER NOT NULL CHECK (family BETWEEN 1 AND 6),\n"
"                              -- 1 write, 2 sync, 3 namespace, 4 mmap,\n"
"                              -- 5 close, 6 end\n"
"  fd INTEGER,\n"
"  path INTEGER,               -- strings.id; NULL: no name\n"
"  path2 INTEGER,              -- strings.id; NULL: none\n"
"  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 6),\n"
"                              -- 1 regular, 2 dir, 3 pipe, 4 socket,\n"
"                              -- 5 tty, 6 other\n"
"  offset INTEGER,\n"
"  count INTEGER,\n"
"  result INTEGER,\n"
"  append INTEGER NOT NULL DEFAULT 0 CHECK (append IN (0, 1)),\n"
"  t_ns INTEGER NOT NULL,\n"
"  crc32 INTEGER,\n"
"  crc_bytes INTEGER,\n"
"  xxh3 INTEGER,\n"
"  ordinal INTEGER NOT NULL,\n"
"  callsite INTEGER,\n"
"  flags INTEGER,              -- strings.id; NULL: none\n"
"  offset2 INTEGER,\n"
"  mapped INTEGER NOT NULL DEFAULT 0 CHECK (mapped IN (0, 1)),\n"
"  creates INTEGER,            -- strings.id; NULL: none\n"
"  key_path INTEGER,           -- strings.id; NULL: the same as path\n"
"  key INTEGER                 -- strings.id; NULL: family:key_path:ordinal\n"
");\n"
"\n"
"INSERT OR IGNORE INTO strings (text) SELECT syscall FROM sites;\n"
"INSERT OR IGNORE INTO strings (text) SELECT path FROM sites;\n"
"INSERT OR IGNORE INTO strings (text) SELECT path2 FROM sites;\n"
"INSERT OR IGNORE INTO strings (text) SELECT flags FROM sites;\n"
"INSERT OR IGNORE INTO strings (text) SELECT creates FROM sites;\n"
"INSERT OR IGNORE INTO strings (text) SELECT key_path FROM sites\n"
"  WHERE key_path IS NOT path;\n"
"INSERT OR IGNORE INTO strings (text) SELECT key FROM sites\n"
"  WHERE key IS NOT " SCHEMA_KEY_OF("family", "key_path", "ordinal") ";\n"
"INSERT INTO site_rows (id, recording, dseq, pid, tid, process, thread,\n"
"  syscall, family, fd, path, path2, kind, offset, count, result, append,\n"
"  t_ns, crc32, crc_bytes, xxh3, ordinal, callsite, flags, offset2,\n"
"  mapped, creates, key_path, key)\n"
"SELECT id, recording, seq - id, pid, nullif(tid, pid), process, thread,\n"
"  " SCHEMA_ID_OF("s.syscall") ",\n"
"  " SCHEMA_FAMILY_CODE("family") ", fd,\n"
"  " SCHEMA_ID_OF("s.path") ", " SCHEMA_ID_OF("s.path2") ",\n"
"  " SCHEMA_KIND_CODE("kind") ",\n"
"  offset, count, result, append, t_ns, crc32, crc_bytes, xxh3,\n"
"  ordinal, callsite, " SCHEMA_ID_OF("s.flags") ", offset2, mapped,\n"
"  " SCHEMA_ID_OF("s.creates") ",\n"
"  iif(key_path IS path, NULL, " SCHEMA_ID_OF("s.key_path") "),\n"
"  iif(key IS " SCHEMA_KEY_OF("family", "key_path", "ordinal") ", NULL,\n"
"    " SCHEMA_ID_OF("s.key") ")\n"
"FROM sites s;\n"
"DROP TABLE sites;\n"
"\n"
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"  'REFERENCES sites (id)', 'REFERENCES site_rows (id)')\n"
"WHERE type = 'table' AND (name = 'experiments' OR name = 'skipped');\n"
"PRAGMA writable_schema = RESET;\n"
"CREATE TABLE schema_v16_bump (x);\n"
"DROP TABLE schema_v16_bump;\n"
"\n"
"CREATE VIEW sites AS  -- one row per site, every column of docs/schema.md\n"
"SELECT r.id AS id, r.recording AS recording, r.id + r.dseq AS seq,\n"
"  r.pid AS pid, coalesce(r.tid, r.pid) AS tid,\n"
"  coalesce(sc.text, '<missing>') AS syscall,\n"
"  " SCHEMA_FAMILY_NAME("r.family") " AS family,\n"
"  r.fd AS fd, " SCHEMA_STRING("r.path", "p") " AS path,\n"
"  " SCHEMA_STRING("r.path2", "p2") " AS path2,\n"
"  " SCHEMA_KIND_NAME("r.kind") " AS kind,\n"
"  r.offset AS offset, r.count AS count, r.result AS result,\n"
"  r.append AS append, r.t_ns AS t_ns, r.crc32 AS crc32,\n"
"  r.crc_bytes AS crc_bytes,\n"
"  iif(r.key IS NULL, " SCHEMA_KEY_OF(SCHEMA_FAMILY_NAME("r.family"),
    "coalesce(kp.text, p.text, '<missing>')", "r.ordinal") ",\n"
"    coalesce(k.text, '<missing>')) AS key,\n"
"  iif(r.key_path IS NULL, coalesce(p.text, '<missing>'),\n"
"    coalesce(kp.text, '<missing>')) AS key_path,\n"
"  r.ordinal AS ordinal, r.callsite AS callsite,\n"
"  " SCHEMA_STRING("r.flags", "f") " AS flags, r.offset2 AS offset2,\n"
"  r.mapped AS mapped, " SCHEMA_STRING("r.creates", "c") " AS creates,\n"
"  r.process AS process, r.thread AS thread, r.xxh3 AS xxh3\n"
"FROM site_rows r\n"
"  LEFT JOIN strings sc ON sc.id = r.syscall\n"
"  LEFT JOIN strings p ON p.id = r.path\n"
"  LEFT JOIN strings p2 ON p2.id = r.path2\n"
"  LEFT JOIN strings f ON f.id = r.flags\n"
"  LEFT JOIN strings c ON c.id = r.creates\n"
"  LEFT JOIN strings kp ON kp.id = r.key_path\n"
"  LEFT JOIN strings k ON k.id = r.key;\n"
"\n"
"CREATE TRIGGER sites_insert INSTEAD OF INSERT ON sites\n"
"BEGIN\n"
"  INSERT OR IGNORE INTO strings (text) VALUES (NEW.syscall), (NEW.path),\n"
"    (NEW.path2), (NEW.flags), (NEW.creates);\n"
"  INSERT OR IGNORE INTO strings (text) SELECT NEW.key_path\n"
"    WHERE NEW.key_path IS NOT NEW.path;\n"
"  INSERT OR IGNORE INTO strings (text) SELECT NEW.key WHERE NEW.key IS NOT\n"
"    " SCHEMA_KEY_OF("NEW.family", "NEW.key_path", "NEW.ordinal") ";\n"
"  INSERT INTO site_rows (id, recording, dseq, pid, tid, process, thread,\n"
"    syscall, family, fd, path, path2, kind, offset, count, result,\n"
"    append, t_ns, crc32, crc_bytes, xxh3, ordinal, callsite, flags,\n"
"    offset2, mapped, creates, key_path, key)\n"
"  SELECT i, NEW.recording, NEW.seq - i, NEW.pid, nullif(NEW.tid, NEW.pid),\n"
"    NEW.process, NEW.thread, " SCHEMA_ID_OF("NEW.syscall") ",\n"
"    " SCHEMA_FAMILY_CODE("NEW.family") ", NEW.fd,\n"
"    " SCHEMA_ID_OF("NEW.path") ", " SCHEMA_ID_OF("NEW.path2") ",\n"
"    " SCHEMA_KIND_CODE("NEW.kind") ",\n"
"    NEW.offset, NEW.count, NEW.result, coalesce(NEW.append, 0), NEW.t_ns,\n"
"    NEW.crc32, NEW.crc_bytes, NEW.xxh3, NEW.ordinal, NEW.callsite,\n"
"    " SCHEMA_ID_OF("NEW.flags") ", NEW.offset2, coalesce(NEW.mapped, 0),\n"
"    " SCHEMA_ID_OF("NEW.creates") ",\n"
"    iif(NEW.key_path IS NEW.path, NULL, " SCHEMA_ID_OF("NEW.key_path") "),\n"
"    iif(NEW.key IS " SCHEMA_KEY_OF("NEW.family", "NEW.key_path",
    "NEW.ordinal") ", NULL,\n"
"      " SCHEMA_ID_OF("NEW.key") ")\n"
"  FROM (SELECT coalesce(NEW.id,\n"
"    (SELECT coalesce(max(id), 0) + 1 FROM site_rows)) AS i);\n"
"END;\n"
"CREATE TRIGGER sites_update INSTEAD OF UPDATE ON sites\n"
"BEGIN\n"
"  INSERT OR IGNORE INTO strings (text) VALUES (NEW.syscall), (NEW.path),\n"
"    (NEW.path2), (NEW.flags), (NEW.creates);\n"
"  INSERT OR IGNORE INTO strings (text) SELECT NEW.key_path\n"
"    WHERE NEW.key_path IS NOT NEW.path;\n"
"  INSERT OR IGNORE INTO strings (text) SELECT NEW.key WHERE NEW.key IS NOT\n"
"    " SCHEMA_KEY_OF("NEW.family", "NEW.key_path", "NEW.ordinal") ";\n"
"  UPDATE site_rows SET id = NEW.id, recording = NEW.recording,\n"
"    dseq = NEW.seq - NEW.id, pid = NEW.pid, tid = nullif(NEW.tid, NEW.pid),\n"
"    process = NEW.process, thread = NEW.thread,\n"
"    syscall = " SCHEMA_ID_OF("NEW.syscall") ",\n"
"    family = " SCHEMA_FAMILY_CODE("NEW.family") ", fd = NEW.fd,\n"
"    path = " SCHEMA_ID_OF("NEW.path") ",\n"
"    path2 = " SCHEMA_ID_OF("NEW.path2") ",\n"
"    kind = " SCHEMA_KIND_CODE("NEW.kind") ",\n"
"    offset = NEW.offset, count = NEW.count, result = NEW.result,\n"
"    append = NEW.append, t_ns = NEW.t_ns, crc32 = NEW.crc32,\n"
"    crc_bytes = NEW.crc_bytes, xxh3 = NEW.xxh3, ordinal = NEW.ordinal,\n"
"    callsite = NEW.callsite, flags = " SCHEMA_ID_OF("NEW.flags") ",\n"
"    offset2 = NEW.offset2, mapped = NEW.mapped,\n"
"    creates = " SCHEMA_ID_OF("NEW.creates") ",\n"
"    key_path = iif(NEW.key_path IS NEW.path, NULL,\n"
"      " SCHEMA_ID_OF("NEW.key_path") "),\n"
"    key = iif(NEW.key IS " SCHEMA_KEY_OF("NEW.family", "NEW.key_path",
    "NEW.ordinal") ", NULL,\n"
"      " SCHEMA_ID_OF("NEW.key") ")\n"
"  WHERE id = OLD.id;\n"
"END;\n"
"CREATE TRIGGER sites_delete INSTEAD OF DELETE ON sites\n"
"BEGIN\n"
"  DELETE FROM site_rows WHERE id = OLD.id;\n"
"END;\n"
"\n"
SCHEMA_VIEWS_V15
"\n"
SCHEMA_VIEW_NOT_EXPLORED
"PRAGMA user_version = 16;\n";

/*
 * Version 17: the virtual wall clock (recorder/clock.c).  Every run of
 * a recording answers the time of day from the same start, so what a
 * program writes of it is the same in every run.
 */
static const char schema_v17[] =
"ALTER TABLE recordings ADD COLUMN clock_ns INTEGER;\n"
"                                -- where the virtual wall clock starts, ns\n"
"                                -- since the Unix epoch (each call: 1 ms\n"
"                                -- more); NULL: real time (--real-time,\n"
"                                -- --no-determinism, an older badio)\n"
"PRAGMA user_version = 17;\n";

static const char *const migrations[] = {
	schema_v1,		/* 0 -> 1 */
	schema_v2,		/* 1 -> 2 */
	schema_v3,		/* 2 -> 3 */
	schema_v4,		/* 3 -> 4 */
	schema_v5,		/* 4 -> 5 */
	schema_v6,		/* 5 -> 6 */
	schema_v7,		/* 6 -> 7 */
	schema_v8,		/* 7 -> 8 */
	schema_v9,		/* 8 -> 9 */
	schema_v10,		/* 9 -> 10 */
	schema_v11,		/* 10 -> 11 */
	schema_v12,		/* 11 -> 12 */
	schema_v13,		/* 12 -> 13 */
	schema_v14,		/* 13 -> 14 */
	schema_v15,		/* 14 -> 15 */
	schema_v16,		/* 15 -> 16 */
	schema_v17,		/* 16 -> 17 */
};

#define SCHEMA_LATEST	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The user_version this badio writes. */
int
schema_latest(void)
{
	return SCHEMA_LATEST;
}

/*
 * The text of migration `version` (to that user_version), or NULL: the
 * tests rebuild an older schema from it.
 */
const char *
schema_migration_sql(int version)
{
	return version >= 1 && version <= SCHEMA_LATEST ?
	    migrations[version - 1] : NULL;
}

/* Read an integer pragma or a count. */
static int
query_int(struct store *s, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	rc = store_step(s, st);
	if (rc == 1) {
		*v = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = store_fail(s, -EIO, "'%s' returned no row", sql);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Is this database badio's, and at which version?  Reading the schema
 * first makes SQLite report a damaged file (-EBADMSG) before we judge
 * its header.
 */
int
schema_identify(struct store *s, int *version)
{
	int64_t v;
	int rc;

	rc = query_int(s, "SELECT count(*) FROM sqlite_schema", &v);
	if (rc < 0)
		return rc;
	rc = query_int(s, "PRAGMA application_id", &v);
	if (rc < 0)
		return rc;
	if (v != STORE_APPLICATION_ID)
		return store_fail(s, -ENOTSUP, "not a badio database");
	rc = query_int(s, "PRAGMA user_version", &v);
	if (rc < 0)
		return rc;
	if (v > SCHEMA_LATEST)
		return store_fail(s, -EPROTO, "database is from a newer badio "
		    "(schema %lld; this badio knows schemas up to %d): use the "
		    "badio that wrote it, or a newer one", (long long)v,
		    SCHEMA_LATEST);
	if (v < 1)
		return store_fail(s, -EBADMSG, "badio database without a "
		    "schema version");
	*version = (int)v;
	return 0;
}

static int
apply_migrations(struct store *s)
{
	int64_t v;
	int64_t i;
	int rc;

	rc = query_int(s, "PRAGMA user_version", &v);
	if (rc < 0)
		return rc;
	if (v > SCHEMA_LATEST)
		return store_fail(s, -EPROTO, "database is from a newer badio "
		    "(schema %lld; this badio knows schemas up to %d): use the "
		    "badio that wrote it, or a newer one", (long long)v,
		    SCHEMA_LATEST);
	for (i = v; i < SCHEMA_LATEST; i++) {
		rc = store_exec(s, migrations[i]);
		if (rc < 0)
			return rc;
		rc = query_int(s, "PRAGMA user_version", &v);
		if (rc < 0)
			return rc;
		if (v != i + 1)
			return store_fail(s, -EPROTO, "migration %lld left "
			    "user_version at %lld", (long long)i + 1,
			    (long long)v);
	}
	return 0;
}

/*
 * A migration may rebuild a table (SQLite's way to change a CHECK):
 * foreign keys are off meanwhile, as SQLite's ALTER TABLE page says to
 * do, and checked before the commit.
 */
static int
foreign_keys_hold(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return store_rc(s, rc);
	rc = store_step(s, st);
	sqlite3_finalize(st);
	if (rc == 1)
		return store_fail(s, -EBADMSG, "a migration broke a foreign key");
	return rc;
}

/*
 * Bring the database to schema_latest() in one transaction.  The version
 * is read again inside it: another badio may have migrated meanwhile.
 */
int
schema_migrate(struct store *s)
{
	int rc;

	rc = store_exec(s, "PRAGMA foreign_keys = OFF");
	if (rc < 0)
		return rc;
	rc = store_exec(s, "BEGIN IMMEDIATE");
	if (rc < 0)
		goto out_keys;
	rc = apply_migrations(s);
	if (rc == 0)
		rc = foreign_keys_hold(s);
	if (rc < 0)
		goto out_rollback;
	rc = store_exec(s, "COMMIT");
	if (rc < 0)
		goto out_rollback;
	return store_exec(s, "PRAGMA foreign_keys = ON");

out_rollback:
	/* keeps the message of the failure, not of the rollback */
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
out_keys:
	sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return rc;
}
