/*
 * scan: what text and patterns are in memory, and what repeats. Hit
 * records, or a --top histogram (columns in DESIGN.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"
#include "source.h"
#include "tool.h"

static const char help[] =
"usage: scan [options] [PATH...] [< REGION-RECORDS]\n"
"\n"
"Find strings and byte patterns in process memory, live or dumped, and\n"
"count what repeats. Input: region records on stdin (from memmap, rank or\n"
"dump-region: live memory of their pid, or the file named in their 'file'\n"
"column), and PATHs: a dump directory (its regions.tsv), an ELF core, or\n"
"a raw file of bytes at --base (a pid is not a PATH: memmap PID | scan).\n"
"Live memory is read without stopping the\n"
"process, present pages only: its RSS does not grow.\n"
"\n"
"  --strings       find strings (the default without patterns)\n"
"  -n MIN          strings of at least MIN characters (default 6)\n"
"  --enc LIST      string encodings, comma-separated (default ascii):\n"
"                  ascii (as GNU strings -a), utf8 (multi-byte text too),\n"
"                  utf16le (as strings -e l: Java, Windows)\n"
"  -e LITERAL      find these bytes;  -x HEX  hex bytes: 'de ad ?? ef'\n"
"  -r REGEX        a regular expression (Vectorscan/PCRE syntax)\n"
"  -f FILE         patterns, one a line: a literal, or hex:... or re:...\n"
"  -i              literals and regexes ignore case\n"
"  --top N         a histogram of identical texts instead of hits: the N\n"
"                  most frequent (0: all), as 'count bytes enc text'\n"
"  --min-count N   --top: only texts seen at least N times\n"
"  --with-code     --top: also count in code and read-only file mappings\n"
"                  (perms with x, or a file without w: libraries' machine\n"
"                  code and tables), which --top skips in region records\n"
"                  (live, or a dump directory's regions.tsv) and cores\n"
"  --context N     add N bytes before and after each hit\n"
"  --base ADDR     address of the first byte of raw files (default 0)\n"
"  --include-dontdump  read MADV_DONTDUMP regions of live processes too\n"
"  -j, --threads N threads (default: the number of CPUs)\n"
"  -v, --verbose   say what was skipped, and the bytes and time scanned\n"
"  --tsv, --json, --table   output format (default: table on a terminal,\n"
"                  TSV otherwise)\n"
"  -h, --help      this text;  --version   the version\n"
"\n"
"Hit records: pid addr region_start enc len starttime text (enc: ascii,\n"
"utf8, utf16le, literal, hex, regex; len in bytes of memory; starttime the\n"
"process's, stat field 22, '-' in a core). Strings and matches do not run\n"
"across absent pages or region ends. Live region records with a starttime\n"
"are read only from the process that started then (a reused pid: said).\n"
"\n"
"Examples:\n"
"  memmap 4242 | scan --strings --top 20        what repeats in a process\n"
"  memmap 4242 | rank --where kind=heap | scan -e '$UNKNOWN'\n"
"  scan --strings --enc ascii,utf16le case-17/  strings of a dump\n"
"  scan -x 'ca fe ba be' --base 0x7f0000000000 mem.bin\n"
"  scan -r 'session=[0-9a-f]{32}' --top 10 core.4242\n"
"\n"
"Notes: a dump directory is untrusted input. The files its regions.tsv\n"
"names must be regular files inside it: an absolute name, '..', a\n"
"symbolic link anywhere on the path, a FIFO, a device or a directory is\n"
"refused, and its region is a hole; a file shorter than its region leaves\n"
"a hole, one longer is read up to the region's end. A core's segments\n"
"whose bytes lie past the end of the file are holes. Each is said on\n"
"stderr and makes the exit status 1. A FIFO or device named as a PATH is\n"
"not opened; records on stdin may name any regular file.\n"
"\n"
"Exit status: 0 done, 1 partial (some input or process unreadable),\n"
"2 failed, 64 usage.\n";

struct out {
	struct fx_writer w;
	int context;
};

static int write_hit(void *arg, const struct fx_hit *h)
{
	struct out *o = arg;

	return fx_hit_write(&o->w, h, o->context);
}

static int render_tsv(void *arg, const struct fx_hit *h, struct fx_buf *b)
{
	return fx_hit_tsv(b, h, *(const int *)arg);
}

/* TSV rows rendered by the workers go straight out (after the header). */
static int write_raw(void *arg, const char *p, size_t len)
{
	(void)arg;
	return fx_write_all(STDOUT_FILENO, p, len);
}

