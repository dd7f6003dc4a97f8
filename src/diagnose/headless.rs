//! A finding's fix in the words of the headless commands: `doctor` runs in a shell, where
//! "press p" means nothing, so each dashboard key becomes the command that does the same
//! (`linq-hooks resume ID`). The findings stay one engine; only the fix sentence differs.

/// Each dashboard fix sentence and its command form; `{id}` is the subscription's id
/// (`ID` where the fix is about another subscription).
const COMMAND_FIXES: [(&str, &str); 19] = [
    ("Resume it with p.", "Resume it: `linq-hooks resume {id}`."),
    (
        "Choose event types (e to edit).",
        "Choose event types: `linq-hooks update {id} --event TYPE` (`linq-hooks events` lists them).",
    ),
    (
        "Switch to ?version=2026-02-03 once your receiver reads that payload, or drop the event (e to edit).",
        "Switch to ?version=2026-02-03 once your receiver reads that payload (`linq-hooks update {id} --url URL`), or drop the event (`linq-hooks update {id} --remove-event TYPE`).",
    ),
    (
        "Pin ?version=2026-02-03 (e to edit, Ctrl-P in the URL field).",
        "Pin ?version=2026-02-03: `linq-hooks update {id} --url URL?version=2026-02-03`.",
    ),
    (
        "Remove the unknown event types (e to edit).",
        "Remove the unknown event types: `linq-hooks update {id} --remove-event TYPE`.",
    ),
    (
        "Refresh with r to check against the server's catalogue.",
        "Run it again once the server's catalogue can be read (`linq-hooks events`).",
    ),
    (
        "Put the account's lines in the phone filter, or clear it to hear every line (e to edit).",
        "Put the account's lines in the phone filter (`linq-hooks update {id} --phone E164`; `linq-hooks phones` lists them), or clear it to hear every line (`linq-hooks update {id} --all-lines`).",
    ),
    (
        "Remove the numbers that are not lines from the phone filter (e to edit).",
        "Keep only the account's lines in the phone filter: `linq-hooks update {id} --phone E164` for each (`linq-hooks phones` lists them).",
    ),
    (
        "Set a routing key header too, or clear the id header (e to edit).",
        "Set a routing key header too, or clear the id header (in the dashboard's editor: `linq-hooks update` does not change routing headers).",
    ),
    (
        "Enter a valid https:// URL (e to edit).",
        "Enter a valid https:// URL: `linq-hooks update {id} --url URL`.",
    ),
    (
        "Use an https:// URL (e to edit).",
        "Use an https:// URL: `linq-hooks update {id} --url URL`.",
    ),
    (
        "Use a public host name Linq can reach, e.g. a tunnel to this machine (e to edit).",
        "Use a public host name Linq can reach, e.g. a tunnel to this machine: `linq-hooks update {id} --url URL`.",
    ),
    (
        "Remove the credentials and verify the webhook signature instead (e to edit).",
        "Remove the credentials (`linq-hooks update {id} --url URL`) and verify the webhook signature instead (`linq-hooks verify`).",
    ),
    (
        "Remove the #fragment (e to edit).",
        "Remove the #fragment: `linq-hooks update {id} --url URL`.",
    ),
    (
        "Set ?version=2026-02-03 (e to edit).",
        "Set ?version=2026-02-03: `linq-hooks update {id} --url URL?version=2026-02-03`.",
    ),
    (
        "Delete or pause one of them (Ctrl-D, p), or give each a distinct phone filter.",
        "Delete or pause one of them (`linq-hooks delete ID`, `linq-hooks pause ID`), or give each a distinct phone filter (`linq-hooks update ID --phone E164`).",
    ),
    (
        "Delete the paused twin if it is no longer needed (Ctrl-D on its row).",
        "Delete the paused twin if it is no longer needed (`linq-hooks delete ID` with its id).",
    ),
    (
        "Delete this one if it is no longer needed (Ctrl-D); resuming it (p) may duplicate deliveries.",
        "Delete this one if it is no longer needed (`linq-hooks delete {id}`); resuming it (`linq-hooks resume {id}`) may duplicate deliveries.",
    ),
    (
        "Inspect the row with the API or a newer linq-hooks.",
        "Inspect the row with `linq-hooks get {id} --json` or a newer linq-hooks.",
    ),
];

/// `fix` (a finding's, worded for the dashboard) as the command to run for subscription
/// `id`. A sentence without a dashboard key is returned as it is; one this table does not
/// know (a newer finding) loses its key hint rather than naming a key a shell cannot press.
pub fn command_fix(fix: &str, id: &str) -> String {
    let id = if crate::validate::is_subscription_id(id) {
        id
    } else {
        "ID"
    };
    if let Some((_, command)) = COMMAND_FIXES
        .iter()
        .find(|(dashboard, _)| *dashboard == fix)
    {
        return command.replace("{id}", id);
    }
    match fix.find(" (e to edit") {
        Some(at) => format!("{}: `linq-hooks update {id}`.", &fix[..at]),
        None => fix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key hints a fix sentence of the dashboard uses.
    fn names_a_key(text: &str) -> bool {
        ["(e to edit", "Ctrl-", "with p", "(p)", ", p)", "with r "]
            .iter()
            .any(|k| text.contains(k))
    }

    /// Every fix sentence in the engine's sources that names a dashboard key has its
    /// command form, and no command form names a key.
    #[test]
    fn every_fix_that_names_a_key_has_a_command_form() {
        let sources = [
            include_str!("checks.rs"),
            include_str!("target.rs"),
            include_str!("twins.rs"),
        ];
        let mut missing = Vec::new();
        for source in sources {
            // Escaped quotes are inside literals: dropped, so `"` splits at literal bounds.
            let source = source.replace("\\\"", "");
            for literal in source.split('"').skip(1).step_by(2) {
                if names_a_key(literal) && !COMMAND_FIXES.iter().any(|(d, _)| *d == literal) {
                    missing.push(literal.to_string());
                }
            }
        }
        assert!(missing.is_empty(), "no command form for {missing:#?}");
        for (dashboard, command) in COMMAND_FIXES {
            assert!(names_a_key(dashboard) || dashboard.starts_with("Inspect"));
            assert!(!names_a_key(command), "{command}");
            assert!(command.contains("linq-hooks"), "{command}");
        }
    }

    #[test]
    fn the_command_names_the_subscription() {
        let id = "b2c3d4e5-f6a7-8901-bcde-f23456789012";
        assert_eq!(
            command_fix("Resume it with p.", id),
            format!("Resume it: `linq-hooks resume {id}`.")
        );
        // An id that is not one is never pasted into a command line.
        assert_eq!(
            command_fix("Resume it with p.", "x; rm -rf ~"),
            "Resume it: `linq-hooks resume ID`."
        );
        assert_eq!(
            command_fix("Nothing to do while the phone filters stay apart.", id),
            "Nothing to do while the phone filters stay apart."
        );
        assert_eq!(
            command_fix("Do something new (e to edit).", id),
            format!("Do something new: `linq-hooks update {id}`.")
        );
    }
}
