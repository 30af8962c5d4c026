#!/usr/bin/env bash
# The nightly workflow's report job (.github/workflows/nightly.yml), kept as a script so the unit
# tier runs it: merges every matrix cell's results/<cell>/results.json into report/, appends
# summary.md to $GITHUB_STEP_SUMMARY, then diffs against the previous night's previous/results.json
# when there is one. Exit: 0 all passed, 1 a check failed or a security regression appeared, 2 the
# results could not be read.
#
# GitHub runs an unspecified shell as `bash -e {0}` (docs.github.com workflow syntax,
# jobs.<job_id>.steps[*].shell; github/docs#23853): a failing `gauntlet report` must not end the
# job before the summary is written, so exit statuses are collected, never left to -e.
# GAUNTLET overrides the command (tests run bin/gauntlet.mjs from the checkout).
set -uo pipefail
shopt -s nullglob

gauntlet=(${GAUNTLET:-npx gauntlet})
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"

files=(results/*/results.json)
if [ ${#files[@]} -eq 0 ]; then
  echo "no cell produced results.json" | tee -a "$summary"
  exit 1
fi

status=0
"${gauntlet[@]}" report "${files[@]}" --out report || status=$?
if [ "$status" -ge 2 ] || [ ! -f report/summary.md ]; then
  echo "gauntlet report could not read the results (exit $status)" | tee -a "$summary"
  exit 2
fi
cat report/summary.md >>"$summary"

if [ -f previous/results.json ]; then
  printf '\n## Changes since the previous night\n\n' >>"$summary"
  diff_status=0
  "${gauntlet[@]}" diff previous/results.json report/results.json --format markdown >report/diff.md || diff_status=$?
  cat report/diff.md >>"$summary"
  if [ "$diff_status" -gt "$status" ]; then status=$diff_status; fi
else
  echo "_No previous night's report to compare with._" >>"$summary"
fi
exit "$status"
