/* tracecat: print an rrkit trace, one line per event.
 *   tracecat [--json] [--header] [TRACE|-]
 * Lines are "EVENTNO TID KIND DETAIL..." (see man/tracecat.1). */
#include "systable.h"
#include "sbuf.h"
#include "trace.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int json, header;

/* ---- output: buffered, quiet on a closed pipe ---- */
static char obuf[1 << 16];
static size_t olen;

static void oflush(void)
{
	if (!olen)
		return;
	int e = rrk_write_all(1, obuf, olen);
	olen = 0;
	if (e == -EPIPE)
		exit(0); /* the reader went away (tracecat | head) */
	if (e < 0) {
		rrk_warn("cannot write output: %s", strerror(-e));
		exit(2);
	}
}

static void oput(const char *s, size_t n)
{
	while (n) {
		if (olen == sizeof obuf)
			oflush();
		size_t k = sizeof obuf - olen;
		if (k > n)
			k = n;
		memcpy(obuf + olen, s, k);
		olen += k;
		s += k;
		n -= k;
	}
}

static void ostr(const char *s)
{
	oput(s, strlen(s));
}

__attribute__((format(printf, 1, 2)))
static void oprintf(const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		oput(tmp, (size_t)n);
		return;
	}
	char *big = rrk_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	oput(big, (size_t)n);
	free(big);
}

/* a quoted string of any length (text: C escapes; JSON: JSON escapes) */
static void oquote(const char *s, size_t max, int js)
{
	size_t n = strlen(s);
	size_t cap = (max && max < n ? max : n) * 6 + 16;
	char *b = rrk_xmalloc(cap);
	rrk_quote(b, cap, s, max, js);
	ostr(b);
	free(b);
}

/* ---- header ---- */
struct hdrinfo {
	char **argv;
	size_t argc;
	int have;
};
static struct hdrinfo hinfo;

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

static void print_header(const uint8_t *p, uint32_t size)
{
	uint32_t off = 0;
	if (json && header)
		ostr("{\"kind\":\"header\"");
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
		char *s = NULL;
		uint32_t u32 = 0;
		uint64_t u64 = 0;
		if (len >= 4)
			memcpy(&u32, v, 4);
		if (len >= 8)
			memcpy(&u64, v, 8);
		switch (tag) {
		case RRK_H_ARGV:
		case RRK_H_ENV: {
			char **a;
			size_t n = split(v, len, &a);
			if (tag == RRK_H_ARGV) {
				hinfo.argv = a;
				hinfo.argc = n;
				hinfo.have = 1;
				if (!header)
					break;
				ostr(json ? ",\"argv\":[" : "# argv:");
				for (size_t i = 0; i < n; i++) {
					ostr(json ? (i ? "," : "") : " ");
					oquote(a[i], 0, json);
				}
				ostr(json ? "]" : "\n");
			} else {
				if (header)
					oprintf(json ? ",\"env_count\":%zu" : "# env: %zu variables\n", n);
				for (size_t i = 0; i < n; i++)
					free(a[i]);
				free(a);
			}
			break;
		}
		case RRK_H_ARCH:
		case RRK_H_RECORDER:
		case RRK_H_OPTIONS:
		case RRK_H_CWD:
		case RRK_H_COUNTERS:
		case RRK_H_HOST: {
			static const char *names[] = {
				[RRK_H_ARCH] = "arch", [RRK_H_RECORDER] = "recorder",
				[RRK_H_OPTIONS] = "options", [RRK_H_CWD] = "cwd",
				[RRK_H_COUNTERS] = "counters", [RRK_H_HOST] = "host",
			};
			if (!header)
				break;
			s = dupn(v, len);
			if (json) {
				oprintf(",\"%s\":", names[tag]);
				oquote(s, 0, 1);
			} else {
				oprintf("# %s: %s\n", names[tag], s);
			}
			free(s);
			break;
		}
		case RRK_H_CPU:
			if (header && len >= 4)
				oprintf(json ? ",\"cpu\":%u" : "# cpu: %u\n", u32);
			break;
		case RRK_H_FLAGS:
			if (header && len >= 4) {
				if (json) {
					oprintf(",\"flags\":%u", u32);
				} else {
					oprintf("# flags: %#x", u32);
					if (u32 & RRK_HF_CPUID_TRAPPED)
						ostr(" cpuid-trapped");
					if (u32 & RRK_HF_TSC_TRAPPED)
						ostr(" tsc-trapped");
					ostr("\n");
				}
			}
			break;
		case RRK_H_START:
			if (header && len >= 8)
				oprintf(json ? ",\"start_ns\":%llu" : "# start: %llu ns since the epoch\n",
					(unsigned long long)u64);
			break;
		case RRK_H_SYSBUF:
			if (!header || len < 4)
				break;
			if (json)
				oprintf(",\"syscallbuf\":%u", u32);
			else if (u32)
				oprintf("# syscall buffer: protocol %u\n", u32);
			else
				ostr("# syscall buffer: off\n");
			break;
		case RRK_H_TRAPS: {
			struct rrk_hdr_traps m;
			if (!header || len < sizeof m)
				break;
			memcpy(&m, v, sizeof m);
			if (!rrk_mech_text(m.rdtsc) || !rrk_mech_text(m.cpuid))
				break;
			if (json)
				oprintf(",\"rdtsc\":\"%s\",\"cpuid\":\"%s\"", rrk_mech_name(m.rdtsc),
					rrk_mech_name(m.cpuid));
			else
				oprintf("# rdtsc, rdtscp: %s\n# cpuid: %s\n", rrk_mech_text(m.rdtsc),
					rrk_mech_text(m.cpuid));
			break;
		}
		case RRK_H_CPU_LEVEL:
			if (!header || len < 4)
				break;
			if (json)
				oprintf(",\"cpu_features\":\"%s\"", u32 ? "baseline" : "host");
			else
				oprintf("# cpu features: %s\n", u32 ? "baseline (x86-64-v2)" : "host");
			break;
		case RRK_H_CPUID:
			if (header)
				oprintf(json ? ",\"cpuid_leaves\":%zu" : "# cpuid: %zu leaves\n",
					(size_t)len / sizeof(struct rrk_cpuid_leaf));
			break;
		default:
			break;
		}
	}
	if (json && header)
		ostr("}\n");
}

