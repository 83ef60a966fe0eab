/* tracecat: print an rrkit trace, one line per event.
 *   tracecat [--json] [--header] [TRACE|-]
 * Lines are "EVENTNO TID KIND DETAIL..." (see man/tracecat.1). */
#include "sys/systable.h"
#include "ptrace/sbuf.h"
#include "format/trace.h"
#include "base/opts.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One run: its options, the header's argv (shown with the first exec)
 * and the output buffer. */
struct cat {
	int json, header;
	struct {
		char **argv;
		size_t argc;
		int have;
	} hinfo;
	size_t olen;
	char obuf[1 << 16];
};

/* ---- output: buffered, quiet on a closed pipe ---- */
static void oflush(struct cat *c)
{
	if (!c->olen)
		return;
	int e = rrk_write_all(1, c->obuf, c->olen);
	c->olen = 0;
	if (e == -EPIPE)
		exit(0); /* the reader went away (tracecat | head) */
	if (e < 0) {
		rrk_warn("cannot write output: %s", strerror(-e));
		exit(2);
	}
}

static void oput(struct cat *c, const char *s, size_t n)
{
	for (size_t k; n; s += k, n -= k) {
		if (c->olen == sizeof c->obuf)
			oflush(c);
		k = n < sizeof c->obuf - c->olen ? n : sizeof c->obuf - c->olen;
		memcpy(c->obuf + c->olen, s, k);
		c->olen += k;
	}
}

static void ostr(struct cat *c, const char *s)
{
	oput(c, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void oprintf(struct cat *c, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		oput(c, tmp, (size_t)n);
		return;
	}
	char *big = rrk_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	oput(c, big, (size_t)n);
	free(big);
}

/* a quoted string of any length (text: C escapes; JSON: JSON escapes) */
static void oquote(struct cat *c, const char *s, size_t max, int js)
{
	size_t n = strlen(s);
	size_t cap = (max && max < n ? max : n) * 6 + 16;
	char *b = rrk_xmalloc(cap);
	rrk_quote(b, cap, s, max, js);
	ostr(c, b);
	free(b);
}

/* ---- header ---- */
static char *dupn(const uint8_t *p, size_t n)
{
	char *s = rrk_xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

/* splits NUL-terminated strings; a missing final NUL ends one anyway */
static size_t split(const uint8_t *p, uint32_t len, char ***out)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	uint32_t i = 0;
	while (i < len) {
		uint32_t j = i;
		while (j < len && p[j])
			j++;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			v = rrk_xrealloc(v, cap * sizeof *v);
		}
		v[n++] = dupn(p + i, j - i);
		i = j + 1;
	}
	*out = v;
	return n;
}

/* RRK_H_ARGV (kept for the first exec; a second one is ignored) and
 * RRK_H_ENV (counted). */
static void header_strings(struct cat *c, uint16_t tag, const uint8_t *v, uint32_t len)
{
	char **a;
	size_t n = split(v, len, &a);
	if (tag == RRK_H_ENV) {
		if (c->header)
			oprintf(c, c->json ? ",\"env_count\":%zu" : "# env: %zu variables\n", n);
		for (size_t i = 0; i < n; i++)
			free(a[i]);
		free(a);
		return;
	}
	if (c->hinfo.have) {
		/* a tag appears once; a reader uses the first (trace-format.md) */
		for (size_t i = 0; i < n; i++)
			free(a[i]);
		free(a);
		return;
	}
	c->hinfo.argv = a;
	c->hinfo.argc = n;
	c->hinfo.have = 1;
	if (!c->header)
		return;
	ostr(c, c->json ? ",\"argv\":[" : "# argv:");
	for (size_t i = 0; i < n; i++) {
		ostr(c, c->json ? (i ? "," : "") : " ");
		oquote(c, a[i], 0, c->json);
	}
	ostr(c, c->json ? "]" : "\n");
}

/* The fields that hold text. */
static void header_text(struct cat *c, uint16_t tag, const uint8_t *v, uint32_t len)
{
	static const char *const names[] = {
		[RRK_H_ARCH] = "arch", [RRK_H_RECORDER] = "recorder",
		[RRK_H_OPTIONS] = "options", [RRK_H_CWD] = "cwd",
		[RRK_H_COUNTERS] = "counters", [RRK_H_HOST] = "host",
	};
	char *s = dupn(v, len);
	if (c->json) {
		oprintf(c, ",\"%s\":", names[tag]);
		oquote(c, s, 0, 1);
	} else {
		oprintf(c, "# %s: %s\n", names[tag], s);
	}
	free(s);
}

