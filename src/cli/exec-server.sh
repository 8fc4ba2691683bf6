#!/bin/sh
# The exec-server binary. Starts Node from a startup snapshot beside this
# file, the server's (exec-server.blob) or for a client command the
# client's (exec-server-client.blob), when one was built for this Node
# binary in this directory (native/startup-snapshot.mjs, run on install, writes the
# blobs and their stamps), else from the modules (main.js), which the
# server then says at debug level. EXEC_SERVER_SNAPSHOT=0 starts from the
# modules: about as resident, a tenth of a second slower to start.
# The server's V8 flags are main.js's shebang's: a blob loads only under the
# flags it was built with. The build writes the package's version and the
# Node lines it runs on (package.json's engines) below.
[ $# -eq 1 ] && [ "$1" = --version ] && { echo "@VERSION@"; exit 0; }
flags="--max-semi-space-size=2 --max-inlined-bytecode-size-cumulative=230 --v8-pool-size=1 --single-threaded-gc --expose-gc"
# The client's commands (src/cli/clientCommandNames.ts) start from a snapshot
# of their own (exec-server-client.blob), which holds none of the server,
# under flags of their own (native/startup-snapshot.mjs builds its blob under them):
# the server's, but V8 compiles no further than its baseline code
# (--max-opt=1): the optimizing compilers' own code and memory cost a client
# streaming output more than they save it (docs/PERFORMANCE.md, "The
# command-line client").
client_flags="--max-semi-space-size=2 --max-opt=1 --v8-pool-size=1 --single-threaded-gc --expose-gc"
blob=exec-server.blob
case ${1-} in
  exec | attach | ps | kill | sessions | environments | console-url)
    flags=$client_flags
    blob=exec-server-client.blob
    ;;
esac
# The blob and main.js are beside the file itself, where npm's link points
# (its real directory: the stamp names it; a subshell costs less than readlink).
self=$0
[ -L "$self" ] && self=$(readlink -f -- "$self")
case $self in */*) dir=${self%/*} ;; *) dir=. ;; esac
dir=$(cd -P -- "$dir" && pwd) || exit 1
# How the server starts the one that replaces it (`exec-server` restarting): this launcher again.
EXEC_SERVER_LAUNCHER=$dir/${self##*/}
export EXEC_SERVER_LAUNCHER
node=$(command -v node) || { echo "exec-server: node was not found on PATH (it runs on Node @NODE_LINES@)" >&2; exit 127; }
# glibc's malloc backs its large blocks with transparent huge pages: Node
# reads the startup snapshot's blob into one, and where a page fault is
# dear (a VM's) the start is its faults (docs/PERFORMANCE.md, "The startup
# snapshot"). Not over the user's own tunables; the marker tells the server
# and the client to drop both, so that no process they start inherits them.
if [ -z "${GLIBC_TUNABLES+set}" ]; then
  GLIBC_TUNABLES=glibc.malloc.hugetlb=1
  EXEC_SERVER_GLIBC_TUNABLES=$GLIBC_TUNABLES
  export GLIBC_TUNABLES EXEC_SERVER_GLIBC_TUNABLES
fi
if [ "${EXEC_SERVER_SNAPSHOT-}" = 0 ]; then
  EXEC_SERVER_NO_SNAPSHOT="EXEC_SERVER_SNAPSHOT=0"
# A redirection's own error (no stamp: installed without scripts, or a
# `npm pack` build) goes to the stderr it had before: the braces silence it.
elif { read -r stamp < "$dir/$blob.stamp"; } 2>/dev/null; then
  if [ ! -f "$dir/$blob" ]; then
    EXEC_SERVER_NO_SNAPSHOT="the startup snapshot's blob is missing (to build it: node ${dir%/dist/cli}/native/startup-snapshot.mjs)"
  elif [ "$stamp" = "$(stat -L -c '%d %i %s %Y' -- "$node" 2>/dev/null) $dir $flags" ]; then
    exec "$node" $flags --snapshot-blob "$dir/$blob" -- "$@"
  else
    EXEC_SERVER_NO_SNAPSHOT="the startup snapshot was built for another Node binary, directory or V8 flags (to build it: node ${dir%/dist/cli}/native/startup-snapshot.mjs)"
  fi
else
  EXEC_SERVER_NO_SNAPSHOT="no startup snapshot was built (to build it: node ${dir%/dist/cli}/native/startup-snapshot.mjs)"
fi
export EXEC_SERVER_NO_SNAPSHOT
exec "$node" $flags "$dir/main.js" "$@"
