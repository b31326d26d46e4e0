"""The typed registry of every per-tenant setting.

Sections and keys are ReShare's (mod-rs ``AppSetting``), so staff who know ReShare find what
they know. Vocabulary values are ReShare's normalised refdata values (lower case, ``_`` for
spaces). FOLIO-only plumbing (patron store, feature flags, S3 file storage) is left out: file
storage is our ``var/`` folder and there is no FOLIO user store to mirror patrons into.

A capability reads a value with ``SettingsService.get(tenant, key)``; keys are unique across
sections, as in ReShare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SettingType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    YESNO = "yesno"
    REFDATA = "refdata"
    PASSWORD = "password"
    TEMPLATE = "template"
    URL = "url"
    SYMBOL_LIST = "symbol_list"


@dataclass(frozen=True)
class SettingDef:
    section: str
    key: str
    type: SettingType
    default: str | None
    label: str
    description: str
    vocabulary: tuple[str, ...] = ()
    hidden: bool = False
    minimum: int | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def secret(self) -> bool:
        return self.type == SettingType.PASSWORD


YESNO = ("yes", "no")
S = SettingType

LMS_ADAPTERS = (
    "manual", "alma", "aleph", "evergreen", "folio", "horizon", "koha", "millennium", "ncsu",
    "polaris", "sierra", "symphony", "tlc", "voyager", "wms", "wms2", "default",
)

SECTION_LABELS: dict[str, str] = {
    "requests": "Request defaults",
    "Routing": "Routing",
    "sharedIndex": "Shared index",
    "network": "Network",
    "autoResponder": "Automation (auto-responders, stale requests)",
    "chat": "Chat",
    "state_action_config": "State/action configuration",
    "hostLMSIntegration": "Host LMS integration",
    "localNCIP": "Local NCIP",
    "z3950": "Z39.50",
    "wmsSettings": "OCLC WMS",
    "voyagerSettings": "Voyager",
    "pullslipTemplateConfig": "Pull slip template",
    "pullslipConfiguration": "Pull slips",
    "state_model": "State models",
    "other": "Other",
    "automaticFees": "Automatic fees",
    "logging": "Protocol logging",
    "notices": "Patron notices (e-mail)",
    "openurl": "OpenURL intake",
}

SETTINGS: tuple[SettingDef, ...] = (
    # --- requests: "Request defaults" ---------------------------------------------------
    SettingDef("requests", "request_id_prefix", S.STRING, None, "Request ID prefix",
               "Prefix of the human-readable request IDs (HRIDs) this library creates. "
               "Recommended: the institution's symbol followed by a dash, e.g. NJSOOS-."),
    SettingDef("requests", "default_institutional_patron_id", S.STRING, None,
               "Default institutional patron ID",
               "Barcode of the patron account in your LMS that loans to other libraries are "
               "checked out to (NCIP CheckOutItem, RequestItem). Required for NCIP check-out "
               "unless the borrowing library's directory entry names its own "
               "(local_institutionalPatronId). Alma libraries use none: enter a single '-'."),
    SettingDef("requests", "default_request_symbol", S.STRING, None, "Default request symbol",
               "Broker mode: our own symbol (AUTHORITY:SYMBOL) for message headers."),
    SettingDef("requests", "default_peer_symbol", S.STRING, None, "Default peer symbol",
               "Broker mode: the broker's symbol used as the peer."),
    SettingDef("requests", "local_symbols", S.SYMBOL_LIST, None, "Local symbols",
               "Comma-separated symbols that are ours (e.g. RESHARE:NJSOOS). Used for local "
               "review, the local-first rota score and pickup-location validation."),
    SettingDef("requests", "last_resort_lenders", S.SYMBOL_LIST, "", "Last resort lenders",
               "Comma-separated symbols always appended to the end of a computed rota."),
    SettingDef("requests", "max_requests", S.INTEGER, None, "Maximum requests per patron",
               "Largest number of active requests a patron may have; empty means no limit.",
               minimum=0),
    SettingDef("requests", "free_text_pickup_location", S.REFDATA, "no",
               "Free-text pickup location", "Allow a free-text pickup location on forms.",
               vocabulary=YESNO),
    SettingDef("requests", "default_loan_period", S.INTEGER, "56", "Default loan period (days)",
               "Supplier due date when the LMS gives none; pre-filled in the fill dialog.",
               minimum=1),
    SettingDef("requests", "minimum_cost", S.STRING, None, "Minimum cost",
               "Minimum cost offered in the conditional-supply and add-condition dialogs."),
    SettingDef("requests", "suppress_patron_info", S.REFDATA, "no", "Suppress patron info",
               "Yes: leave patron details out of outgoing ISO 18626 requests.",
               vocabulary=YESNO),
    # --- Routing ---------------------------------------------------------------------------
    SettingDef("Routing", "routing_adapter", S.REFDATA, "foliosharedindex", "Routing adapter",
               "How the rota of lenders is built: from the shared index, from static routes, "
               "or disabled (broker mode: every request goes to the default peer).",
               vocabulary=("foliosharedindex", "static", "disabled")),
    SettingDef("Routing", "static_routes", S.STRING, "", "Static routes",
               "Static rota, e.g. 'SYMBOL:RESHARE:NJSOOS,SYMBOL:RESHARE:ACMAIN' (used when the "
               "routing adapter is static)."),
    # --- sharedIndex -----------------------------------------------------------------------
    SettingDef("sharedIndex", "shared_index_integration", S.REFDATA, "folio",
               "Shared index integration",
               "Which shared index finds lenders: 'folio' (ours on this installation, or a "
               "ReShare/FOLIO inventory), 'oaipmh' (a remote OAI-PMH index using ReShare's 999 "
               "fields), 'mock' (tests), 'jiscdiscover', 'anbd'.",
               vocabulary=("folio", "oaipmh", "mock", "jiscdiscover", "anbd")),
    SettingDef("sharedIndex", "shared_index_base_url", S.URL, None, "Shared index base URL",
               "Base URL of the shared index. Empty with 'folio': this installation's own index."),
    SettingDef("sharedIndex", "shared_index_user", S.STRING, None, "Shared index user",
               "User name for the shared index, when it needs one."),
    SettingDef("sharedIndex", "shared_index_pass", S.PASSWORD, None, "Shared index password",
               "Password for the shared index (write-only)."),
    SettingDef("sharedIndex", "shared_index_tenant", S.STRING, None, "Shared index tenant",
               "Tenant of the shared index, when it is multi-tenant."),
    # --- network -----------------------------------------------------------------------------
    SettingDef("network", "iso18626_gateway_address", S.URL, None, "ISO 18626 gateway address",
               "Fallback ISO 18626 endpoint when a peer's directory entry has none; in broker "
               "mode, the broker's URL."),
    SettingDef("network", "network_maximum_send_attempts", S.INTEGER, "3",
               "Maximum send attempts", "Attempts before a message is marked as failed.",
               minimum=1),
    SettingDef("network", "network_retry_period", S.INTEGER, "10", "Retry period (minutes)",
               "Base back-off between send attempts.", minimum=0),
    SettingDef("network", "network_timeout_period", S.INTEGER, "30", "Timeout (seconds)",
               "HTTP connect and read timeout for ISO 18626 messages.", minimum=1),
    # --- autoResponder -------------------------------------------------------------------------
    SettingDef("autoResponder", "auto_responder_status", S.REFDATA,
               "on:_will_supply_and_cannot_supply", "Loan auto-responder",
               "Answer new lending requests automatically from a real availability check.",
               vocabulary=("off", "on:_will_supply_only", "on:_will_supply_and_cannot_supply",
                           "on:_loaned_and_cannot_supply")),
    SettingDef("autoResponder", "auto_responder_cancel", S.REFDATA, "on",
               "Cancellation auto-responder", "Accept cancellations automatically.",
               vocabulary=("off", "on")),
    SettingDef("autoResponder", "auto_responder_local", S.REFDATA, "off", "Local auto-responder",
               "Check availability before local review of a request we could fill ourselves.",
               vocabulary=("off", "on")),
    SettingDef("autoResponder", "copy_auto_responder_status", S.REFDATA, "off",
               "Copy auto-responder", "Answer copy requests automatically.",
               vocabulary=("off", "on:_loaned_and_cannot_supply")),
    SettingDef("autoResponder", "auto_responder_requester_non_ret", S.REFDATA, "off",
               "Requester non-returnable auto-supply", "Non-returnable requester automation.",
               vocabulary=("off", "on:_available", "on:_supplied")),
    SettingDef("autoResponder", "stale_request_1_enabled", S.REFDATA, "no",
               "Stale requests: enabled", "Handle lending requests left idle too long.",
               vocabulary=YESNO),
    SettingDef("autoResponder", "stale_request_2_days", S.INTEGER, "3",
               "Stale requests: idle days", "Idle days before a request is stale.", minimum=0),
    SettingDef("autoResponder", "stale_request_3_exclude_weekend", S.REFDATA, "yes",
               "Stale requests: exclude weekends", "Do not count Saturdays and Sundays.",
               vocabulary=YESNO),
    SettingDef("autoResponder", "stale_request_rush_hours", S.INTEGER, None,
               "Stale requests: rush hours", "Hours before a rush request is stale.", minimum=0),
    SettingDef("autoResponder", "stale_request_express_hours", S.INTEGER, None,
               "Stale requests: express hours", "Hours before an express request is stale.",
               minimum=0),
    SettingDef("autoResponder", "check_duplicate_time", S.INTEGER, "0",
               "Duplicate check window (hours)",
               "Flag a new request as a possible duplicate of one by the same patron within "
               "this many hours; 0 turns the check off.", minimum=0),
    SettingDef("autoResponder", "auto_rerequest", S.REFDATA, "no", "Automatic re-request",
               "Re-request automatically when a lender answers unfilled with reason 'transfer'.",
               vocabulary=YESNO),
    # --- chat, state_action_config ------------------------------------------------------------
    SettingDef("chat", "chat_auto_read", S.REFDATA, "on", "Chat auto-read",
               "How 'mark all read' behaves for request messages.",
               vocabulary=("off", "on", "on_(excluding_action_messages)")),
    SettingDef("state_action_config", "combine_fill_and_ship", S.REFDATA, "no",
               "Combine fill and ship", "Offer one combined 'check in and ship' action.",
               vocabulary=YESNO),
    SettingDef("state_action_config", "combine_returned_by_patron_and_return_ship", S.REFDATA,
               "no", "Combine patron return and return shipping",
               "Offer one combined 'returned by patron and shipped back' action.",
               vocabulary=YESNO),
    # --- hostLMSIntegration ---------------------------------------------------------------------
    SettingDef("hostLMSIntegration", "host_lms_integration", S.REFDATA, "manual",
               "Host LMS integration",
               "Which library management system this library runs; selects the NCIP and "
               "Z39.50 quirks. 'manual' means staff do LMS work by hand.",
               vocabulary=LMS_ADAPTERS),
    SettingDef("hostLMSIntegration", "borrower_check", S.REFDATA, "none", "Borrower check",
               "Validate patrons with NCIP LookupUser.", vocabulary=("none", "ncip")),
    SettingDef("hostLMSIntegration", "check_out_item", S.REFDATA, "none", "Check out item",
               "NCIP CheckOutItem to the institutional patron when shipping.",
               vocabulary=("none", "ncip")),
    SettingDef("hostLMSIntegration", "check_in_item", S.REFDATA, "none", "Check in item",
               "NCIP CheckInItem when a loaned item comes back.", vocabulary=("none", "ncip")),
    SettingDef("hostLMSIntegration", "accept_item", S.REFDATA, "none", "Accept item",
               "NCIP AcceptItem (temporary item) when a borrowed item is received.",
               vocabulary=("none", "ncip")),
    SettingDef("hostLMSIntegration", "check_in_on_return", S.REFDATA, "off",
               "Check in on return", "Requester: CheckInItem and DeleteItem when the patron "
               "returns the item.", vocabulary=("off", "on")),
    SettingDef("hostLMSIntegration", "use_request_item", S.REFDATA, "none", "Use RequestItem",
               "Supplier: place an NCIP RequestItem hold when answering a request.",
               vocabulary=("none", "ncip")),
    # --- localNCIP -------------------------------------------------------------------------------
    SettingDef("localNCIP", "ncip_server_address", S.URL, None, "NCIP server address",
               "URL of the LMS's NCIP responder."),
    SettingDef("localNCIP", "ncip_from_agency", S.STRING, "", "NCIP from agency",
               "FromAgencyId sent in NCIP messages."),
    SettingDef("localNCIP", "ncip_to_agency", S.STRING, "", "NCIP to agency",
               "ToAgencyId sent in NCIP messages (defaults to the from agency)."),
    SettingDef("localNCIP", "ncip_from_agency_authentication", S.PASSWORD, None,
               "NCIP from agency authentication", "NCSU adapter only (write-only)."),
    SettingDef("localNCIP", "ncip_app_profile", S.STRING, "EZBORROW", "NCIP application profile",
               "ApplicationProfileType sent in NCIP messages."),
    SettingDef("localNCIP", "ncip_use_due_date", S.REFDATA, "on", "Use LMS due date",
               "Use the due date the LMS returns from CheckOutItem.", vocabulary=("on", "off")),
    SettingDef("localNCIP", "ncip_due_date_format", S.STRING,
               "yyyy-MM-dd[ ]['T']HH:mm[:ss][.SSS][z][XXX][Z]", "NCIP due date format",
               "Format of due dates in NCIP responses."),
    SettingDef("localNCIP", "ncip_use_barcode_for_accept_item", S.REFDATA, "no",
               "Use barcode for AcceptItem",
               "AcceptItem uses the supplier's item barcode instead of the request ID.",
               vocabulary=YESNO),
    SettingDef("localNCIP", "ncip_use_title_request_type", S.REFDATA, "no",
               "Title-level RequestItem", "FOLIO: RequestItem scope Title instead of Item.",
               vocabulary=YESNO),
    SettingDef("localNCIP", "ncip_request_item_pickup_location", S.STRING, "",
               "RequestItem pickup location", "Sierra: pickup location for RequestItem."),
    # --- z3950 ------------------------------------------------------------------------------------
    SettingDef("z3950", "z3950_server_address", S.STRING, None, "Z39.50 server address",
               "Local catalogue Z39.50 target as host:port/database (or an SRU URL)."),
    SettingDef("z3950", "z3950_proxy_address", S.URL, None, "Z39.50 proxy address",
               "HTTP-to-Z39.50 gateway; empty: we speak Z39.50 directly."),
    # --- wmsSettings, voyagerSettings ---------------------------------------------------------------
    SettingDef("wmsSettings", "wms_api_key", S.STRING, None, "WMS API key", "OCLC WMS API key."),
    SettingDef("wmsSettings", "wms_api_secret", S.PASSWORD, None, "WMS API secret",
               "OCLC WMS API secret (write-only)."),
    SettingDef("wmsSettings", "wms_lookup_patron_endpoint", S.URL, None,
               "WMS patron lookup endpoint", "OCLC WMS patron lookup endpoint."),
    SettingDef("wmsSettings", "wms_registry_id", S.STRING, None, "WMS registry ID",
               "OCLC registry ID."),
    SettingDef("wmsSettings", "wms_connector_address", S.URL, None, "WMS connector address",
               "SRU connector used for availability."),
    SettingDef("wmsSettings", "wms_connector_username", S.STRING, None, "WMS connector user",
               "Connector user name."),
    SettingDef("wmsSettings", "wms_connector_password", S.PASSWORD, None,
               "WMS connector password", "Connector password (write-only)."),
    SettingDef("voyagerSettings", "voyager_item_api_address", S.URL, None,
               "Voyager item API address",
               "VXWS base URL turning item ids into barcodes (default: NCIP host, port 7014)."),
    # --- pull slips -----------------------------------------------------------------------------------
    SettingDef("pullslipTemplateConfig", "pull_slip_template_id", S.TEMPLATE, None,
               "Pull slip e-mail template", "Template of pull-slip notification e-mails."),
    SettingDef("pullslipConfiguration", "pull_slip_report_id", S.STRING, None,
               "Pull slip layout", "Pull slip layout to use; empty: the built-in layout."),
    SettingDef("pullslipConfiguration", "pull_slip_logo_id", S.STRING, None, "Pull slip logo",
               "Logo printed on pull slips."),
    SettingDef("pullslipConfiguration", "pull_slip_max_items", S.INTEGER, "500",
               "Pull slips per batch (timer)", "Requests per generated PDF.", hidden=True,
               minimum=1),
    SettingDef("pullslipConfiguration", "pull_slip_max_items_manual", S.INTEGER, "500",
               "Pull slips per batch (manual)", "Requests per generated PDF.", hidden=True,
               minimum=1),
    # --- state_model ----------------------------------------------------------------------------------
    SettingDef("state_model", "requester_returnables_state_model", S.STRING, "PatronRequest",
               "Requester returnables model", "State model for borrowing loans.", hidden=True),
    SettingDef("state_model", "requester_non_returnables_state_model", S.STRING,
               "NonreturnableRequester", "Requester non-returnables model",
               "State model for borrowing copies.", hidden=True),
    SettingDef("state_model", "requester_digital_returnables_state_model", S.STRING,
               "DigitalReturnableRequester", "Requester digital model",
               "State model for controlled digital lending (borrowing).", hidden=True),
    SettingDef("state_model", "responder_returnables_state_model", S.STRING, "Responder",
               "Responder returnables model", "State model for lending loans.", hidden=True),
    SettingDef("state_model", "responder_non_returnables_state_model", S.STRING,
               "NonreturnableResponder", "Responder non-returnables model",
               "State model for lending copies.", hidden=True),
    SettingDef("state_model", "state_model_responder_cdl", S.STRING, "CDLResponder",
               "Responder CDL model", "State model for controlled digital lending.",
               hidden=True),
    # --- other, automaticFees -------------------------------------------------------------------------
    SettingDef("other", "default_copyright_type", S.STRING, None, "Default copyright type",
               "Copyright compliance pre-selected on the request form (e.g. US_CCG, US_CCL)."),
    SettingDef("other", "default_service_level", S.STRING, None, "Default service level",
               "Service level pre-selected on the request form (e.g. Normal, Rush, Express)."),
    SettingDef("other", "displayed_service_levels", S.STRING, None, "Displayed service levels",
               "Comma-separated service levels offered on the request form."),
    SettingDef("automaticFees", "request_service_type", S.REFDATA, "no",
               "Automatic patron fee for", "Charge a patron fee (NCIP "
               "CreateUserFiscalTransaction) for these service types.",
               vocabulary=("no", "loan", "copy", "copyorloan")),
    # --- logging -----------------------------------------------------------------------------------------
    SettingDef("logging", "loggingISO18626", S.REFDATA, "no", "Log ISO 18626",
               "Keep raw ISO 18626 messages in the protocol log.", vocabulary=YESNO),
    SettingDef("logging", "loggingNCIP", S.REFDATA, "no", "Log NCIP",
               "Keep raw NCIP messages in the protocol log.", vocabulary=YESNO),
    SettingDef("logging", "loggingZ3950Requester", S.REFDATA, "no", "Log Z39.50 (requester)",
               "Keep Z39.50 searches made as requester.", vocabulary=YESNO),
    SettingDef("logging", "loggingZ3950Responder", S.REFDATA, "no", "Log Z39.50 (responder)",
               "Keep Z39.50 searches made as responder.", vocabulary=YESNO),
    SettingDef("logging", "loggingISO18626Days", S.INTEGER, "30", "ISO 18626 log days",
               "Days raw ISO 18626 messages are kept.", minimum=0),
    SettingDef("logging", "loggingNCIPDays", S.INTEGER, "30", "NCIP log days",
               "Days raw NCIP messages are kept.", minimum=0),
    SettingDef("logging", "loggingZ3950RequesterDays", S.INTEGER, "30",
               "Z39.50 requester log days", "Days Z39.50 requester searches are kept.",
               minimum=0),
    SettingDef("logging", "loggingZ3950ResponderDays", S.INTEGER, "30",
               "Z39.50 responder log days", "Days Z39.50 responder searches are kept.",
               minimum=0),
    # --- notices (ours: ReShare mails through FOLIO's mod-email) -----------------------------------------
    SettingDef("notices", "smtp_host", S.STRING, None, "SMTP host",
               "Mail server for patron notices; empty: notices are queued but not sent."),
    SettingDef("notices", "smtp_port", S.INTEGER, "25", "SMTP port", "Mail server port.",
               minimum=1),
    SettingDef("notices", "smtp_from", S.STRING, None, "From address",
               "Sender address of patron notices, e.g. ill@library.example.edu."),
    SettingDef("notices", "smtp_user", S.STRING, None, "SMTP user",
               "User name, when the mail server needs a login."),
    SettingDef("notices", "smtp_password", S.PASSWORD, None, "SMTP password",
               "Password for the mail server (write-only)."),
    SettingDef("notices", "smtp_starttls", S.REFDATA, "no", "Use STARTTLS",
               "Upgrade the SMTP connection with STARTTLS.", vocabulary=YESNO),
    # notices capability (web helper): where staff notices (new supply request) go
    SettingDef("notices", "staff_notice_email", S.STRING, None, "Staff notice address",
               "E-mail address of the resource sharing staff, for the 'new lending request' "
               "notice; empty: that notice is not sent."),
    # --- openurl (ours) -------------------------------------------------------------------------------
    SettingDef("openurl", "openurl_patron_header", S.STRING, None, "Trusted patron header",
               "HTTP header set by your authenticating proxy that carries the patron's "
               "identifier (e.g. X-Remote-User); empty: the patron comes from the OpenURL."),
)

BY_KEY: dict[str, SettingDef] = {d.key: d for d in SETTINGS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(d.section for d in SETTINGS))
assert len(BY_KEY) == len(SETTINGS), "setting keys must be unique"