/* Any other field, for --header. */
static void header_field(struct cat *c, uint16_t tag, const uint8_t *v, uint32_t len)
{
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	if (len >= 4)
		memcpy(&u32, v, 4);
	if (len >= 8)
		memcpy(&u64, v, 8);
	switch (tag) {
	case RRK_H_ARCH:
	case RRK_H_RECORDER:
	case RRK_H_OPTIONS:
	case RRK_H_CWD:
	case RRK_H_COUNTERS:
	case RRK_H_HOST:
		header_text(c, tag, v, len);
		break;
	case RRK_H_CPU:
		if (len >= 4)
			oprintf(c, c->json ? ",\"cpu\":%u" : "# cpu: %u\n", u32);
		break;
	case RRK_H_FLAGS:
		if (len < 4)
			break;
		if (c->json) {
			oprintf(c, ",\"flags\":%u", u32);
			break;
		}
		oprintf(c, "# flags: %#x", u32);
		if (u32 & RRK_HF_CPUID_TRAPPED)
			ostr(c, " cpuid-trapped");
		if (u32 & RRK_HF_TSC_TRAPPED)
			ostr(c, " tsc-trapped");
		ostr(c, "\n");
		break;
	case RRK_H_START:
		if (len >= 8)
			oprintf(c, c->json ? ",\"start_ns\":%llu" : "# start: %llu ns since the epoch\n",
				(unsigned long long)u64);
		break;
	case RRK_H_SYSBUF:
		if (len < 4)
			break;
		if (c->json)
			oprintf(c, ",\"syscallbuf\":%u", u32);
		else if (u32)
			oprintf(c, "# syscall buffer: protocol %u\n", u32);
		else
			ostr(c, "# syscall buffer: off\n");
		break;
	case RRK_H_TRAPS: {
		struct rrk_hdr_traps m;
		if (len < sizeof m)
			break;
		memcpy(&m, v, sizeof m);
		if (!rrk_mech_text(m.rdtsc) || !rrk_mech_text(m.cpuid))
			break;
		if (c->json)
			oprintf(c, ",\"rdtsc\":\"%s\",\"cpuid\":\"%s\"", rrk_mech_name(m.rdtsc),
				rrk_mech_name(m.cpuid));
		else
			oprintf(c, "# rdtsc, rdtscp: %s\n# cpuid: %s\n", rrk_mech_text(m.rdtsc),
				rrk_mech_text(m.cpuid));
		break;
	}
	case RRK_H_CPU_LEVEL:
		if (len < 4)
			break;
		if (c->json)
			oprintf(c, ",\"cpu_features\":\"%s\"", u32 ? "baseline" : "host");
		else
			oprintf(c, "# cpu features: %s\n", u32 ? "baseline (x86-64-v2)" : "host");
		break;
	case RRK_H_CPUID:
		oprintf(c, c->json ? ",\"cpuid_leaves\":%zu" : "# cpuid: %zu leaves\n",
			(size_t)len / sizeof(struct rrk_cpuid_leaf));
		break;
	default:
		break;
	}
}

static void print_header(struct cat *c, const uint8_t *p, uint32_t size)
{
	uint32_t off = 0;
	if (c->json && c->header)
		ostr(c, "{\"kind\":\"header\"");
	while (off + 8 <= size) {
		uint16_t tag;
		uint32_t len;
		memcpy(&tag, p + off, 2);
		memcpy(&len, p + off + 4, 4);
		off += 8;
		if (len > size - off)
			break;
		const uint8_t *v = p + off;
		off += len;
		if (tag == RRK_H_ARGV || tag == RRK_H_ENV)
			header_strings(c, tag, v, len);
		else if (c->header)
			header_field(c, tag, v, len);
	}
	if (c->json && c->header)
		ostr(c, "}\n");
}

