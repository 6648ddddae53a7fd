-- A manifest as kargo-agent wrote it at schema version 4 (before issue 13's
-- schema 5): the bundled demo (samples/, scripts/demo) after one once: five
-- files, four done and one rejected, with deliveries, events, shipment ids and
-- routes. Made with the binary of commit 361ed48 and sqlite3 .dump (which
-- leaves out the schema version: the last line sets it); @T@ is the demo's
-- directory.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE files (  id INTEGER PRIMARY KEY,  route TEXT NOT NULL,  source_uri TEXT NOT NULL,  name TEXT NOT NULL,  size INTEGER NOT NULL,  mtime INTEGER NOT NULL,  sha256 TEXT NOT NULL,  format TEXT,  state TEXT NOT NULL,  attempts INTEGER NOT NULL DEFAULT 0,  next_attempt INTEGER NOT NULL DEFAULT 0,  last_error TEXT,  spool_path TEXT NOT NULL,  summary TEXT,  source_done INTEGER NOT NULL DEFAULT 0,  created INTEGER NOT NULL,  updated INTEGER NOT NULL, mtime_ns INTEGER, ino INTEGER);
INSERT INTO files VALUES(1,'expected-shipments','@T@/wms-outbound/expected-shipments-bad.csv','expected-shipments-bad.csv',191,1795982476,'6e932cda34ac092c6852e72176d43f830953a36324e5507fa7513cbfe100dd6a','expected-shipment','rejected',0,0,NULL,'@T@/work/spool/objects/6e932cda34ac092c6852e72176d43f830953a36324e5507fa7513cbfe100dd6a','{"format":"expected-shipment","valid":false,"rows":3,"pallets":0,"items":0,"shipment_count":2,"shipment_ids":["SHP-0001850","SHP-0001852"],"errors":[{"line":3,"class":"ragged_row","field":"","message":"the row has 6 fields, the header has 5"},{"line":4,"class":"missing_required","field":"order_number","message":"required field ''order_number'' is empty"},{"line":4,"class":"bad_quantity","field":"quantity","message":"''2.5'' is not a whole number written in digits only"}],"error_count":3,"warnings":[]}',1,1795986077,1795986077,1795982476947718521,10960914);
INSERT INTO files VALUES(2,'expected-shipments','@T@/wms-outbound/expected-shipments-20261124-0600.csv','expected-shipments-20261124-0600.csv',238,1795982476,'7361b08780358335848dd65f5865e85411388e6ba09258f808095297ac1b80de','expected-shipment','done',0,0,NULL,'@T@/work/spool/objects/7361b08780358335848dd65f5865e85411388e6ba09258f808095297ac1b80de','{"format":"expected-shipment","valid":true,"rows":2,"pallets":0,"items":0,"shipment_count":1,"shipment_ids":["0004471"],"errors":[],"error_count":0,"warnings":[]}',1,1795986077,1795986077,1795982476947718521,10960910);
INSERT INTO files VALUES(3,'expected-shipments','@T@/wms-outbound/expected-shipments-20261123-0800.csv','expected-shipments-20261123-0800.csv',611,1795982476,'0b5d5231a00f4e669e3a81da0050156e3fceaa2bba75c1710daa564caa136bac','expected-shipment','done',0,0,NULL,'@T@/work/spool/objects/0b5d5231a00f4e669e3a81da0050156e3fceaa2bba75c1710daa564caa136bac','{"format":"expected-shipment","valid":true,"rows":3,"pallets":7,"items":0,"shipment_count":2,"shipment_ids":["SHP-0001842","SHP-0001843"],"errors":[],"error_count":0,"warnings":[]}',1,1795986077,1795986077,1795982476947718521,10960909);
INSERT INTO files VALUES(4,'end-of-shipment','@T@/kargo-outbox/eos-SHP-0001842.csv','eos-SHP-0001842.csv',448,1795982476,'3b284f96e9be131f00ab1823a22cfb8be3c0411cc3605c9e166bb166cd172506','eos-csv','done',0,0,NULL,'@T@/work/spool/objects/3b284f96e9be131f00ab1823a22cfb8be3c0411cc3605c9e166bb166cd172506','{"format":"eos-csv","valid":true,"rows":3,"pallets":3,"items":0,"shipment_count":1,"shipment_ids":["SHP-0001842"],"errors":[],"error_count":0,"warnings":[]}',1,1795986077,1795986077,1795982476947718521,10960907);
INSERT INTO files VALUES(5,'end-of-shipment','@T@/kargo-outbox/asn-SHP-0001843.edi','asn-SHP-0001843.edi',375,1795982476,'f476432b09e20aca5b963b8bcbfa634df528b574063dace826328bf77503626f','x12-856','done',0,0,NULL,'@T@/work/spool/objects/f476432b09e20aca5b963b8bcbfa634df528b574063dace826328bf77503626f','{"format":"x12-856","valid":true,"rows":1,"pallets":1,"items":1,"shipment_count":1,"shipment_ids":["SHP-0001843"],"errors":[],"error_count":0,"warnings":[]}',1,1795986077,1795986077,1795982476947718521,10960906);
CREATE TABLE deliveries (  id INTEGER PRIMARY KEY,  file_id INTEGER NOT NULL REFERENCES files(id),  dest TEXT NOT NULL,  final_path TEXT,  state TEXT NOT NULL,  resend INTEGER NOT NULL DEFAULT 0,  updated INTEGER NOT NULL);
INSERT INTO deliveries VALUES(1,2,'kargo-intake','@T@/kargo-intake/expected-shipments-20261124-0600.csv','delivered',0,1795986077);
INSERT INTO deliveries VALUES(2,3,'kargo-intake','@T@/kargo-intake/expected-shipments-20261123-0800.csv','delivered',0,1795986077);
INSERT INTO deliveries VALUES(3,4,'wms-inbound','@T@/wms-inbound/eos-SHP-0001842.csv','delivered',0,1795986077);
INSERT INTO deliveries VALUES(4,4,'wms-archive','@T@/wms-archive/eos-SHP-0001842.csv','delivered',0,1795986077);
INSERT INTO deliveries VALUES(5,5,'wms-inbound','@T@/wms-inbound/asn-SHP-0001843.edi','delivered',0,1795986077);
INSERT INTO deliveries VALUES(6,5,'wms-archive','@T@/wms-archive/asn-SHP-0001843.edi','delivered',0,1795986077);
CREATE TABLE events (  id INTEGER PRIMARY KEY,  file_id INTEGER,  ts INTEGER NOT NULL,  event TEXT NOT NULL,  detail TEXT);
INSERT INTO events VALUES(1,1,1795986077050,'staged','bytes=191 sha256=6e932cda34ac092c6852e72176d43f830953a36324e5507fa7513cbfe100dd6a');
INSERT INTO events VALUES(2,2,1795986077050,'staged','bytes=238 sha256=7361b08780358335848dd65f5865e85411388e6ba09258f808095297ac1b80de');
INSERT INTO events VALUES(3,3,1795986077050,'staged','bytes=611 sha256=0b5d5231a00f4e669e3a81da0050156e3fceaa2bba75c1710daa564caa136bac');
INSERT INTO events VALUES(4,1,1795986077052,'rejected','format=expected-shipment rows=3 errors=3');
INSERT INTO events VALUES(5,2,1795986077053,'validated','format=expected-shipment rows=2 errors=0');
INSERT INTO events VALUES(6,3,1795986077053,'validated','format=expected-shipment rows=3 errors=0');
INSERT INTO events VALUES(7,2,1795986077055,'delivered','dest=kargo-intake path=@T@/kargo-intake/expected-shipments-20261124-0600.csv');
INSERT INTO events VALUES(8,3,1795986077055,'delivered','dest=kargo-intake path=@T@/kargo-intake/expected-shipments-20261123-0800.csv');
INSERT INTO events VALUES(9,2,1795986077055,'all_delivered',NULL);
INSERT INTO events VALUES(10,3,1795986077055,'all_delivered',NULL);
INSERT INTO events VALUES(11,1,1795986077056,'source_finished','after=archive path=@T@/wms-outbound/sent/expected-shipments-bad.csv');
INSERT INTO events VALUES(12,2,1795986077057,'source_finished','after=archive path=@T@/wms-outbound/sent/expected-shipments-20261124-0600.csv');
INSERT INTO events VALUES(13,3,1795986077058,'source_finished','after=archive path=@T@/wms-outbound/sent/expected-shipments-20261123-0800.csv');
INSERT INTO events VALUES(14,4,1795986077060,'staged','bytes=448 sha256=3b284f96e9be131f00ab1823a22cfb8be3c0411cc3605c9e166bb166cd172506');
INSERT INTO events VALUES(15,5,1795986077060,'staged','bytes=375 sha256=f476432b09e20aca5b963b8bcbfa634df528b574063dace826328bf77503626f');
INSERT INTO events VALUES(16,4,1795986077060,'validated','format=eos-csv rows=3 errors=0');
INSERT INTO events VALUES(17,5,1795986077061,'validated','format=x12-856 rows=1 errors=0');
INSERT INTO events VALUES(18,4,1795986077063,'delivered','dest=wms-inbound path=@T@/wms-inbound/eos-SHP-0001842.csv');
INSERT INTO events VALUES(19,5,1795986077063,'delivered','dest=wms-inbound path=@T@/wms-inbound/asn-SHP-0001843.edi');
INSERT INTO events VALUES(20,4,1795986077065,'delivered','dest=wms-archive path=@T@/wms-archive/eos-SHP-0001842.csv');
INSERT INTO events VALUES(21,5,1795986077065,'delivered','dest=wms-archive path=@T@/wms-archive/asn-SHP-0001843.edi');
INSERT INTO events VALUES(22,4,1795986077065,'all_delivered',NULL);
INSERT INTO events VALUES(23,5,1795986077065,'all_delivered',NULL);
INSERT INTO events VALUES(24,4,1795986077065,'source_finished','after=delete');
INSERT INTO events VALUES(25,5,1795986077066,'source_finished','after=delete');
CREATE TABLE shipments (  shipment_id TEXT NOT NULL,  file_id INTEGER NOT NULL,  PRIMARY KEY (shipment_id, file_id)) WITHOUT ROWID;
INSERT INTO shipments VALUES('0004471',2);
INSERT INTO shipments VALUES('SHP-0001842',3);
INSERT INTO shipments VALUES('SHP-0001842',4);
INSERT INTO shipments VALUES('SHP-0001843',3);
INSERT INTO shipments VALUES('SHP-0001843',5);
INSERT INTO shipments VALUES('SHP-0001850',1);
INSERT INTO shipments VALUES('SHP-0001852',1);
CREATE TABLE routes (  route TEXT PRIMARY KEY,  last_cycle INTEGER,  last_ok INTEGER,  last_error TEXT, failures INTEGER NOT NULL DEFAULT 0, skipped TEXT);
INSERT INTO routes VALUES('expected-shipments',1795986077,1795986077,NULL,0,'');
INSERT INTO routes VALUES('end-of-shipment',1795986077,1795986077,NULL,0,'');
CREATE TABLE mailboxes (  route TEXT NOT NULL,  mailbox TEXT NOT NULL,  uidvalidity INTEGER NOT NULL,  last_uid INTEGER NOT NULL,  PRIMARY KEY (route, mailbox));
CREATE TABLE remotes (  remote TEXT PRIMARY KEY,  last_attempt INTEGER NOT NULL,  last_ok INTEGER,  failures INTEGER NOT NULL DEFAULT 0,  last_error TEXT);
CREATE INDEX files_due ON files(route, state, next_attempt);
CREATE INDEX files_created ON files(created);
CREATE INDEX deliveries_file ON deliveries(file_id);
CREATE INDEX events_file ON events(file_id);
CREATE INDEX files_content ON files(route, name, sha256);
CREATE UNIQUE INDEX files_identity ON files(route, source_uri, size, mtime,   ifnull(mtime_ns, 0), ifnull(ino, 0));
COMMIT;
PRAGMA user_version = 4;