static void print_end(const uint8_t *p, uint32_t size)
{
	struct rrk_end e;
	if (size < sizeof e)
		return;
	memcpy(&e, p, sizeof e);
	char *reason = dupn(p + sizeof e, size - sizeof e);
	if (json) {
		const char *how = e.how == RRK_END_EXITED ? "exited" :
				  e.how == RRK_END_SIGNALED ? "signaled" :
				  e.how == RRK_END_ABORTED ? "aborted" :
				  e.how == RRK_END_CUT ? "cut" : "unknown";
		oprintf("{\"kind\":\"end\",\"how\":\"%s\",\"code\":%d,\"events\":%llu,\"reason\":",
			how, e.code, (unsigned long long)e.nevents);
		if (e.how == RRK_END_ABORTED || e.how == RRK_END_CUT) {
			oquote(reason, 0, 1);
			ostr("}\n");
		} else {
			ostr("null}\n");
		}
	} else if (e.how == RRK_END_EXITED) {
		oprintf("# end: exited status=%d events=%llu\n", e.code,
			(unsigned long long)e.nevents);
	} else if (e.how == RRK_END_SIGNALED) {
		const char *sn = rrk_signal_name(e.code);
		if (sn)
			oprintf("# end: signaled signal=%s events=%llu\n", sn,
				(unsigned long long)e.nevents);
		else
			oprintf("# end: signaled signal=%d events=%llu\n", e.code,
				(unsigned long long)e.nevents);
	} else if (e.how == RRK_END_CUT) {
		oprintf("# end: cut events=%llu reason=", (unsigned long long)e.nevents);
		oquote(reason, 0, 0);
		ostr("\n");
	} else {
		oprintf("# end: aborted events=%llu reason=", (unsigned long long)e.nevents);
		oquote(reason, 0, 0);
		ostr("\n");
	}
	free(reason);
}

static void on_other(void *ctx, const struct rrk_record *rec)
{
	(void)ctx;
	if (rec->type == RRK_REC_HEADER) {
		print_header(rec->data, rec->size);
	} else if (rec->type == RRK_REC_END && header) {
		print_end(rec->data, rec->size);
	} else if (rec->type == RRK_REC_END && rec->size >= sizeof(struct rrk_end)) {
		/* Without --header, still say when the recording was cut short. */
		struct rrk_end e;
		memcpy(&e, rec->data, sizeof e);
		if (e.how == RRK_END_ABORTED) {
			char *reason = dupn(rec->data + sizeof e, rec->size - sizeof e);
			oflush();
			rrk_warn("note: the recording was stopped early: %s", reason);
			free(reason);
		}
	} else if (rec->type == RRK_REC_NOTE && header) {
		char *s = dupn(rec->data, rec->size);
		if (json) {
			ostr("{\"kind\":\"note\",\"text\":");
			oquote(s, 0, 1);
			ostr("}\n");
		} else {
			ostr("# note: ");
			oquote(s, 0, 0);
			ostr("\n");
		}
		free(s);
	}
}