static int write_header(const char *const *cols, size_t n)
{
	char line[256] = "";
	size_t i;

	for (i = 0; i < n; i++) {
		strcat(line, cols[i]);
		strcat(line, i + 1 < n ? "\t" : "\n");
	}
	return write_raw(NULL, line, strlen(line));
}

static void add_pattern(struct fx_patset *ps, unsigned int enc,
			const char *pat, int caseless)
{
	struct fx_err err = { 0, "" };
	struct fx_buf b;
	int fd, r;

	if (enc) {
		r = fx_patset_add(ps, enc, pat, strlen(pat), caseless, &err);
	} else {
		fx_buf_init(&b);
		fd = open(pat, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (r = fx_buf_read_fd(&b, fd)) != 0) {
			tool_warn("cannot read '%s': %s", pat, strerror(errno));
			exit(EXIT_FAILED);
		}
		close(fd);
		r = fx_patset_add_file(ps, b.data ? b.data : "", b.len,
				       caseless, &err);
		fx_buf_release(&b);
		if (r == -EINVAL)
			tool_usage_error("%s: line %lu: %s", pat, err.line,
					 err.msg);
	}
	if (r == -EINVAL)
		tool_usage_error("%s", err.msg);
	if (r)
		exit(EXIT_FAILED);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "strings", no_argument, NULL, 'S' },
		{ "enc", required_argument, NULL, 'E' },
		{ "top", required_argument, NULL, 'T' },
		{ "min-count", required_argument, NULL, 'M' },
		{ "with-code", no_argument, NULL, 'W' },
		{ "context", required_argument, NULL, 'C' },
		{ "base", required_argument, NULL, 'B' },
		{ "include-dontdump", no_argument, NULL, 'D' },
		{ "threads", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const struct fx_reckind *kind;
	struct fx_scan_conf conf = { 0, 6, NULL, 0 };
	enum fx_format fmt = tool_default_format();
	unsigned int enc = FX_ENC_ASCII;
	uint64_t base = 0, min_count = 1;
	struct fx_scan_stats st = { 0, 0, 0, 0 };
	struct fx_err err = { 0, "" };
	struct fx_patset *ps;
	struct fx_source src;
	struct fx_top *top = NULL;
	struct fx_scan_out raw;
	struct out o;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c, i, strings = 0, caseless = 0, verbose = 0, r, status;
	int threads = ncpu > 0 ? (int)ncpu : 1, use_stdin;
	size_t limit = 0;
	char **pats = calloc((size_t)argc, sizeof(char *));
	unsigned int *kinds = calloc((size_t)argc, sizeof(unsigned int));
	int npats = 0;

	tool_init("scan");
	ps = fx_patset_new();
	if (!pats || !kinds || !ps)
		return EXIT_FAILED;
	fx_source_init(&src);
	while ((c = getopt_long(argc, argv, ":n:e:x:r:f:ij:vhV", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'S': strings = 1; break;
		case 'n':
			conf.min_len = tool_parse_ulong("-n", optarg);
			if (conf.min_len < 1)
				tool_usage_error("-n must be at least 1");
			break;
		case 'E':
			if (fx_enc_parse(optarg, &enc))
				tool_usage_error("bad --enc '%s': use ascii, "
						 "utf8, utf16le", optarg);
			break;
		case 'e': kinds[npats] = FX_ENC_LITERAL; pats[npats++] = optarg; break;
		case 'x': kinds[npats] = FX_ENC_HEX; pats[npats++] = optarg; break;
		case 'r': kinds[npats] = FX_ENC_REGEX; pats[npats++] = optarg; break;
		case 'f': kinds[npats] = 0; pats[npats++] = optarg; break;
		case 'i': caseless = 1; break;
		case 'T':
			limit = tool_parse_ulong("--top", optarg);
			top = fx_top_new();
			src.skip_code = src.skip_code >= 0;
			break;
		case 'W': src.skip_code = -1; break;
		case 'M': min_count = tool_parse_ulong("--min-count", optarg); break;
		case 'C':
			conf.context = tool_parse_ulong("--context", optarg);
			if (conf.context > 4096)
				tool_usage_error("--context is at most 4096");
			break;
		case 'B':
			if (fx_parse_u64(optarg, &base, 0))
				tool_usage_error("bad --base '%s'", optarg);
			break;
		case 'D': src.include_dd = 1; break;
		case 'j':
			threads = (int)tool_parse_ulong("--threads", optarg);
			if (threads < 1 || threads > 256)
				tool_usage_error("--threads: 1 to 256");
			break;
		case 'v': verbose = 1; break;
		case 'h': tool_help(help);
		case 'V': puts("scan " FX_VERSION); return EXIT_DONE;
		default:
			if (c >= 0x100 && c <= 0x100 + FX_FMT_TABLE) {
				fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_bad_option(c, argv, lopts);
		}
	}
	src.skip_code = src.skip_code > 0;	/* -1: --with-code */
	for (i = 0; i < npats; i++)
		add_pattern(ps, kinds[i], pats[i], caseless);
	if (npats) {
		r = fx_patset_compile(ps, &err);
		if (r == -EINVAL)
			tool_usage_error("%s", err.msg);
		if (r == -ELIBACC)
			tool_warn("%s", err.msg);
		if (r)
			return EXIT_FAILED;
		conf.pats = ps;
	}
	if (strings || !npats)
		conf.enc = enc;
	use_stdin = optind == argc || !isatty(STDIN_FILENO);
	if (optind == argc && isatty(STDIN_FILENO))
		tool_usage_error("no input: pipe region records in (memmap PID "
				 "| scan) or give a dump, core or file");

	status = EXIT_DONE;
	for (i = optind; i < argc; i++) {
		int pid;
		unsigned long long pin;

		/* A pid where a path goes: say how to scan a process. */
		if (access(argv[i], F_OK) && !fx_pid_parse(argv[i], &pid, &pin))
			tool_usage_error("'%s' is a pid, not a dump or file: scan "
					 "a process through its regions: memmap "
					 "%s | scan ...", argv[i], argv[i]);
		r = fx_source_add_path(&src, argv[i], base);
		if (r == -ENOMEM)
			return EXIT_FAILED;
		if (r) {
			tool_warn("%s", src.err.msg);
			status = EXIT_PARTIAL;
		}
	}
	if (use_stdin) {
		r = fx_source_add_records(&src, STDIN_FILENO, NULL);
		if (r == -EINVAL) {
			/* Not region records (memmap --rollup's totals, or
			 * no start and end): refused, nothing scanned, as
			 * dump-region refuses them. */
			tool_warn("stdin: line %lu: %s", src.err.line,
				  src.err.msg);
			return EXIT_FAILED;
		} else if (r == -EBADMSG) {
			tool_warn("stdin: line %lu: %s", src.err.line,
				  src.err.msg);
			status = EXIT_PARTIAL;
		} else if (r) {
			tool_warn("cannot read stdin: %s", strerror(-r));
			return EXIT_FAILED;
		}
	}
	if (fx_source_resolve(&src))
		return EXIT_FAILED;

	memset(&o, 0, sizeof(o));
	o.context = conf.context > 0;
	fx_writer_init(&o.w, STDOUT_FILENO, fmt);
	kind = fx_reckind(top ? FX_REC_TOP :
			  o.context ? FX_REC_HIT_CONTEXT : FX_REC_HIT);
	r = fx_writer_columns(&o.w, kind->cols, kind->ncols);
	if (r)
		return EXIT_FAILED;
	if (!top && fmt == FX_FMT_TSV && src.n) {
		/* Hit records in TSV: rendered by the scanning threads. */
		raw.render = render_tsv;
		raw.write = write_raw;
		raw.arg = &o.context;
		r = write_header(kind->cols, kind->ncols);
		r = r ? r : fx_source_scan(&src, &conf, threads, NULL, NULL,
					   &raw, NULL, &st);
	} else {
		r = fx_source_scan(&src, &conf, threads, write_hit, &o, NULL,
				   top, &st);
	}
	if (!r && top)
		r = fx_top_write(top, &o.w, min_count, limit);
	if (verbose)
		tool_warn_lines(src.notes.data);
	tool_warn_lines(fx_source_warnings(&src));
	if (src.failures)
		status = src.n ? EXIT_PARTIAL : EXIT_FAILED;
	if (r == -ENOMEM) {
		tool_warn("out of memory");
		status = EXIT_FAILED;
	} else if (r && r != -EPIPE) {
		tool_warn("scan failed: %s", strerror(-r));
		status = EXIT_FAILED;
	}
	if (verbose)
		tool_warn("%llu regions, %llu bytes scanned, %llu not present "
			  "or unreadable, in %.3f s (%.0f MB/s, %d threads)",
			  (unsigned long long)st.regions,
			  (unsigned long long)st.bytes,
			  (unsigned long long)st.holes, st.ns / 1e9,
			  st.ns ? st.bytes * 1e3 / st.ns : 0.0, threads);
	status = tool_finish(&o.w, status);
	fx_writer_release(&o.w);
	fx_top_free(top);
	fx_source_release(&src);
	fx_patset_free(ps);
	free(pats);
	free(kinds);
	return status;
}
