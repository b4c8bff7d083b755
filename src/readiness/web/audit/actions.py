"""Names of the actions in the audit log.  Other names are accepted; these are the known ones."""

LOGIN = "login"  # signed in (after the second factor, when there is one)
LOGIN_FAILED = "login_failed"  # wrong password, unknown username or wrong code
LOGIN_BLOCKED = "login_blocked"  # refused by the throttle before the password was checked
LOGOUT = "logout"
EXPORT = "export"  # responses or the report left the application
IMPORT = "import"  # responses loaded from a file
EDIT = "edit"  # a change to a study, its sites, sessions, members or responses
PAPER_ENTRY = "paper_entry"  # a paper form entered
TWO_FACTOR = "two_factor"  # a second factor added, removed or required
API_TOKEN_CREATED = "api_token_created"  # readiness.web.api: a token made
API_TOKEN_REVOKED = "api_token_revoked"
API_CALL = "api_call"  # a call to the API with a token (its path and status)
RESPONSE_CORRECTED = "response_corrected"  # answers of a response changed, with the reason
RESPONSE_DELETED = "response_deleted"  # a response removed; the entry keeps its answers

LABELS = {
    LOGIN: "Signed in",
    LOGIN_FAILED: "Sign-in failed",
    LOGIN_BLOCKED: "Sign-in blocked",
    LOGOUT: "Signed out",
    EXPORT: "Export",
    IMPORT: "Import",
    EDIT: "Edit",
    PAPER_ENTRY: "Paper entry",
    TWO_FACTOR: "Two-factor authentication",
    API_TOKEN_CREATED: "API token made",
    API_TOKEN_REVOKED: "API token revoked",
    API_CALL: "API call",
    RESPONSE_CORRECTED: "Response corrected",
    RESPONSE_DELETED: "Response deleted",
}
SIGN_IN_ACTIONS = (LOGIN, LOGIN_FAILED, LOGIN_BLOCKED, LOGOUT)
# A person's own entries, shown on the log of every study they have a role in.
PERSON_ACTIONS = (*SIGN_IN_ACTIONS, TWO_FACTOR)


def label(action: str) -> str:
    return LABELS.get(action, action.replace("_", " ").capitalize())