static void print_end(struct cat *c, const uint8_t *p, uint32_t size)
{
	struct rrk_end e;
	if (size < sizeof e)
		return;
	memcpy(&e, p, sizeof e);
	char *reason = dupn(p + sizeof e, size - sizeof e);
	if (c->json) {
		const char *how = e.how == RRK_END_EXITED ? "exited" :
				  e.how == RRK_END_SIGNALED ? "signaled" :
				  e.how == RRK_END_ABORTED ? "aborted" :
				  e.how == RRK_END_CUT ? "cut" : "unknown";
		oprintf(c, "{\"kind\":\"end\",\"how\":\"%s\",\"code\":%d,\"events\":%llu,\"reason\":",
			how, e.code, (unsigned long long)e.nevents);
		if (e.how == RRK_END_ABORTED || e.how == RRK_END_CUT) {
			oquote(c, reason, 0, 1);
			ostr(c, "}\n");
		} else {
			ostr(c, "null}\n");
		}
	} else if (e.how == RRK_END_EXITED) {
		oprintf(c, "# end: exited status=%d events=%llu\n", e.code,
			(unsigned long long)e.nevents);
	} else if (e.how == RRK_END_SIGNALED) {
		const char *sn = rrk_signal_name(e.code);
		if (sn)
			oprintf(c, "# end: signaled signal=%s events=%llu\n", sn,
				(unsigned long long)e.nevents);
		else
			oprintf(c, "# end: signaled signal=%d events=%llu\n", e.code,
				(unsigned long long)e.nevents);
	} else if (e.how == RRK_END_CUT) {
		oprintf(c, "# end: cut events=%llu reason=", (unsigned long long)e.nevents);
		oquote(c, reason, 0, 0);
		ostr(c, "\n");
	} else {
		oprintf(c, "# end: aborted events=%llu reason=", (unsigned long long)e.nevents);
		oquote(c, reason, 0, 0);
		ostr(c, "\n");
	}
	free(reason);
}

static void on_other(void *ctx, const struct rrk_record *rec)
{
	struct cat *c = ctx;
	if (rec->type == RRK_REC_HEADER) {
		print_header(c, rec->data, rec->size);
	} else if (rec->type == RRK_REC_END && c->header) {
		print_end(c, rec->data, rec->size);
	} else if (rec->type == RRK_REC_END && rec->size >= sizeof(struct rrk_end)) {
		/* Without --header, still say when the recording was cut short. */
		struct rrk_end e;
		memcpy(&e, rec->data, sizeof e);
		if (e.how == RRK_END_ABORTED) {
			char *reason = dupn(rec->data + sizeof e, rec->size - sizeof e);
			oflush(c);
			rrk_warn("note: the recording was stopped early: %s", reason);
			free(reason);
		}
	} else if (rec->type == RRK_REC_NOTE && c->header) {
		char *s = dupn(rec->data, rec->size);
		if (c->json) {
			ostr(c, "{\"kind\":\"note\",\"text\":");
			oquote(c, s, 0, 1);
			ostr(c, "}\n");
		} else {
			ostr(c, "# note: ");
			oquote(c, s, 0, 0);
			ostr(c, "\n");
		}
		free(s);
	}
}

/* ---- events ---- */
/* The event's body as a struct of n bytes: zeros where it is shorter. */
static void get_body(const struct rrk_ev *ev, void *out, size_t n)
{
	memset(out, 0, n);
	memcpy(out, ev->body, ev->hdr.body_size < n ? ev->hdr.body_size : n);
}

static const char *stream_of(const struct rrk_ev *ev)
{
	if (ev->hdr.flags & RRK_EVF_STDOUT)
		return "stdout";
	if (ev->hdr.flags & RRK_EVF_STDERR)
		return "stderr";
	return NULL;
}

static void signame(char *b, size_t n, int s)
{
	const char *name = rrk_signal_name(s);
	if (name)
		snprintf(b, n, "%s", name);
	else
		snprintf(b, n, "%d", s);
}

