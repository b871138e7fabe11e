#!/usr/bin/env bash
# The desk timeline of docs/backtesting.md: four commits with fixed dates and authors.
# Usage: bash docs/desk.sh [FOLDER]   (FOLDER defaults to desk; it must not exist yet)
set -euo pipefail
git init -q -b main "${1:-desk}" && cd "${1:-desk}"
commit() (  # commit DAY AUTHOR MESSAGE: every file, dated DAY at noon UTC
  export GIT_AUTHOR_DATE="$1T12:00:00Z" GIT_COMMITTER_DATE="$1T12:00:00Z"
  export GIT_AUTHOR_NAME="$2" GIT_AUTHOR_EMAIL="$2@example.org"
  export GIT_COMMITTER_NAME="$2" GIT_COMMITTER_EMAIL="$2@example.org"
  git add -A && git commit -q -m "$3"
)
mkdir events
cat > orbit.toml <<'TOML'
[signals]
pole = "RU"
half_life = "180d"
watch = ["KZ", "KG"]

[[rules]]
id = "aid"
title = "Security aid from a power other than Russia"
when = "tag:aid"
stance = "away"
weight = 3

[[levels]]
name = "watch"
score = 2.5
TOML
printf 'date = 2022-05-01\ntitle = "KZ aid"\ncountries = ["KZ"]\ntags = ["aid"]\n' > events/kz-aid.toml
commit 2022-05-02 ann "KZ aid"
printf 'date = 2022-03-15\ntitle = "KZ aid in March, found late"\ncountries = ["KZ"]\ntags = ["aid"]\n' > events/kz-early.toml
commit 2022-05-09 ann "An older KZ event, found late"
printf 'date = 2022-05-20\ntitle = "KG summit"\ncountries = ["KG"]\ntags = ["aid"]\nstatus = "scheduled"\n' > events/kg-summit.toml
commit 2022-05-10 bob "KG summit ahead"
git mv events/kz-aid.toml events/kz-aid-package.toml
printf 'id = "kz-aid"\ndate = 2022-05-01\ntitle = "KZ aid package"\ncountries = ["KZ"]\ntags = ["aid"]\n' > events/kz-aid-package.toml
commit 2022-05-12 bob "Rename the KZ aid file, pin its id"
