#!/usr/bin/env bash
# Captures the real dashboard screen as text for README (assets/screen-*.txt): runs the
# release binary on a fresh seeded sandbox in tmux, presses keys, and saves capture-pane.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; }
cargo build --bin linq-hooks
tmp=$(mktemp -d)
trap 'tmux kill-session -t capture 2>/dev/null || true; rm -rf "$tmp"' EXIT
tmux kill-session -t capture 2>/dev/null || true
tmux new-session -d -s capture -x 100 -y 30 \
    "env -u LINQ_API_V3_API_KEY -u LINQ_API_KEY HOME=$tmp XDG_DATA_HOME=$tmp target/debug/linq-hooks --sandbox-db $tmp/demo.db --refresh 0"
sleep 1.5
# The sandbox's port changes every run: show the default one instead.
normalise() { sed -E 's#http://127\.0\.0\.1:[0-9]+#http://127.0.0.1:4010#'; }
tmux send-keys -t capture j
sleep 0.3
tmux capture-pane -p -t capture | normalise > assets/screen-list.txt
tmux send-keys -t capture '?'
sleep 0.3
tmux capture-pane -p -t capture | normalise > assets/screen-help.txt
tmux send-keys -t capture Escape
sleep 0.3
tmux send-keys -t capture C-d
sleep 0.3
tmux capture-pane -p -t capture | normalise > assets/screen-delete.txt
tmux send-keys -t capture n q
echo "saved assets/screen-list.txt, screen-help.txt, screen-delete.txt"
