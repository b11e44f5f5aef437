/*
 * snapdiff: what changed between two captures of one record kind (region
 * records, chunk histograms, scan --top histograms, thread lists, classify
 * summaries). The engine is libforensic/diff.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "tool.h"

static const char help[] =
"usage: snapdiff [options] OLD NEW\n"
"\n"
"Compare two captures of one kind of record and print what changed,\n"
"biggest growth first: delta old new status, then the key columns.\n"
"\n"
"  made by             kind              key                  default --by\n"
"  memmap, classify    region records    pid start            rss\n"
"  classify --chunks   chunk histogram   pid arena size type  inuse\n"
"  scan --top          top histogram     enc text             count\n"
"  classify --threads  thread list       pid tid              stack_rss\n"
"  classify --summary  summary           pid class category   rss\n"
"  classify --objects  object histogram  pid class            bytes\n"
"\n"
"A region is matched by pid and start, else by pid and end (a stack grows\n"
"down); one whose bounds moved is grown or shrunk. delta is |new - old|;\n"
"status says which way: new, gone, grown, shrunk, same. Captures of\n"
"different pids are said to be so on stderr (their records match nothing),\n"
"as are captures of one pid with two starttimes (another process got its\n"
"pid: its records are compared as if they were the first's).\n"
"\n"
"  --by COL         the numeric column compared (sizes, counts...)\n"
"  --group-by COL   sum both captures by COL first (class, name, kind...):\n"
"                   regions that split or merged still add up\n"
"  --min-delta N    leave out changes smaller than N (512K, 100M, 2G...)\n"
"  --all            also list records that did not change\n"
"  -n N             at most N records (default all)\n"
"  --tsv, --json, --table   output format (default: table on a terminal,\n"
"                   TSV otherwise); the table shows signs and a total row\n"
"  -h, --help       this text;  --version   the version\n"
"\n"
"Examples:\n"
"  classify --chunks 4242 > a.tsv; sleep 600; classify --chunks 4242 > b.tsv\n"
"  snapdiff a.tsv b.tsv                     which chunk sizes grew\n"
"  snapdiff --group-by class c1.tsv c2.tsv  resident bytes by class\n"
"  snapdiff --by size --min-delta 1M m1.tsv m2.tsv   mappings that grew\n"
"  snapdiff t1.tsv t2.tsv | rank --where status=new  threads started\n"
"\n"
"Exit status: 0 done, 2 failed (unreadable, malformed or mismatched\n"
"captures), 64 usage.\n";

/* Read capture `path` as side s; exits 2 with one line on failure. */
static void load(struct fx_diff *d, enum fx_diff_side s, const char *path)
{
	struct fx_err err = { 0, "" };
	char where[32] = "";
	const char *what, *hint = "";
	int fd, r;

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO :
				       open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tool_warn("cannot open '%s': %s", path, strerror(errno));
		exit(EXIT_FAILED);
	}
	r = fx_diff_load(d, s, fd, &err);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!r)
		return;
	if (err.line)
		snprintf(where, sizeof(where), "line %lu: ", err.line);
	what = r == -EINVAL || r == -ENOENT || r == -EDOM ? "compare" : "read";
	if (r == -EBADMSG)
		hint = " (a truncated or damaged capture: take it again)";
	else if (r == -EDOM)
		hint = " (choose a numeric column with --by)";
	else if (r == -ENOENT)
		hint = " (the capture's first line names its columns)";
	tool_warn("cannot %s '%s': %s%s%s", what, path, where, err.msg, hint);
	exit(EXIT_FAILED);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "group-by", required_argument, NULL, 'g' },
		{ "min-delta", required_argument, NULL, 'm' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct fx_diff_show show = { 0 };
	enum fx_format fmt = tool_default_format();
	const char *by = NULL, *group = NULL;
	struct fx_writer w;
	struct fx_diff d;
	char msg[256];
	int c, r, status;

	tool_init("snapdiff");
	while ((c = getopt_long(argc, argv, ":n:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'n': show.limit = tool_parse_ulong("-n", optarg); break;
		case 'b': by = optarg; break;
		case 'g': group = optarg; break;
		case 'a': show.same = 1; break;
		case 'm':
			if (fx_parse_u64(optarg, &show.min_delta, 1))
				tool_usage_error("invalid value '%s' for "
						 "--min-delta: use a number, "
						 "e.g. 4096, 512K, 1G", optarg);
			break;
		case 'h': tool_help(help);
		case 'V': puts("snapdiff " FX_VERSION); return EXIT_DONE;
		default:
			if (c >= 0x100 && c <= 0x100 + FX_FMT_TABLE) {
				fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_bad_option(c, argv, lopts);
		}
	}
	if (argc - optind != 2)
		tool_usage_error("need two captures, OLD and NEW");
	if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
		tool_usage_error("only one of OLD and NEW can be stdin");
	if (fx_diff_init(&d, by, group)) {
		tool_warn("out of memory");
		return EXIT_FAILED;
	}
	load(&d, FX_DIFF_OLD, argv[optind]);
	load(&d, FX_DIFF_NEW, argv[optind + 1]);
	fx_writer_init(&w, STDOUT_FILENO, fmt);
	w.no_totals = 1;	/* the diff's own total row says more */
	status = EXIT_DONE;
	if (fx_diff_other_process(&d, msg, sizeof(msg)))
		tool_warn("%s", msg);
	r = fx_diff_write(&d, &w, &show);
	if (r == -ENOMEM) {
		tool_warn("out of memory");
		status = EXIT_FAILED;
	}
	status = tool_finish(&w, status);
	if (fmt == FX_FMT_TABLE && !show.shown && status == EXIT_DONE)
		fprintf(stderr, "snapdiff: no change%s\n",
			show.min_delta ? " of at least --min-delta" : "");
	fx_writer_release(&w);
	fx_diff_release(&d);
	return status;
}
