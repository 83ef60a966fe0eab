#!/bin/sh
# sh tests/zydis.sh [DIR]: puts Zydis' source (Debian's source package,
# the upstream tarball only) in DIR (default build/zydis), for a static
# musl build of its decoder. Debian's libzydis-dev has only a glibc .so.
# Does nothing (and touches no network) when the source is already there.
# Fetching needs root: apt-get with a temporary configuration whose
# deb-src entries are the machine's own deb entries, so no mirror is named
# here and the system's apt state is left alone. Works with stdin closed.
set -eu
dir=${1:-build/zydis}

[ -f "$dir/src/Decoder.c" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "zydis: the Zydis source is missing from $dir; run as root: sh tests/zydis.sh $dir" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/parts" "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/get"

# One-line sources: every "deb [options] URI SUITE COMPONENT..." again as deb-src.
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f"
done >"$tmp/sources.list"

# deb822 sources: every stanza whose Types has "deb", with Types: deb-src.
# Paragraph mode (RS=""): one record per stanza.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk 'BEGIN { RS = ""; FS = "\n" }
	{
		deb = 0
		out = ""
		for (i = 1; i <= NF; i++) {
			line = $i
			if (line ~ /^#/)
				continue
			if (tolower(line) ~ /^types:/) {
				if ((" " substr(line, 7) " ") ~ /[[:space:]]deb[[:space:]]/)
					deb = 1
				line = "Types: deb-src"
			}
			out = out line "\n"
		}
		if (deb)
			printf "%s\n", out
	}' "$f"
done >"$tmp/parts/src.sources"

apt() {
	apt-get -q -o Dir::Etc::SourceList="$tmp/sources.list" \
		-o Dir::Etc::SourceParts="$tmp/parts" -o Dir::State::Lists="$tmp/lists" \
		-o Dir::Cache="$tmp/cache" -o APT::Sandbox::User=root "$@" </dev/null
}

echo "zydis: fetching Debian's zydis source package" >&2
# A source list without deb-src (a third-party repository) fails its
# index; the download below says whether zydis was found.
apt update >&2 || echo "zydis: apt-get update reported errors; trying anyway" >&2
(cd "$tmp/get" && apt source --download-only zydis) >&2

set -- "$tmp"/get/zydis_*.orig.tar.*
if [ ! -f "$1" ]; then
	echo "zydis: no orig tarball in Debian's zydis source package" >&2
	exit 1
fi
# The tarball holds one top directory (zyantific-zydis-COMMIT/): drop it.
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
tar -xf "$1" -C "$dir.tmp" --strip-components=1
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "zydis: unpacked $(basename "$1") into $dir" >&2