static void print_syscall(struct cat *c, const struct rrk_ev *ev)
{
	struct rrk_ev_syscall sc;
	get_body(ev, &sc, sizeof sc);
	char *strs[6] = { 0 };
	uint64_t mem = 0;
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type == RRK_REC_STR && a->size >= sizeof(struct rrk_str)) {
			struct rrk_str st;
			memcpy(&st, a->data, sizeof st);
			if (st.argno < 6 && !strs[st.argno])
				strs[st.argno] = dupn(a->data + sizeof st, a->size - sizeof st);
		} else if (a->type == RRK_REC_MEM && a->size >= sizeof(struct rrk_mem)) {
			mem += a->size - sizeof(struct rrk_mem);
		}
	}
	/* long strings make long lines */
	size_t cap = 4096;
	for (int i = 0; i < 6; i++)
		if (strs[i])
			cap += strlen(strs[i]) * 6;
	char *b = rrk_xmalloc(cap);
	rrk_format_syscall(b, cap, sc.nr, sc.args, sc.result, (const char **)strs, c->json);
	const char *st = stream_of(ev);
	int faked = !!(ev->hdr.flags & RRK_EVF_FAKED);
	/* a child in a PID namespace of its own: the tid its events carry */
	uint64_t task = 0;
	if (ev->hdr.body_size >= sizeof(struct rrk_ev_syscall_task))
		memcpy(&task, ev->body + offsetof(struct rrk_ev_syscall_task, task), sizeof task);
	if (c->json) {
		ostr(c, b);
		if (task)
			oprintf(c, ",\"task\":%llu", (unsigned long long)task);
		if (st)
			oprintf(c, ",\"stream\":\"%s\"", st);
		else
			ostr(c, ",\"stream\":null");
		oprintf(c, ",\"faked\":%s,\"mem\":%llu", faked ? "true" : "false",
			(unsigned long long)mem);
		oprintf(c, ",\"phase\":%s", ev->hdr.flags & RRK_EVF_ENTER ? "\"enter\"" :
					 ev->hdr.flags & RRK_EVF_ENTERED ? "\"resumed\"" : "null");
	} else {
		char *eq = strstr(b, ") = ");
		if ((ev->hdr.flags & RRK_EVF_ENTER) && eq)
			strcpy(eq, ") = ?"); /* the result comes with [resumed] */
		ostr(c, b);
		/* A syscall that may block is listed when it starts ([enter],
		 * its result is not known yet) and when it returns ([resumed]). */
		if (ev->hdr.flags & RRK_EVF_ENTER)
			ostr(c, " [enter]");
		if (ev->hdr.flags & RRK_EVF_ENTERED)
			ostr(c, " [resumed]");
		if (faked)
			ostr(c, " [faked]");
		if (task)
			oprintf(c, " [task %llu]", (unsigned long long)task);
		if (st)
			oprintf(c, " [%s]", st);
	}
	free(b);
	for (int i = 0; i < 6; i++)
		free(strs[i]);
}

/* The header's argv, shown with the first exec (text: 64 bytes of each). */
static void print_argv(struct cat *c)
{
	ostr(c, c->json ? ",\"argv\":[" : " argv=[");
	for (size_t i = 0; i < c->hinfo.argc; i++) {
		if (i)
			ostr(c, c->json ? "," : ", ");
		oquote(c, c->hinfo.argv[i], c->json ? 0 : 64, c->json);
	}
	ostr(c, "]");
}

static void print_exec(struct cat *c, const struct rrk_ev *ev)
{
	char *path = NULL;
	size_t nmaps = 0;
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type == RRK_REC_STR && a->size >= sizeof(struct rrk_str) && !path)
			path = dupn(a->data + sizeof(struct rrk_str),
				    a->size - sizeof(struct rrk_str));
		else if (a->type == RRK_REC_MAP)
			nmaps++;
	}
	int initial = !!(ev->hdr.flags & RRK_EVF_INITIAL);
	if (c->json) {
		ostr(c, "\"path\":");
		if (path)
			oquote(c, path, 0, 1);
		else
			ostr(c, "null");
		oprintf(c, ",\"maps\":%zu,\"initial\":%s", nmaps, initial ? "true" : "false");
	} else {
		/* the path is shown raw when it has no space or odd byte, so
		 * that awk's $4 is the path */
		int plain = path && *path;
		for (const char *p = path; plain && *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
			    *p == '"' || *p == '\\')
				plain = 0;
		if (plain)
			ostr(c, path);
		else if (path)
			oquote(c, path, 0, 0);
		else
			ostr(c, "?");
		oprintf(c, " maps=%zu", nmaps);
	}
	if (initial && c->hinfo.have)
		print_argv(c);
	free(path);
}

/* Where an asynchronous event hit: as a syscall returned, or at an
 * execution point (ip, and the digest of the task's memory). */
