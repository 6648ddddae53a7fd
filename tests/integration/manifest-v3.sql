-- A manifest as kargo-agent before schema version 4 wrote it (schema 3): one
-- local file, a.csv (19 bytes, mtime 1700000000), carried and done. Made with
-- the binary of commit 9e53a39 and sqlite3 .dump; @T@ is the test's directory.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE files (  id INTEGER PRIMARY KEY,  route TEXT NOT NULL,  source_uri TEXT NOT NULL,  name TEXT NOT NULL,  size INTEGER NOT NULL,  mtime INTEGER NOT NULL,  sha256 TEXT NOT NULL,  format TEXT,  state TEXT NOT NULL,  attempts INTEGER NOT NULL DEFAULT 0,  next_attempt INTEGER NOT NULL DEFAULT 0,  last_error TEXT,  spool_path TEXT NOT NULL,  summary TEXT,  source_done INTEGER NOT NULL DEFAULT 0,  created INTEGER NOT NULL,  updated INTEGER NOT NULL);
INSERT INTO files VALUES(1,'r1','@T@/in/a.csv','a.csv',19,1700000000,'1d7d0d53fb5784c3d81443bf9749b93cfa9120e48c5f90b4abd2aea93b8908f8','text','done',0,0,NULL,'@T@/spool/objects/1d7d0d53fb5784c3d81443bf9749b93cfa9120e48c5f90b4abd2aea93b8908f8','{"format":"text","valid":true,"rows":2,"pallets":0,"items":0,"shipment_count":0,"shipment_ids":[],"errors":[],"error_count":0,"warnings":[]}',1,1795964163,1795964163);
CREATE TABLE deliveries (  id INTEGER PRIMARY KEY,  file_id INTEGER NOT NULL REFERENCES files(id),  dest TEXT NOT NULL,  final_path TEXT,  state TEXT NOT NULL,  resend INTEGER NOT NULL DEFAULT 0,  updated INTEGER NOT NULL);
INSERT INTO deliveries VALUES(1,1,'@T@/out','@T@/out/a.csv','delivered',0,1795964163);
CREATE TABLE events (  id INTEGER PRIMARY KEY,  file_id INTEGER,  ts INTEGER NOT NULL,  event TEXT NOT NULL,  detail TEXT);
INSERT INTO events VALUES(1,1,1795964163831,'staged','bytes=19 sha256=1d7d0d53fb5784c3d81443bf9749b93cfa9120e48c5f90b4abd2aea93b8908f8');
INSERT INTO events VALUES(2,1,1795964163832,'validated','format=text rows=2 errors=0');
INSERT INTO events VALUES(3,1,1795964163867,'delivered','dest=@T@/out path=@T@/out/a.csv');
INSERT INTO events VALUES(4,1,1795964163868,'all_delivered',NULL);
INSERT INTO events VALUES(5,1,1795964163868,'source_finished','after=keep');
CREATE TABLE shipments (  shipment_id TEXT NOT NULL,  file_id INTEGER NOT NULL,  PRIMARY KEY (shipment_id, file_id)) WITHOUT ROWID;
CREATE TABLE routes (  route TEXT PRIMARY KEY,  last_cycle INTEGER,  last_ok INTEGER,  last_error TEXT, failures INTEGER NOT NULL DEFAULT 0);
INSERT INTO routes VALUES('r1',1795964163,1795964163,NULL,0);
CREATE TABLE mailboxes (  route TEXT NOT NULL,  mailbox TEXT NOT NULL,  uidvalidity INTEGER NOT NULL,  last_uid INTEGER NOT NULL,  PRIMARY KEY (route, mailbox));
CREATE TABLE remotes (  remote TEXT PRIMARY KEY,  last_attempt INTEGER NOT NULL,  last_ok INTEGER,  failures INTEGER NOT NULL DEFAULT 0,  last_error TEXT);
CREATE UNIQUE INDEX files_identity ON files(route, source_uri, size, mtime);
CREATE INDEX files_due ON files(route, state, next_attempt);
CREATE INDEX files_created ON files(created);
CREATE INDEX deliveries_file ON deliveries(file_id);
CREATE INDEX events_file ON events(file_id);
CREATE INDEX files_content ON files(route, name, sha256);
COMMIT;
PRAGMA user_version = 3;
