/* Parsing and validating the files we carry. One file per format behind a
 * small table of {name, detect, parse}; the pipeline and `validate` call only
 * the functions declared here. Parsers never touch the network or the manifest. */
#ifndef KA_FORMAT_H
#define KA_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../config.h"
#include "../diag.h"

#define PARSE_MAX_ERRORS 100

struct parse_error {
	int64_t line;          /* 1-based line (CSV) or segment number (X12); 0 if none */
	char cls[40];          /* stable class name: ragged_row, bad_quantity, ... */
	char field[64];        /* canonical field or X12 element, "" if none */
	char msg[256];         /* a sentence a user can act on */
};

struct parse_result {
	char format[48];         /* the format actually used (auto resolved) */
	int valid;               /* 1 when there are no errors */
	int64_t rows;            /* data rows (CSV) or transactions (X12) */
	int64_t pallets;         /* pallets (eos: distinct SSCCs, X12: HL level T;
				    expected-shipment: sum of pallet_count) */
	int64_t items;           /* X12: HL level I items (LIN/SN1) */
	int64_t shipments_total; /* distinct shipment ids (shipment_ids keeps the
				    first 1000) */
	char **shipment_ids;     /* distinct shipment ids, in first-seen order */
	size_t nshipments;
	struct parse_error *errors;  /* the first PARSE_MAX_ERRORS errors */
	size_t nerrors_kept;
	int64_t nerrors;         /* all errors, kept or not */
	char **warnings;
	size_t nwarnings;
};

struct formats;   /* built-in formats plus the config's [format NAME] profiles */
struct progress;  /* a progress line (progress.h) */

/* Build the format table from CFG's [format NAME] sections; problems go to D.
 * Returns 0 or -1; *OUT is set either way and freed with formats_free. CFG
 * may be NULL (built-ins only). */
int formats_load(const struct config *cfg, struct formats **out, struct diag *d);
void formats_free(struct formats *f);

/* 1 if NAME is a built-in format or a profile. */
int format_known(const struct formats *f, const char *name);
/* The names format_known accepts, "auto, x12-856, ..., PROFILE", into BUF
 * (cut short when it is full). */
void format_names(const struct formats *f, char *buf, size_t len);
/* Check CFG (read by config_parse) against the formats: each [format NAME]
 * section's keys and values, and every route's format = names a built-in
 * format or a profile; problems go to D as "FILE: [SECTION] KEY: problem".
 * Returns 0 or -1. */
int formats_check_config(const struct config *cfg, struct diag *d);

/* Parse PATH as format NAME ("auto" detects). PG, when not NULL, is told
 * each block read (progress_add). Returns 0 when the file could be read
 * (valid or not: see res->valid), or a negative enum ka_err with err set
 * when it could not be read at all. */
int format_parse_path(const struct formats *f, const char *name, const char *path,
		      struct progress *pg, struct parse_result *res, char *err);
void parse_result_release(struct parse_result *res);

/* The parse summary as one JSON object (format, rows, pallets, shipment_ids,
 * errors, warnings), for the manifest and `--json` output. Caller frees. */
char *parse_result_json(const struct parse_result *res);
/* The human-readable report (written as NAME.errors.txt beside a rejected file
 * and printed by `validate`). */
void parse_result_report(const struct parse_result *res, const char *name, FILE *out);
/* What N units of FORMAT are called: "row"/"rows", for X12 "transaction"/"transactions". */
const char *format_rows_word(const char *format, long long n);

#endif