static void print_where(struct cat *c, const struct rrk_ev *ev)
{
	const struct rrk_point *p = NULL;
	for (size_t i = 0; i < ev->nattach; i++)
		if (ev->attach[i].type == RRK_REC_POINT && ev->attach[i].size >= sizeof *p)
			p = (const void *)ev->attach[i].data;
	if (ev->hdr.flags & RRK_EVF_AT_SYSCALL) {
		ostr(c, c->json ? ",\"at\":\"syscall\"" : " at=syscall");
	} else if (ev->hdr.flags & RRK_EVF_RUNS_ON) {
		/* no point: replay runs it on to its next event */
		oprintf(c, c->json ? ",\"at\":\"user\",\"ip\":%llu" : " at=user ip=0x%llx",
			(unsigned long long)ev->hdr.regs.rip);
	} else if ((ev->hdr.flags & RRK_EVF_EXECPOINT) && p) {
		if (c->json)
			oprintf(c, ",\"at\":\"point\",\"ip\":%llu,\"digest\":\"%016llx\"",
				(unsigned long long)ev->hdr.regs.rip, (unsigned long long)p->digest);
		else
			oprintf(c, " at=point ip=0x%llx digest=%016llx", (unsigned long long)ev->hdr.regs.rip,
				(unsigned long long)p->digest);
	}
}

/* The instructions rec rewrote to trap with the event (an exec or a
 * mapping): "# patch event=N tid=T addr=0x... rdtsc len=2" (comments:
 * they are not events). */
static void print_patches(struct cat *c, const struct rrk_ev *ev)
{
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type != RRK_REC_PATCH)
			continue;
		for (size_t off = 0; off + sizeof(struct rrk_patch_site) <= a->size; off += sizeof(struct rrk_patch_site)) {
			struct rrk_patch_site s;
			memcpy(&s, a->data + off, sizeof s);
			const char *k = rrk_site_kind_name(s.kind);
			if (!k)
				k = "?";
			if (c->json)
				oprintf(c, "{\"kind\":\"patch\",\"event\":%llu,\"tid\":%u,\"addr\":%llu,\"insn\":\"%s\",\"len\":%u}\n",
					(unsigned long long)ev->hdr.number, ev->hdr.tid,
					(unsigned long long)s.addr, k, s.len);
			else
				oprintf(c, "# patch event=%llu tid=%u addr=0x%llx %s len=%u\n",
					(unsigned long long)ev->hdr.number, ev->hdr.tid,
					(unsigned long long)s.addr, k, s.len);
		}
	}
}

/* A keyframe: "# keyframe event=N ..." (a comment: it is not an event). */
static void print_keyframe(struct cat *c, const struct rrk_ev *ev)
{
	struct rrk_keyframe k;
	get_body(ev, &k, sizeof k);
	uint64_t maps = 0, mem = 0;
	for (size_t i = 0; i < ev->nattach; i++) {
		if (ev->attach[i].type == RRK_REC_MAP)
			maps++;
		else if (ev->attach[i].type == RRK_REC_MEM && ev->attach[i].size >= sizeof(struct rrk_mem))
			mem += ev->attach[i].size - sizeof(struct rrk_mem);
	}
	if (c->json)
		oprintf(c, "{\"kind\":\"keyframe\",\"event\":%llu,\"processes\":%u,\"threads\":%u,\"mappings\":%llu,\"memory\":%llu}\n",
			(unsigned long long)k.event, k.nprocs, k.nthreads, (unsigned long long)maps,
			(unsigned long long)mem);
	else
		oprintf(c, "# keyframe event=%llu processes=%u threads=%u mappings=%llu memory=%llu\n",
			(unsigned long long)k.event, k.nprocs, k.nthreads, (unsigned long long)maps,
			(unsigned long long)mem);
}

/* A syscall the task made through its syscall buffer before the event:
 * a line of its own, with the event's number, marked [buffered]. */
struct buffered {
	struct cat *c;
	const struct rrk_ev *ev;
};

