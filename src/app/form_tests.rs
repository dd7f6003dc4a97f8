//! `update` tests of the create/edit form, the secret dialog and lost-create recovery.