/* ---- events ---- */
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

static void print_syscall(const struct rrk_ev *ev)
{
	struct rrk_ev_syscall sc;
	memset(&sc, 0, sizeof sc);
	memcpy(&sc, ev->body, ev->hdr.body_size < sizeof sc ? ev->hdr.body_size : sizeof sc);
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
	rrk_format_syscall(b, cap, sc.nr, sc.args, sc.result, (const char **)strs, json);
	const char *st = stream_of(ev);
	int faked = !!(ev->hdr.flags & RRK_EVF_FAKED);
	if (json) {
		ostr(b);
		if (st)
			oprintf(",\"stream\":\"%s\"", st);
		else
			ostr(",\"stream\":null");
		oprintf(",\"faked\":%s,\"mem\":%llu", faked ? "true" : "false",
			(unsigned long long)mem);
		oprintf(",\"phase\":%s", ev->hdr.flags & RRK_EVF_ENTER ? "\"enter\"" :
					 ev->hdr.flags & RRK_EVF_ENTERED ? "\"resumed\"" : "null");
	} else {
		char *eq = strstr(b, ") = ");
		if ((ev->hdr.flags & RRK_EVF_ENTER) && eq)
			strcpy(eq, ") = ?"); /* the result comes with [resumed] */
		ostr(b);
		/* A syscall that may block is listed when it starts ([enter],
		 * its result is not known yet) and when it returns ([resumed]). */
		if (ev->hdr.flags & RRK_EVF_ENTER)
			ostr(" [enter]");
		if (ev->hdr.flags & RRK_EVF_ENTERED)
			ostr(" [resumed]");
		if (faked)
			ostr(" [faked]");
		if (st)
			oprintf(" [%s]", st);
	}
	free(b);
	for (int i = 0; i < 6; i++)
		free(strs[i]);
}

static void print_exec(const struct rrk_ev *ev)
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
	if (json) {
		ostr("\"path\":");
		if (path)
			oquote(path, 0, 1);
		else
			ostr("null");
		oprintf(",\"maps\":%zu,\"initial\":%s", nmaps, initial ? "true" : "false");
		if (initial && hinfo.have) {
			ostr(",\"argv\":[");
			for (size_t i = 0; i < hinfo.argc; i++) {
				if (i)
					ostr(",");
				oquote(hinfo.argv[i], 0, 1);
			}
			ostr("]");
		}
	} else {
		/* the path is shown raw when it has no space or odd byte, so
		 * that awk's $4 is the path */
		int plain = path && *path;
		for (const char *p = path; plain && *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
			    *p == '"' || *p == '\\')
				plain = 0;
		if (plain)
			ostr(path);
		else if (path)
			oquote(path, 0, 0);
		else
			ostr("?");
		oprintf(" maps=%zu", nmaps);
		if (initial && hinfo.have) {
			ostr(" argv=[");
			for (size_t i = 0; i < hinfo.argc; i++) {
				if (i)
					ostr(", ");
				oquote(hinfo.argv[i], 64, 0);
			}
			ostr("]");
		}
	}
	free(path);
}

/* Where an asynchronous event hit: as a syscall returned, or at an
 * execution point (ip, and the digest of the task's memory). */
static void print_where(const struct rrk_ev *ev)
{
	const struct rrk_point *p = NULL;
	for (size_t i = 0; i < ev->nattach; i++)
		if (ev->attach[i].type == RRK_REC_POINT && ev->attach[i].size >= sizeof *p)
			p = (const void *)ev->attach[i].data;
	if (ev->hdr.flags & RRK_EVF_AT_SYSCALL) {
		ostr(json ? ",\"at\":\"syscall\"" : " at=syscall");
	} else if (ev->hdr.flags & RRK_EVF_RUNS_ON) {
		/* no point: replay runs it on to its next event */
		oprintf(json ? ",\"at\":\"user\",\"ip\":%llu" : " at=user ip=0x%llx",
			(unsigned long long)ev->hdr.regs.rip);
	} else if ((ev->hdr.flags & RRK_EVF_EXECPOINT) && p) {
		if (json)
			oprintf(",\"at\":\"point\",\"ip\":%llu,\"digest\":\"%016llx\"",
				(unsigned long long)ev->hdr.regs.rip, (unsigned long long)p->digest);
		else
			oprintf(" at=point ip=0x%llx digest=%016llx", (unsigned long long)ev->hdr.regs.rip,
				(unsigned long long)p->digest);
	}
}

