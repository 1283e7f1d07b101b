"""Words for the demo tickets: what goes wrong where, what was done, what gets asked for."""

from apps.facilities.choices import FacilityKind as K
from apps.tickets.choices import ServiceCategory

# Which incident types (fixtures/incident_types.json codes) happen at which kind of facility.
TYPES_BY_FACILITY = {
    K.TRANSMITTER: ("transmitter-off-air", "power-failure", "loss-of-signal", "hvac-overheating", "network-outage"),
    K.MASTER_CONTROL: (
        "playout-failure",
        "loss-of-signal",
        "audio-silence",
        "encoder-fault",
        "subtitles-missing",
        "epg-metadata-error",
    ),
    K.STUDIO: ("studio-equipment-fault", "audio-silence", "power-failure", "hvac-overheating"),
    K.DATA_CENTRE: ("network-outage", "cyber-security", "hvac-overheating", "power-failure", "encoder-fault"),
    K.EDIT_SUITE: ("studio-equipment-fault", "network-outage"),
    K.OB_VAN: ("loss-of-signal", "studio-equipment-fault", "power-failure", "encoder-fault"),
    K.OFFICE: ("network-outage", "cyber-security", "hvac-overheating"),
    K.OTHER: ("power-failure", "hvac-overheating"),
}
# How often each kind of facility has an incident, relative to the others.
INCIDENT_WEIGHT = {
    K.TRANSMITTER: 5,
    K.MASTER_CONTROL: 5,
    K.STUDIO: 3,
    K.DATA_CENTRE: 2,
    K.OB_VAN: 2,
    K.EDIT_SUITE: 1,
    K.OFFICE: 1,
    K.OTHER: 1,
}

INCIDENT_TITLES = {
    "transmitter-off-air": (
        "Main TX off air",
        "Transmitter tripped on high VSWR",
        "DAB mux off air",
        "TX alarm: no RF",
    ),
    "playout-failure": ("Playout server froze", "Channel 1 playout stalled", "Automation skipped the 18:00 junction"),
    "loss-of-signal": ("Loss of incoming feed", "Contribution link dropped", "Programme feed lost at input"),
    "power-failure": ("Mains failure, running on UPS", "Generator failed to start", "PDU tripped in rack 4"),
    "audio-silence": ("Silence detector alarm", "Audio missing on HD output", "Left channel silent"),
    "encoder-fault": ("Encoder rebooting in a loop", "Macroblocking on DVB output", "Encoder lost licence"),
    "network-outage": ("Core switch down", "No network in edit area", "Internet uplink flapping"),
    "hvac-overheating": ("Air-con failed, room at 34°C", "Over-temperature alarm", "Chiller fault"),
    "cyber-security": ("Phishing e-mail reported", "Suspicious login on playout client", "Malware alert on laptop"),
    "subtitles-missing": ("Subtitles missing on News", "Subtitle delay over 10 s", "Teletext 888 blank"),
    "studio-equipment-fault": ("Camera 2 CCU fault", "Talkback dead in gallery", "Vision mixer panel frozen"),
    "epg-metadata-error": ("Wrong programme title in EPG", "EPG shows yesterday's schedule", "Missing EPG synopsis"),
}
DESCRIPTIONS = (
    "Spotted on the monitoring wall; alarm raised by the duty operator.",
    "Reported by the gallery during rehearsal.",
    "Viewers called the duty office about it.",
    "Automatic alarm from the monitoring system.",
    "Noticed during the hand-over between shifts.",
)
RESOLUTIONS = (
    "Replaced the faulty card; output verified on the reference monitor.",
    "Rebooted the unit and restored from the last good configuration.",
    "Switched permanently to the reserve path; main path booked for repair.",
    "Supplier patch applied; no recurrence during a 24-hour soak.",
    "Loose connector reseated and secured; cause logged for the next maintenance.",
    "Power restored by the facilities team; all systems checked.",
    "Configuration error corrected; runbook updated.",
)

NOTES = {
    "report": (
        "Alarm confirmed on the monitoring wall.",
        "Logged on behalf of the gallery.",
        "First seen at hand-over.",
    ),
    "triage": (
        "Acknowledged; on my way.",
        "Triaged: only this facility affected.",
        "Checked monitoring; fault confirmed.",
    ),
    "work": (
        "Switched to the reserve path while we investigate.",
        "Vendor support case opened.",
        "Rebooted the affected unit; watching it.",
        "Logs sent to the supplier.",
        "Fault isolated to a faulty SDI patch.",
    ),
    "hold": (
        "On hold: waiting for the supplier's engineer.",
        "On hold until the next maintenance window.",
        "Waiting for a spare part; ETA tomorrow morning.",
    ),
    "resolved": ("Service restored; monitoring for 24 hours.", "Root cause found and fixed; see the resolution."),
    "closed": ("No recurrence; closing.", "Reviewed at the operations meeting; closing."),
    "duplicate": ("Same fault as an earlier report; tracking it there.",),
    "service": (
        "Quote requested from the supplier.",
        "Parts ordered.",
        "Booked with the facilities team.",
        "Spoke to the requester; details confirmed.",
        "Done and tested.",
    ),
}

SERVICE_TITLES = {
    ServiceCategory.MAINTENANCE: (
        "Replace fan trays in the router frame",
        "Service the lighting hoists",
        "Quarterly PAT testing",
        "Replace UPS batteries",
        "Clean the air-con filters",
        "Inspect the roof-top satellite dishes",
    ),
    ServiceCategory.EQUIPMENT: (
        "New radio microphones",
        "Replacement camera batteries",
        "Loan of a portable encoder",
        "Spare SDI cables and barrels",
        "Second talkback panel for the gallery",
    ),
    ServiceCategory.ACCESS: (
        "Door access for a new starter",
        "Visitor passes for the supplier's engineers",
        "Out-of-hours access to the transmitter site",
        "Key for the plant room",
    ),
    ServiceCategory.IT: (
        "Laptop for a new editor",
        "VPN access for remote editing",
        "Upgrade the editing software",
        "Shared storage quota increase",
        "Replace a failing monitor",
    ),
    ServiceCategory.OTHER: (
        "Parking bay for the OB truck",
        "Recycle old monitors",
        "Book a room for the incident review",
        "Signage for the new studio entrance",
    ),
}
SERVICE_DESCRIPTIONS = (
    "Needed before the next big outside broadcast.",
    "Raised at the weekly operations meeting.",
    "Requested by the production team.",
    "Flagged in the last maintenance report.",
    "",
)
