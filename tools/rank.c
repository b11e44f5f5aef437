/*
 * rank: which regions matter most. Filters, sorts and groups records by
 * column name; columns it does not know pass through.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static const char help[] =
"usage: rank [options] [FILE...]\n"
"\n"
"Read records (region records from memmap, or any record kind) from the\n"
"files or stdin, keep those that match every --where, and print the top N\n"
"by a numeric column, biggest first.\n"
"\n"
"  -n N            keep the top N records (default 10; 0 keeps all)\n"
"  --by COL        the numeric column to sort by (default: the record\n"
"                  kind's figure: rss for regions and summaries, inuse for\n"
"                  chunks, count for scan --top, stack_rss for threads,\n"
"                  bytes for objects, delta for snapdiff's records)\n"
"  --asc           smallest first\n"
"  --where EXPR    keep records where EXPR holds; repeat to combine (and):\n"
"                    col=val  col!=val  col~substring  col>N  col<N\n"
"                  N may carry a binary unit: 512K, 100M, 2G, 1T\n"
"  --group-by COL  one record per value of COL: 'count' records, and every\n"
"                  numeric column summed (sizes, rss, swap...)\n"
"  --tsv, --json, --table   output format (default: table on a terminal,\n"
"                  TSV otherwise)\n"
"  -h, --help      this text;  --version   the version\n"
"\n"
"Input without a header line (after grep) is read as region records.\n"
"Records with '-' in the --by column sort last.\n"
"\n"
"Examples:\n"
"  memmap 4242 | rank -n 3                       three most resident regions\n"
"  memmap 4242 | rank --where kind=anon --where 'rss>64M'\n"
"  memmap 4242 | rank --group-by name -n 5        per-library totals\n"
"  memmap 4242 | rank --group-by kind --by swap   what is swapped, by kind\n"
"\n"
"Exit status: 0 done, 1 partial (bad lines skipped), 2 failed, 64 usage.\n";

struct where {
	struct fx_filter *f;
	size_t n;
};

/* Bind filters to the current header; exits when a column is unknown. */
static void bind_filters(struct where *wh, const struct fx_reader *rd,
			 const char *what)
{
	size_t i;

	for (i = 0; i < wh->n; i++) {
		wh->f[i].idx = fx_reader_col(rd, wh->f[i].col);
		if (wh->f[i].idx < 0) {
			tool_warn("%s: no column '%s' for --where", what,
				  wh->f[i].col);
			exit(EXIT_FAILED);
		}
	}
}

/* Feed one input to the ranking; returns 0, 1 (bad lines) or 2 (fatal). */
static int feed(struct fx_rank *k, struct where *wh, int fd, const char *what,
		struct fx_buf *scratch)
{
	struct fx_reader rd;
	struct fx_err err = { 0, "" };
	int r, status = 0;
	size_t i;

	if (fx_reader_init(&rd, fd, fx_region_cols, fx_region_ncols))
		return 2;
	while ((r = fx_reader_next(&rd)) != 0) {
		if (r == -EBADMSG) {
			tool_warn("%s: line %lu: %s", what, rd.err.line,
				  rd.err.msg);
			status = 1;
			if (rd.err.line == 0)
				break;
			continue;
		}
		if (r < 0) {
			tool_warn("cannot read '%s': %s", what, strerror(-r));
			status = 2;
			break;
		}
		if (rd.hdr_changed) {
			bind_filters(wh, &rd, what);
			if (fx_rank_columns(k, rd.hdr, rd.nhdr, &err)) {
				tool_warn("%s: %s", what, err.msg);
				status = 2;
				break;
			}
		}
		for (i = 0; i < wh->n; i++)
			if (!fx_filter_match(&wh->f[i], rd.f, scratch))
				break;
		if (i < wh->n)
			continue;
		r = fx_rank_add(k, rd.f, rd.nf);
		if (r == -EINVAL) {
			tool_warn("%s: line %lu: '%s' is not a number", what,
				  rd.lineno, k->by);
			status = 1;
		} else if (r) {
			tool_warn("out of memory");
			status = 2;
			break;
		}
	}
	fx_reader_release(&rd);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "asc", no_argument, NULL, 'a' },
		{ "where", required_argument, NULL, 'w' },
		{ "group-by", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	enum fx_format fmt = tool_default_format();
	const char *by = NULL, *group = NULL;
	/* Static: the usage errors and --help exit() with it held. */
	static struct where wh;
	struct fx_err err = { 0, "" };
	struct fx_buf scratch;
	struct fx_writer w;
	struct fx_rank k;
	size_t limit = 10, i;
	int c, asc = 0, status = 0, s, opened = 0;

	tool_init("rank");
	wh.f = calloc((size_t)argc, sizeof(*wh.f));
	if (!wh.f)
		return EXIT_FAILED;
	while ((c = getopt_long(argc, argv, ":n:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'n': limit = tool_parse_ulong("-n", optarg); break;
		case 'b': by = optarg; break;
		case 'a': asc = 1; break;
		case 'g': group = optarg; break;
		case 'w':
			if (fx_filter_parse(&wh.f[wh.n], optarg))
				tool_usage_error("bad --where '%s': use col=val, "
						 "col!=val, col~sub, col>N or "
						 "col<N", optarg);
			wh.n++;
			break;
		case 'h': tool_help(help);
		case 'V': puts("rank " FX_VERSION); return EXIT_DONE;
		default:
			if (c >= 0x100 && c <= 0x100 + FX_FMT_TABLE) {
				fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_bad_option(c, argv, lopts);
		}
	}
	if (fx_rank_init(&k, by, asc, limit, group)) {
		tool_warn("out of memory");
		return EXIT_FAILED;
	}
	fx_buf_init(&scratch);
	if (optind == argc) {
		status = feed(&k, &wh, STDIN_FILENO, "stdin", &scratch);
	} else {
		for (i = (size_t)optind; i < (size_t)argc; i++) {
			int fd = strcmp(argv[i], "-") == 0 ?
					 STDIN_FILENO :
					 open(argv[i], O_RDONLY | O_CLOEXEC);

			if (fd < 0) {
				tool_warn("cannot open '%s': %s", argv[i],
					  strerror(errno));
				if (status < 1)
					status = 1;
				continue;
			}
			opened++;
			s = feed(&k, &wh, fd, argv[i], &scratch);
			if (s > status)
				status = s;
			if (fd != STDIN_FILENO)
				close(fd);
		}
	}
	if (optind < argc && !opened)
		status = 2;
	fx_writer_init(&w, STDOUT_FILENO, fmt);
	if (status < 2) {
		s = fx_rank_write(&k, &w, &err);
		if (s == -ENOENT || s == -ENODATA) {
			tool_warn("%s", err.msg);
			status = 2;
		} else if (s && s != -EPIPE) {
			status = 2;
		}
	}
	status = tool_finish(&w, status);
	fx_writer_release(&w);
	fx_rank_release(&k);
	for (i = 0; i < wh.n; i++)
		fx_filter_release(&wh.f[i]);
	free(wh.f);
	fx_buf_release(&scratch);
	return status;
}
