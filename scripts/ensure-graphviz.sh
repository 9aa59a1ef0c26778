#!/usr/bin/env bash
# Make sure Graphviz's `dot` is on PATH (the diagrams render with it).
#
#   - `dot` found             -> say which one, exit 0
#   - missing, root, apt-get  -> apt-get update && apt-get install -y graphviz
#   - otherwise               -> exit 1 with one message saying how to install it
set -euo pipefail

if command -v dot >/dev/null 2>&1; then
    echo "graphviz: $(dot -V 2>&1)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "graphviz: 'dot' not found; installing the Debian package 'graphviz' (running as root)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y graphviz
    if ! command -v dot >/dev/null 2>&1; then
        echo "error: installed the 'graphviz' package, but 'dot' is still not on PATH" >&2
        exit 1
    fi
    echo "graphviz: $(dot -V 2>&1)"
    exit 0
fi

cat >&2 <<'MSG'
error: Graphviz ('dot') is not installed, and this script installs it only when run as root
on Debian/Ubuntu. Install it with the one line that fits your system, then run make again:
    sudo apt-get install graphviz              # Debian, Ubuntu
    brew install graphviz                      # macOS (Homebrew)
    conda install -c conda-forge graphviz      # conda, any system
MSG
exit 1