static int print_buffered(void *ctx, const struct rrk_sb_rec *r, const uint8_t *d, size_t dl)
{
	struct cat *c = ((struct buffered *)ctx)->c;
	const struct rrk_ev *ev = ((struct buffered *)ctx)->ev;
	(void)d;
	if (r->flags & RRK_SBR_TRACED)
		return 0; /* listed as an event of its own */
	char b[4096];
	rrk_format_syscall(b, sizeof b, r->nr, r->args, r->ret, NULL, c->json);
	if (c->json)
		oprintf(c, "{\"event\":%llu,\"tid\":%u,\"kind\":\"syscall\",%s,\"stream\":null,"
			"\"faked\":false,\"mem\":%llu,\"phase\":null,\"buffered\":true}\n",
			(unsigned long long)ev->hdr.number, ev->hdr.tid, b, (unsigned long long)dl);
	else
		oprintf(c, "%llu %u syscall %s [buffered]\n", (unsigned long long)ev->hdr.number,
			ev->hdr.tid, b);
	return 0;
}

/* The syscalls in the event's buffer, before the event. */
static void print_buffer(struct cat *c, const struct rrk_ev *ev)
{
	struct buffered b = { c, ev };
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type == RRK_REC_SYSBUF && a->size >= sizeof(struct rrk_sysbuf))
			rrk_sb_walk(a->data + sizeof(struct rrk_sysbuf), a->size - sizeof(struct rrk_sysbuf),
				    print_buffered, &b);
	}
}

static void print_event(struct cat *c, const struct rrk_ev *ev)
{
	if (ev->hdr.kind == RRK_EV_KEYFRAME) {
		print_keyframe(c, ev);
		return;
	}
	print_buffer(c, ev);
	const char *kind = rrk_event_kind_name(ev->hdr.kind);
	if (!kind)
		kind = "unknown";
	char sn[32];

	if (c->json)
		oprintf(c, "{\"event\":%llu,\"tid\":%u,\"kind\":\"%s\",",
			(unsigned long long)ev->hdr.number, ev->hdr.tid, kind);
	else
		oprintf(c, "%llu %u %s ", (unsigned long long)ev->hdr.number, ev->hdr.tid, kind);

	switch (ev->hdr.kind) {
	case RRK_EV_SYSCALL:
		print_syscall(c, ev);
		break;
	case RRK_EV_RDTSC: {
		struct rrk_ev_rdtsc t;
		get_body(ev, &t, sizeof t);
		if (c->json) {
			oprintf(c, "\"tsc\":%llu,\"rdtscp\":%s", (unsigned long long)t.tsc,
				t.is_rdtscp ? "true" : "false");
			if (t.is_rdtscp)
				oprintf(c, ",\"aux\":%u", t.aux);
		} else {
			oprintf(c, "0x%016llx", (unsigned long long)t.tsc);
			if (t.is_rdtscp)
				oprintf(c, " aux=%#x", t.aux);
		}
		break;
	}
	case RRK_EV_CPUID: {
		struct rrk_ev_cpuid q;
		get_body(ev, &q, sizeof q);
		if (c->json)
			oprintf(c, "\"leaf\":%u,\"subleaf\":%u,\"eax\":%u,\"ebx\":%u,\"ecx\":%u,\"edx\":%u",
				q.leaf, q.subleaf, q.eax, q.ebx, q.ecx, q.edx);
		else
			oprintf(c, "0x%x.0x%x -> eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x",
				q.leaf, q.subleaf, q.eax, q.ebx, q.ecx, q.edx);
		break;
	}
	case RRK_EV_SIGNAL: {
		struct rrk_ev_signal s;
		get_body(ev, &s, sizeof s);
		const char *disp = s.disposition == RRK_SIG_HANDLED ? "handled" :
				   s.disposition == RRK_SIG_IGNORED ? "ignored" :
				   s.disposition == RRK_SIG_FATAL ? "fatal" :
				   s.disposition == RRK_SIG_STOPPED ? "stopped" : "unknown";
		signame(sn, sizeof sn, (int)s.signo);
		if (c->json)
			oprintf(c, "\"signal\":\"%s\",\"signo\":%u,\"synchronous\":%s,\"disposition\":\"%s\"",
				sn, s.signo, s.synchronous ? "true" : "false", disp);
		else
			oprintf(c, "%s %s %s", sn, s.synchronous ? "sync" : "async", disp);
		print_where(c, ev);
		break;
	}
	case RRK_EV_SCHED:
		/* the recorder preempted the task and ran another */
		ostr(c, c->json ? "\"switch\":true" : "switch");
		print_where(c, ev);
		break;
	case RRK_EV_EXEC:
		print_exec(c, ev);
		break;
	case RRK_EV_EXIT: {
		struct rrk_ev_exit x;
		get_body(ev, &x, sizeof x);
		int st = x.status;
		if ((st & 0x7f) == 0) {
			oprintf(c, c->json ? "\"status\":%d,\"signal\":null" : "status=%d", (st >> 8) & 0xff);
		} else {
			signame(sn, sizeof sn, st & 0x7f);
			oprintf(c, c->json ? "\"status\":null,\"signal\":\"%s\"" : "signal=%s", sn);
			if (st & 0x80)
				ostr(c, c->json ? ",\"core\":true" : " core");
		}
		break;
	}
	default:
		oprintf(c, c->json ? "\"type\":%u" : "type=%u", ev->hdr.kind);
		break;
	}
	ostr(c, c->json ? "}\n" : "\n");
	print_patches(c, ev);
}

