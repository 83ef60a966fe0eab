/* Names of syscalls, errno values and signals. */
#include "systable.h"
#include "format/trace.h"
#include "abi/sysbuf.h"

#include <string.h>

const char *rrk_syscall_name(uint64_t nr)
{
	if (nr == RRK_SYS_SBINIT)
		return "rrk_sbinit"; /* the preload library registering its buffer */
	if (nr >= RRK_NSYSCALLS)
		return NULL;
	return rrk_systable[nr].name;
}

long rrk_syscall_number(const char *name)
{
	if (!name)
		return -1;
	for (long i = 0; i < RRK_NSYSCALLS; i++)
		if (rrk_systable[i].name && !strcmp(rrk_systable[i].name, name))
			return i;
	return -1;
}

/* Linux's numbering (asm-generic/errno*.h), written out so that it does
 * not depend on the libc. */
static const char *const errnames[] = {
	[1] = "EPERM",
	[2] = "ENOENT",
	[3] = "ESRCH",
	[4] = "EINTR",
	[5] = "EIO",
	[6] = "ENXIO",
	[7] = "E2BIG",
	[8] = "ENOEXEC",
	[9] = "EBADF",
	[10] = "ECHILD",
	[11] = "EAGAIN",
	[12] = "ENOMEM",
	[13] = "EACCES",
	[14] = "EFAULT",
	[15] = "ENOTBLK",
	[16] = "EBUSY",
	[17] = "EEXIST",
	[18] = "EXDEV",
	[19] = "ENODEV",
	[20] = "ENOTDIR",
	[21] = "EISDIR",
	[22] = "EINVAL",
	[23] = "ENFILE",
	[24] = "EMFILE",
	[25] = "ENOTTY",
	[26] = "ETXTBSY",
	[27] = "EFBIG",
	[28] = "ENOSPC",
	[29] = "ESPIPE",
	[30] = "EROFS",
	[31] = "EMLINK",
	[32] = "EPIPE",
	[33] = "EDOM",
	[34] = "ERANGE",
	[35] = "EDEADLK",
	[36] = "ENAMETOOLONG",
	[37] = "ENOLCK",
	[38] = "ENOSYS",
	[39] = "ENOTEMPTY",
	[40] = "ELOOP",
	[42] = "ENOMSG",
	[43] = "EIDRM",
	[44] = "ECHRNG",
	[45] = "EL2NSYNC",
	[46] = "EL3HLT",
	[47] = "EL3RST",
	[48] = "ELNRNG",
	[49] = "EUNATCH",
	[50] = "ENOCSI",
	[51] = "EL2HLT",
	[52] = "EBADE",
	[53] = "EBADR",
	[54] = "EXFULL",
	[55] = "ENOANO",
	[56] = "EBADRQC",
	[57] = "EBADSLT",
	[59] = "EBFONT",
	[60] = "ENOSTR",
	[61] = "ENODATA",
	[62] = "ETIME",
	[63] = "ENOSR",
	[64] = "ENONET",
	[65] = "ENOPKG",
	[66] = "EREMOTE",
	[67] = "ENOLINK",
	[68] = "EADV",
	[69] = "ESRMNT",
	[70] = "ECOMM",
	[71] = "EPROTO",
	[72] = "EMULTIHOP",
	[73] = "EDOTDOT",
	[74] = "EBADMSG",
	[75] = "EOVERFLOW",
	[76] = "ENOTUNIQ",
	[77] = "EBADFD",
	[78] = "EREMCHG",
	[79] = "ELIBACC",
	[80] = "ELIBBAD",
	[81] = "ELIBSCN",
	[82] = "ELIBMAX",
	[83] = "ELIBEXEC",
	[84] = "EILSEQ",
	[85] = "ERESTART",
	[86] = "ESTRPIPE",
	[87] = "EUSERS",
	[88] = "ENOTSOCK",
	[89] = "EDESTADDRREQ",
	[90] = "EMSGSIZE",
	[91] = "EPROTOTYPE",
	[92] = "ENOPROTOOPT",
	[93] = "EPROTONOSUPPORT",
	[94] = "ESOCKTNOSUPPORT",
	[95] = "EOPNOTSUPP",
	[96] = "EPFNOSUPPORT",
	[97] = "EAFNOSUPPORT",
	[98] = "EADDRINUSE",
	[99] = "EADDRNOTAVAIL",
	[100] = "ENETDOWN",
	[101] = "ENETUNREACH",
	[102] = "ENETRESET",
	[103] = "ECONNABORTED",
	[104] = "ECONNRESET",
	[105] = "ENOBUFS",
	[106] = "EISCONN",
	[107] = "ENOTCONN",
	[108] = "ESHUTDOWN",
	[109] = "ETOOMANYREFS",
	[110] = "ETIMEDOUT",
	[111] = "ECONNREFUSED",
	[112] = "EHOSTDOWN",
	[113] = "EHOSTUNREACH",
	[114] = "EALREADY",
	[115] = "EINPROGRESS",
	[116] = "ESTALE",
	[117] = "EUCLEAN",
	[118] = "ENOTNAM",
	[119] = "ENAVAIL",
	[120] = "EISNAM",
	[121] = "EREMOTEIO",
	[122] = "EDQUOT",
	[123] = "ENOMEDIUM",
	[124] = "EMEDIUMTYPE",
	[125] = "ECANCELED",
	[126] = "ENOKEY",
	[127] = "EKEYEXPIRED",
	[128] = "EKEYREVOKED",
	[129] = "EKEYREJECTED",
	[130] = "EOWNERDEAD",
	[131] = "ENOTRECOVERABLE",
	[132] = "ERFKILL",
	[133] = "EHWPOISON",
};