/* The instructions rec rewrote to trap with the event (an exec or a
 * mapping): "# patch event=N tid=T addr=0x... rdtsc len=2" (comments:
 * they are not events). */
static void print_patches(const struct rrk_ev *ev)
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
			if (json)
				oprintf("{\"kind\":\"patch\",\"event\":%llu,\"tid\":%u,\"addr\":%llu,\"insn\":\"%s\",\"len\":%u}\n",
					(unsigned long long)ev->hdr.number, ev->hdr.tid,
					(unsigned long long)s.addr, k, s.len);
			else
				oprintf("# patch event=%llu tid=%u addr=0x%llx %s len=%u\n",
					(unsigned long long)ev->hdr.number, ev->hdr.tid,
					(unsigned long long)s.addr, k, s.len);
		}
	}
}

/* A keyframe: "# keyframe event=N ..." (a comment: it is not an event). */
static void print_keyframe(const struct rrk_ev *ev)
{
	struct rrk_keyframe k;
	memset(&k, 0, sizeof k);
	memcpy(&k, ev->body, ev->hdr.body_size < sizeof k ? ev->hdr.body_size : sizeof k);
	uint64_t maps = 0, mem = 0;
	for (size_t i = 0; i < ev->nattach; i++) {
		if (ev->attach[i].type == RRK_REC_MAP)
			maps++;
		else if (ev->attach[i].type == RRK_REC_MEM && ev->attach[i].size >= sizeof(struct rrk_mem))
			mem += ev->attach[i].size - sizeof(struct rrk_mem);
	}
	if (json)
		oprintf("{\"kind\":\"keyframe\",\"event\":%llu,\"processes\":%u,\"threads\":%u,\"mappings\":%llu,\"memory\":%llu}\n",
			(unsigned long long)k.event, k.nprocs, k.nthreads, (unsigned long long)maps,
			(unsigned long long)mem);
	else
		oprintf("# keyframe event=%llu processes=%u threads=%u mappings=%llu memory=%llu\n",
			(unsigned long long)k.event, k.nprocs, k.nthreads, (unsigned long long)maps,
			(unsigned long long)mem);
}

/* A syscall the task made through its syscall buffer before the event:
 * a line of its own, with the event's number, marked [buffered]. */
static int print_buffered(void *ctx, const struct rrk_sb_rec *r, const uint8_t *d, size_t dl)
{
	const struct rrk_ev *ev = ctx;
	(void)d;
	if (r->flags & RRK_SBR_TRACED)
		return 0; /* listed as an event of its own */
	char b[4096];
	rrk_format_syscall(b, sizeof b, r->nr, r->args, r->ret, NULL, json);
	if (json)
		oprintf("{\"event\":%llu,\"tid\":%u,\"kind\":\"syscall\",%s,\"stream\":null,"
			"\"faked\":false,\"mem\":%llu,\"phase\":null,\"buffered\":true}\n",
			(unsigned long long)ev->hdr.number, ev->hdr.tid, b, (unsigned long long)dl);
	else
		oprintf("%llu %u syscall %s [buffered]\n", (unsigned long long)ev->hdr.number,
			ev->hdr.tid, b);
	return 0;
}