static void usage(FILE *f)
{
	fputs("usage: tracecat [--json] [--header] [TRACE|-]\n"
	      "Print the events of an rrkit trace, one per line:\n"
	      "  EVENTNO TID KIND DETAIL...\n"
	      "  --json     one JSON object per line instead\n"
	      "  --header   also print the trace header first (lines starting \"# \")\n"
	      "  --help     this text\n"
	      "  --version  the version\n"
	      "TRACE defaults to standard input (also \"-\").\n"
	      "Exit status: 0 complete trace, 3 incomplete trace (printed up to where\n"
	      "it ends), 2 corrupt, unsupported or unreadable trace, 1 bad usage.\n",
	      f);
}

enum { O_JSON, O_HEADER };
static const struct rrk_opt options[] = {
	{ "json", 0, RRK_OPT_NONE, O_JSON }, { "header", 0, RRK_OPT_NONE, O_HEADER },
	RRK_OPT_STANDARD, { 0 },
};

int main(int argc, char **argv)
{
	const char *path = NULL;
	rrk_prog = "tracecat";
	rrk_fail_status = 2;
	signal(SIGPIPE, SIG_IGN);

	struct cat cat;
	memset(&cat, 0, sizeof cat);
	struct cat *c = &cat;
	struct rrk_opts st = { 0 };
	const char *v;
	int id;
	while ((id = rrk_opt_next(&st, argc, argv, options, &v)) != RRK_OPT_END) {
		switch (id) {
		case O_JSON:
			c->json = 1;
			break;
		case O_HEADER:
			c->header = 1;
			break;
		case RRK_OPT_HELP:
			usage(stdout);
			return 0;
		case RRK_OPT_VERSION:
			return rrk_print_version();
		case RRK_OPT_UNKNOWN:
			rrk_warn("unknown option %s: see tracecat --help", v);
			return 1;
		default: /* RRK_OPT_OPERAND */
			if (path) {
				rrk_warn("one trace at a time: %s and %s given", path, v);
				return 1;
			}
			path = v;
		}
	}

	int fd = 0;
	const char *name = "stdin";
	if (path && strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rrk_warn("%s: cannot open: %s", path, strerror(errno));
			return 2;
		}
		name = path;
	}
	struct rrk_reader *r = rrk_reader_open(fd, name);
	if (!r) {
		rrk_warn("%s: out of memory", name);
		return 2;
	}
	struct rrk_ev ev;
	memset(&ev, 0, sizeof ev);
	int s;
	/* From a pipe, events trickle in while rec runs: pass each line on
	 * at once so `rec CMD | tracecat - | grep` shows them live. */
	struct stat in;
	int live = fstat(fd, &in) == 0 && !S_ISREG(in.st_mode);
	while ((s = rrk_read_event(r, &ev, on_other, c)) == RRK_OK) {
		print_event(c, &ev);
		if (live)
			oflush(c);
	}
	oflush(c);
	if (s == RRK_EOF) {
		rrk_ev_free(&ev);
		rrk_reader_close(r);
		return 0;
	}
	/* the reader's message starts with the trace's name */
	rrk_warn("%s", rrk_reader_error(r));
	rrk_ev_free(&ev);
	rrk_reader_close(r);
	return s == RRK_INCOMPLETE ? 3 : 2;
}