const char *rrk_errno_name(int e)
{
	switch (e) {
	case RRK_ERESTARTSYS: return "ERESTARTSYS";
	case RRK_ERESTARTNOINTR: return "ERESTARTNOINTR";
	case RRK_ERESTARTNOHAND: return "ERESTARTNOHAND";
	case RRK_ENOIOCTLCMD: return "ENOIOCTLCMD";
	case RRK_ERESTART_RESTARTBLOCK: return "ERESTART_RESTARTBLOCK";
	}
	if (e <= 0 || (size_t)e >= sizeof errnames / sizeof errnames[0])
		return NULL;
	return errnames[e];
}

int rrk_errno_number(const char *name)
{
	if (!name)
		return -1;
	for (int e = 1; e < 600; e++) {
		const char *n = rrk_errno_name(e);
		if (n && !strcmp(n, name))
			return e;
	}
	return -1;
}

static const char *const signames[32] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL",
	[5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
	[9] = "SIGKILL", [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM", [16] = "SIGSTKFLT",
	[17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU",
	[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
	[29] = "SIGIO", [30] = "SIGPWR", [31] = "SIGSYS",
};

/* Real-time signals as user space sees them: libcs keep 32 and 33 for
 * themselves, so SIGRTMIN is 34 (those two have no name here). */
static const char *const rtnames[31] = {
	"SIGRTMIN",
	"SIGRTMIN+1",
	"SIGRTMIN+2",
	"SIGRTMIN+3",
	"SIGRTMIN+4",
	"SIGRTMIN+5",
	"SIGRTMIN+6",
	"SIGRTMIN+7",
	"SIGRTMIN+8",
	"SIGRTMIN+9",
	"SIGRTMIN+10",
	"SIGRTMIN+11",
	"SIGRTMIN+12",
	"SIGRTMIN+13",
	"SIGRTMIN+14",
	"SIGRTMIN+15",
	"SIGRTMIN+16",
	"SIGRTMIN+17",
	"SIGRTMIN+18",
	"SIGRTMIN+19",
	"SIGRTMIN+20",
	"SIGRTMIN+21",
	"SIGRTMIN+22",
	"SIGRTMIN+23",
	"SIGRTMIN+24",
	"SIGRTMIN+25",
	"SIGRTMIN+26",
	"SIGRTMIN+27",
	"SIGRTMIN+28",
	"SIGRTMIN+29",
	"SIGRTMIN+30",
};

const char *rrk_signal_name(int s)
{
	if (s >= 1 && s < 32)
		return signames[s];
	if (s >= 34 && s <= 64)
		return rtnames[s - 34];
	return NULL;
}

int rrk_signal_number(const char *name)
{
	if (!name)
		return -1;
	const char *n = strncmp(name, "SIG", 3) ? name : name + 3;
	for (int s = 1; s <= 64; s++) {
		const char *sn = rrk_signal_name(s);
		if (sn && !strcmp(sn + 3, n))
			return s;
	}
	if (!strcmp(n, "IOT"))
		return 6;
	if (!strcmp(n, "POLL"))
		return 29;
	return -1;
}

/* Each way of recording an instruction kind: its token (tracecat --json)
 * and its text (tracecat --header, tracesum --stats). */
static const struct {
	const char *name, *text;
} mechs[] = {
	[RRK_MECH_NONE] = { "none", "not recorded (runs on the CPU)" },
	[RRK_MECH_FAULT] = { "fault", "recorded: the CPU faults it" },
	[RRK_MECH_PATCH] = { "patch", "recorded: rec rewrote each instruction to trap" },
};

const char *rrk_mech_name(uint32_t mech)
{
	return mech < sizeof mechs / sizeof mechs[0] ? mechs[mech].name : NULL;
}

const char *rrk_mech_text(uint32_t mech)
{
	return mech < sizeof mechs / sizeof mechs[0] ? mechs[mech].text : NULL;
}