static void print_event(const struct rrk_ev *ev)
{
	if (ev->hdr.kind == RRK_EV_KEYFRAME) {
		print_keyframe(ev);
		return;
	}
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type == RRK_REC_SYSBUF && a->size >= sizeof(struct rrk_sysbuf))
			rrk_sb_walk(a->data + sizeof(struct rrk_sysbuf), a->size - sizeof(struct rrk_sysbuf),
				    print_buffered, (void *)ev);
	}
	const char *kind = rrk_event_kind_name(ev->hdr.kind);
	if (!kind)
		kind = "unknown";
	const void *body = ev->body;
	uint32_t bs = ev->hdr.body_size;
	char sn[32];

	if (json)
		oprintf("{\"event\":%llu,\"tid\":%u,\"kind\":\"%s\",",
			(unsigned long long)ev->hdr.number, ev->hdr.tid, kind);
	else
		oprintf("%llu %u %s ", (unsigned long long)ev->hdr.number, ev->hdr.tid, kind);

	switch (ev->hdr.kind) {
	case RRK_EV_SYSCALL:
		print_syscall(ev);
		break;
	case RRK_EV_RDTSC: {
		struct rrk_ev_rdtsc t;
		memset(&t, 0, sizeof t);
		memcpy(&t, body, bs < sizeof t ? bs : sizeof t);
		if (json) {
			oprintf("\"tsc\":%llu,\"rdtscp\":%s", (unsigned long long)t.tsc,
				t.is_rdtscp ? "true" : "false");
			if (t.is_rdtscp)
				oprintf(",\"aux\":%u", t.aux);
		} else {
			oprintf("0x%016llx", (unsigned long long)t.tsc);
			if (t.is_rdtscp)
				oprintf(" aux=%#x", t.aux);
		}
		break;
	}
	case RRK_EV_CPUID: {
		struct rrk_ev_cpuid c;
		memset(&c, 0, sizeof c);
		memcpy(&c, body, bs < sizeof c ? bs : sizeof c);
		if (json)
			oprintf("\"leaf\":%u,\"subleaf\":%u,\"eax\":%u,\"ebx\":%u,\"ecx\":%u,\"edx\":%u",
				c.leaf, c.subleaf, c.eax, c.ebx, c.ecx, c.edx);
		else
			oprintf("0x%x.0x%x -> eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x",
				c.leaf, c.subleaf, c.eax, c.ebx, c.ecx, c.edx);
		break;
	}
	case RRK_EV_SIGNAL: {
		struct rrk_ev_signal s;
		memset(&s, 0, sizeof s);
		memcpy(&s, body, bs < sizeof s ? bs : sizeof s);
		const char *disp = s.disposition == RRK_SIG_HANDLED ? "handled" :
				   s.disposition == RRK_SIG_IGNORED ? "ignored" :
				   s.disposition == RRK_SIG_FATAL ? "fatal" : "unknown";
		signame(sn, sizeof sn, (int)s.signo);
		if (json)
			oprintf("\"signal\":\"%s\",\"signo\":%u,\"synchronous\":%s,\"disposition\":\"%s\"",
				sn, s.signo, s.synchronous ? "true" : "false", disp);
		else
			oprintf("%s %s %s", sn, s.synchronous ? "sync" : "async", disp);
		print_where(ev);
		break;
	}
	case RRK_EV_SCHED:
		/* the recorder preempted the task and ran another */
		ostr(json ? "\"switch\":true" : "switch");
		print_where(ev);
		break;
	case RRK_EV_EXEC:
		print_exec(ev);
		break;
	case RRK_EV_EXIT: {
		struct rrk_ev_exit x;
		memset(&x, 0, sizeof x);
		memcpy(&x, body, bs < sizeof x ? bs : sizeof x);
		int st = x.status;
		if ((st & 0x7f) == 0) {
			oprintf(json ? "\"status\":%d,\"signal\":null" : "status=%d", (st >> 8) & 0xff);
		} else {
			signame(sn, sizeof sn, st & 0x7f);
			oprintf(json ? "\"status\":null,\"signal\":\"%s\"" : "signal=%s", sn);
			if (st & 0x80)
				ostr(json ? ",\"core\":true" : " core");
		}
		break;
	}
	default:
		oprintf(json ? "\"type\":%u" : "type=%u", ev->hdr.kind);
		break;
	}
	ostr(json ? "}\n" : "\n");
	print_patches(ev);
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

int main(int argc, char **argv)
{
	const char *path = NULL;
	int dashdash = 0;
	rrk_prog = "tracecat";
	rrk_fail_status = 2;
	signal(SIGPIPE, SIG_IGN);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && !strcmp(a, "--")) {
			dashdash = 1;
		} else if (!dashdash && !strcmp(a, "--json")) {
			json = 1;
		} else if (!dashdash && !strcmp(a, "--header")) {
			header = 1;
		} else if (!dashdash && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			usage(stdout);
			return 0;
		} else if (!dashdash && !strcmp(a, "--version")) {
			printf("tracecat (rrkit) %s, trace format %d\n", RRK_VERSION,
			       RRK_FORMAT_VERSION);
			return 0;
		} else if (!dashdash && a[0] == '-' && a[1]) {
			rrk_warn("unknown option %s: see tracecat --help", a);
			return 1;
		} else if (path) {
			rrk_warn("one trace at a time: %s and %s given", path, a);
			return 1;
		} else {
			path = a;
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
	while ((s = rrk_read_event(r, &ev, on_other, NULL)) == RRK_OK) {
		print_event(&ev);
		if (live)
			oflush();
	}
	oflush();
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
