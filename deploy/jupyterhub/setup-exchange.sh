#!/bin/sh
# Create nbgrader's exchange directory for one course (deploy/jupyterhub/README.md, "The exchange").
#
#   sudo deploy/jupyterhub/setup-exchange.sh [EXCHANGE_ROOT] [COURSE_ID] [GRADER]
#
# defaults: /srv/nbgrader/exchange iam-study-lab grader-iam-study-lab
#
# EXCHANGE_ROOT  mode 1777, owned by root: every user may create in it (nbgrader checks that
#                students can write there), and the sticky bit keeps anyone from renaming or
#                removing what another user made.
# COURSE_ID      the course's folder in it, made now and owned by the grader account, so that
#                no student can claim the course's name first. nbgrader itself creates, on the
#                first `nbgrader release_assignment`:
#                  outbound/  0755  released assignments, readable by all
#                  inbound/   2733  submissions: students may write but not list it, and each
#                                   submission's folder name ends in a random string
#                  feedback/  0711  feedback, each file named by a hash of a secret that only
#                                   the submitting student holds
# Running it again is harmless: it only resets the two folders' owners and modes.
set -eu

root="${1:-/srv/nbgrader/exchange}"
course="${2:-iam-study-lab}"
grader="${3:-grader-iam-study-lab}"

if [ "$(id -u)" -ne 0 ]; then
    echo "error: run as root (it creates $root and gives $root/$course to $grader)" >&2
    exit 1
fi
if ! id "$grader" >/dev/null 2>&1; then
    echo "error: no such user: $grader (create the grader account first)" >&2
    exit 1
fi

mkdir -p "$root"
chown root:root "$root"
chmod 1777 "$root"

mkdir -p "$root/$course"
chown "$grader:$(id -gn "$grader")" "$root/$course"
chmod 0755 "$root/$course"

echo "exchange: $root (1777), course folder: $root/$course (0755, $grader)"
